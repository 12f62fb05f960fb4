using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>Single-number cgroup files: counters (memory.current, pids.current, ...) and limits (memory.max, pids.max, ...).</summary>
public static class CgroupValue
{
    /// <summary>
    /// v1 prints "no limit" as PAGE_COUNTER_MAX × PAGE_SIZE, which depends on the page size
    /// (0x7FFFFFFFFFFFF000 with 4 KiB pages, 0x7FFFFFFFFFFF0000 with 64 KiB). Everything at or above this
    /// is unlimited — the same cut-off the .NET runtime uses.
    /// </summary>
    public const ulong UnlimitedThreshold = 0x7FFF_FFFF_0000_0000;

    /// <summary>A plain unsigned 64-bit counter.</summary>
    public static ulong ParseCounter(ReadOnlySpan<byte> data, string filePath) => ParseCounter(data, filePath.AsSpan());

    /// <summary>A limit; null when unlimited: "max" (v2), a negative number (v1 -1) or v1's huge page-counter maximum.</summary>
    public static ulong? ParseLimit(ReadOnlySpan<byte> data, string filePath) => ParseLimit(data, filePath.AsSpan());

    internal static ulong ParseCounter(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var v = CgroupParse.SingleLine(data, filePath);
        if (v.IsEmpty) throw CgroupParse.Error(filePath, 1, v, "empty file, expected a number");
        return CgroupParse.U64(v, filePath, 1, v, "counter");
    }

    internal static ulong? ParseLimit(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var v = CgroupParse.SingleLine(data, filePath);
        if (v.IsEmpty) throw CgroupParse.Error(filePath, 1, v, "empty file, expected a limit");
        if (v.SequenceEqual("max"u8)) return null;
        if (v[0] == (byte)'-')
            return Utf8.TryParseInt64(v, out _) ? null : throw CgroupParse.Error(filePath, 1, v, "limit is not 'max' or an integer");
        if (!Utf8.TryParseUInt64(v, out var n)) throw CgroupParse.Error(filePath, 1, v, "limit is not 'max' or an integer");
        return n >= UnlimitedThreshold ? null : n;
    }
}

public enum LimitState : byte
{
    /// <summary>The file is absent or unreadable (controller not enabled, cgroup removed, ...).</summary>
    Missing,
    Unlimited,
    Limited,
}

/// <summary>A limit file's outcome: missing, unlimited, or a value. Value is 0 unless State is Limited.</summary>
public readonly record struct LimitRead
{
    private LimitRead(LimitState state, ulong value) { State = state; Value = value; }

    public static LimitRead Missing => default;
    public static LimitRead Unlimited => new(LimitState.Unlimited, 0);
    public static LimitRead Of(ulong value) => new(LimitState.Limited, value);
    /// <summary>From a parsed limit: null means unlimited.</summary>
    public static LimitRead FromParsed(ulong? limit) => limit is ulong v ? Of(v) : Unlimited;

    public LimitState State { get; }
    public ulong Value { get; }

    public bool IsMissing => State == LimitState.Missing;
    public bool IsUnlimited => State == LimitState.Unlimited;
    public bool IsLimited => State == LimitState.Limited;
    /// <summary>The value when limited, otherwise null (missing or unlimited).</summary>
    public ulong? Limit => IsLimited ? Value : null;

    public override string ToString() => State switch
    {
        LimitState.Limited => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        LimitState.Unlimited => "max",
        _ => "missing",
    };
}
