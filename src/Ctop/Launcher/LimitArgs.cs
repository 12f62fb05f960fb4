using System.Globalization;

namespace Ctop.Launcher;

/// <summary>
/// The limits a container is started (or attached) with, already in kernel units. Null means "leave the
/// kernel's default" (unlimited for a new cgroup).
/// </summary>
public sealed record LimitSet(
    long? CpuQuotaUsec = null,
    long CpuPeriodUsec = LimitArgs.DefaultPeriodUsec,
    long? MemoryBytes = null,
    long? MemorySwapBytes = null,
    bool MemorySwapUnlimited = false,
    long? Pids = null,
    string? Cpuset = null)
{
    public bool HasCpu => CpuQuotaUsec is not null || CpuPeriodUsec != LimitArgs.DefaultPeriodUsec;
    public bool HasMemory => MemoryBytes is not null || MemorySwapBytes is not null || MemorySwapUnlimited;
    public bool IsEmpty => !HasCpu && !HasMemory && Pids is null && Cpuset is null;

    /// <summary>One line for humans: "cpus 0.25, memory 64M, pids 20".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (CpuQuotaUsec is { } q)
            parts.Add($"cpus {((double)q / CpuPeriodUsec).ToString("0.###", CultureInfo.InvariantCulture)} ({q}/{CpuPeriodUsec} µs)");
        if (MemoryBytes is { } m) parts.Add("memory " + LimitArgs.FormatSize(m));
        if (MemorySwapUnlimited) parts.Add("memory+swap unlimited");
        else if (MemorySwapBytes is { } s) parts.Add("memory+swap " + LimitArgs.FormatSize(s));
        if (Pids is { } p) parts.Add("pids " + p.ToString(CultureInfo.InvariantCulture));
        if (Cpuset is { } c) parts.Add("cpuset " + c);
        return parts.Count == 0 ? "no limits" : string.Join(", ", parts);
    }
}


/// <summary>
/// docker's limit flags for ctop run and ctop attach: <c>--cpus 0.5</c>, <c>--cpu-quota/--cpu-period</c> in µs,
/// <c>--memory 64M</c> / <c>256m</c> / <c>1g</c> / <c>1.5GiB</c> (binary units, like docker's RAMInBytes),
/// <c>--memory-swap</c> as memory + swap (-1 = unlimited), <c>--pids N</c> (-1 = unlimited), <c>--cpuset 0-1</c>.
/// Range rules the kernel enforces (minimum quota, period bounds) are left to CgroupWriter, whose refusals explain them.
/// </summary>
public static class LimitArgs
{
    public const long DefaultPeriodUsec = 100_000;

    public static LimitSet Parse(string? cpus = null, string? cpuQuota = null, string? cpuPeriod = null, string? memory = null,
        string? memorySwap = null, string? pids = null, string? cpuset = null, int? processorCount = null)
    {
        if (cpus is not null && (cpuQuota is not null || cpuPeriod is not null))
            throw new LimitArgsException("--cpus and --cpu-quota/--cpu-period are alternatives; give one or the other");
        long period = cpuPeriod is null ? DefaultPeriodUsec : ParseInteger("--cpu-period", cpuPeriod, allowMinusOne: false);
        long? quota = null;
        if (cpus is not null) quota = ParseCpus(cpus, processorCount ?? Environment.ProcessorCount);
        else if (cpuQuota is not null)
        {
            long q = ParseInteger("--cpu-quota", cpuQuota, allowMinusOne: true);
            quota = q == -1 ? null : q;
        }

        long? mem = memory is null ? null : ParseSize("--memory", memory, allowMinusOne: false);
        long? swap = null;
        bool swapUnlimited = false;
        if (memorySwap is not null)
        {
            long s = ParseSize("--memory-swap", memorySwap, allowMinusOne: true);
            if (s == -1) swapUnlimited = true;
            else
            {
                if (mem is null) throw new LimitArgsException("--memory-swap needs --memory (it is the memory + swap total)");
                if (s < mem) throw new LimitArgsException($"--memory-swap {Shown(memorySwap)} is memory + swap, so it must be at least --memory {Shown(memory!)}");
                swap = s;
            }
        }

        long? pidsMax = null;
        if (pids is not null)
        {
            long p = ParseInteger("--pids", pids, allowMinusOne: true);
            pidsMax = p == -1 ? null : p;
        }

        string? set = cpuset?.Trim();
        if (set is { Length: 0 }) throw new LimitArgsException("--cpuset is empty; a CPU list looks like 0-3,5");
        return new LimitSet(quota, period, mem, swap, swapUnlimited, pidsMax, set);
    }

    /// <summary>docker's --cpus: a decimal number of CPUs, turned into a quota per 100 ms period.</summary>
    public static long ParseCpus(string text, int processorCount)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double cpus) || double.IsNaN(cpus))
            throw new LimitArgsException($"--cpus {Shown(text)}: not a number of CPUs (e.g. 0.5 or 2)");
        if (cpus <= 0) throw new LimitArgsException($"--cpus {Shown(text)}: must be more than 0");
        if (cpus > processorCount)
            throw new LimitArgsException($"--cpus {Shown(text)}: this machine has {processorCount} CPU{(processorCount == 1 ? "" : "s")}");
        return (long)Math.Round(cpus * DefaultPeriodUsec);
    }

    /// <summary>
    /// A size as docker takes it (1024-based, "64M", "256m", "1.5GiB", bytes), through the same parser as `ctop limit`.
    /// "-1" (and "max") mean unlimited only where <paramref name="allowMinusOne"/> says so, and come back as -1.
    /// </summary>
    public static long ParseSize(string flag, string text, bool allowMinusOne)
    {
        long? bytes;
        try { bytes = Tuning.TuningValues.ParseSize(text, flag, minusOneIsMax: allowMinusOne); }
        catch (Tuning.TuningUsageException e) { throw new LimitArgsException(e.Message); }
        if (bytes is long b) return b;
        if (allowMinusOne) return -1;
        throw new LimitArgsException($"{flag} {Shown(text)}: a container needs a size here (e.g. 64M), not max");
    }

    public static long ParseInteger(string flag, string text, bool allowMinusOne)
    {
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || (v < 0 && !(allowMinusOne && v == -1)))
            throw new LimitArgsException($"{flag} {Shown(text)}: not a whole number{(allowMinusOne ? " (or -1 for unlimited)" : "")}");
        return v;
    }

    /// <summary>64M, 1.5G, 4.0K — the one size format (<see cref="Ctop.Model.Units.Bytes"/>).</summary>
    /// <summary>The value as typed, escaped for a one-line message.</summary>
    private static string Shown(string text) => ProcFs.Parsing.Printable.Escape(text);

    public static string FormatSize(long bytes) => Ctop.Model.Units.Bytes(bytes);
}
