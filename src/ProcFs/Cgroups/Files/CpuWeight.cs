using System.Globalization;

namespace ProcFs.Cgroups;

/// <summary>
/// v2 <c>cpu.weight</c>: 1–10000, default 100; reads 0 while <c>cpu.idle</c> is 1.
/// Conversions follow the kernel's sched_weight_from/to_cgroup (rounded to nearest, weight clamped to 1–10000).
/// </summary>
public readonly record struct CpuWeight(int Value)
{
    public const int Min = 1, Max = 10000, Default = 100;

    /// <summary>cpu.idle is set: the kernel shows weight 0.</summary>
    public bool IsIdle => Value == 0;

    /// <summary>weight × 1024 / 100, rounded to nearest, as the kernel maps a v2 weight onto CFS shares.</summary>
    public CpuShares ToShares() => new((ulong)((Math.Max(Value, 0) * 1024L + Default / 2) / Default));

    public static CpuWeight FromShares(CpuShares shares) => shares.ToWeight();

    public static CpuWeight Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static CpuWeight Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        ulong v = CgroupValue.ParseCounter(data, filePath);
        if (v > Max) throw CgroupParse.Error(filePath, 1, CgroupParse.SingleLine(data, filePath), $"weight outside 0–{Max}");
        return new CpuWeight((int)v);
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>v1 <c>cpu.shares</c>: the kernel clamps writes to 2–262144, default 1024.</summary>
public readonly record struct CpuShares(ulong Value)
{
    public const ulong Min = 2, Max = 262144, Default = 1024;

    /// <summary>shares × 100 / 1024 rounded to nearest, clamped to 1–10000 (what v2 cpu.weight would read).</summary>
    public CpuWeight ToWeight() =>
        new((int)Math.Clamp((Math.Min(Value, 1UL << 40) * CpuWeight.Default + 512) / 1024, (ulong)CpuWeight.Min, (ulong)CpuWeight.Max));

    public static CpuShares FromWeight(CpuWeight weight) => weight.ToShares();

    public static CpuShares Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static CpuShares Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        ulong v = CgroupValue.ParseCounter(data, filePath);
        if (v is < Min or > Max) throw CgroupParse.Error(filePath, 1, CgroupParse.SingleLine(data, filePath), $"shares outside {Min}–{Max}");
        return new CpuShares(v);
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
