using ProcFs.Cgroups;

namespace Ctop.Lxcfs;

/// <summary>The memory.stat values lxcfs copies into meminfo, in bytes (v1 total_* keys, v2 plain keys).</summary>
public sealed record MemoryCounters(
    ulong Cache, ulong ActiveAnon, ulong InactiveAnon, ulong ActiveFile, ulong InactiveFile, ulong Unevictable,
    ulong Dirty, ulong Writeback, ulong Shmem, ulong Mapped, ulong RssHuge)
{
    public static MemoryCounters Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public static MemoryCounters From(MemoryStat s, bool v2, LxcfsQuirks quirks)
    {
        if (!v2)
        {
            return new MemoryCounters(
                s.TotalCacheBytes ?? 0, s.TotalActiveAnonBytes ?? 0, s.TotalInactiveAnonBytes ?? 0, s.TotalActiveFileBytes ?? 0,
                s.TotalInactiveFileBytes ?? 0, s.TotalUnevictableBytes ?? 0, s.TotalDirtyBytes ?? 0, s.TotalWritebackBytes ?? 0,
                s.TotalShmemBytes ?? 0, s.TotalMappedFileBytes ?? 0,
                // Quirk: "total_rss" is matched as a prefix first, so total_rss_huge never reaches its own branch.
                quirks.MemoryStatPrefixMatching ? 0 : s.TotalRssHugeBytes ?? 0);
        }
        // Quirk: "file" is matched as a prefix first and swallows file_mapped/file_dirty/file_writeback.
        bool lost = quirks.MemoryStatPrefixMatching;
        return new MemoryCounters(
            s.FileBytes ?? 0, s.ActiveAnonBytes ?? 0, s.InactiveAnonBytes ?? 0, s.ActiveFileBytes ?? 0,
            s.InactiveFileBytes(CgroupVersion.V2) ?? 0, s.UnevictableBytes ?? 0,
            lost ? 0 : s.FileDirtyBytes ?? 0, lost ? 0 : s.FileWritebackBytes ?? 0,
            s.ShmemBytes ?? 0, lost ? 0 : s.FileMappedBytes ?? 0, s.AnonThpBytes ?? 0);
    }
}

/// <summary>
/// Swap accounting of the container. v1: <see cref="LimitBytes"/> is the memory+swap (memsw) limit and
/// <see cref="UsageBytes"/> memsw usage; v2: swap.max and swap.current. A null limit is unlimited.
/// </summary>
public sealed record SwapInputs(ulong? LimitBytes, ulong UsageBytes, ulong Swappiness = 60);

/// <summary>Everything meminfo and swaps need from the memory cgroup. Limits are the smallest along the path, null = none.</summary>
public sealed record MemoryInputs(bool IsV2, ulong UsageBytes, ulong? LimitBytes, MemoryCounters Stat, SwapInputs? Swap = null);

/// <summary>CPU time of one physical CPU in USER_HZ ticks, as lxcfs derives it from cpuacct.</summary>
public readonly record struct CpuTicks(ulong User, ulong System)
{
    /// <summary>lxcfs converts with doubles (ns / 1000.0 / 1000 / 1000 × HZ) and truncates: so does ctop, to match it tick for tick.</summary>
    public static ulong FromNs(ulong ns, long userHz) => (ulong)(ns / 1000.0 / 1000 / 1000 * userHz);

    /// <summary>The kernel's largest NR_CPUS (x86-64 with MAXSMP): a larger CPU number in a file is damage, not a CPU.</summary>
    public const int MaxCpus = 8192;

    /// <summary>Per physical CPU from cpuacct.usage_all, or from usage_percpu when usage_all is missing.</summary>
    public static CpuTicks[]? From(CpuacctUsageAll? all, ulong[]? perCpu, long userHz, LxcfsQuirks quirks)
    {
        if (all is not null)
        {
            // Sized by the largest CPU number: one damaged line must not cost gigabytes (or overflow at int.MaxValue).
            int n = 0;
            foreach (var c in all.Cpus) if (c.Cpu < MaxCpus) n = Math.Max(n, c.Cpu + 1);
            var result = new CpuTicks[n];
            foreach (var c in all.Cpus)
                if (c.Cpu < n) result[c.Cpu] = new CpuTicks(FromNs(c.UserNs, userHz), FromNs(c.SystemNs, userHz));
            return result;
        }
        if (perCpu is null) return null;
        // usage_percpu has no user/system split. Quirk: lxcfs copies the total into both.
        return perCpu.Select(ns => FromNs(ns, userHz)).Select(t => new CpuTicks(t, quirks.PercpuFallbackCountsTwice ? t : 0)).ToArray();
    }
}

/// <summary>What the CPU views need: the cpuset, the quota (null = none), per-CPU usage (null = cpuacct unavailable) and online host CPUs.</summary>
public sealed record CpuInputs(CpuList Cpuset, long? QuotaUsec, long? PeriodUsec, IReadOnlyList<CpuTicks>? Usage, int OnlineCpus)
{
    /// <summary>lxcfs's max_cpu_count(): quota/period rounded up, capped at the online CPUs and the cpuset size; without a quota the cpuset size.</summary>
    public int MaxCpus
    {
        get
        {
            int inCpuset = Cpuset.Count;
            if (QuotaUsec is not long q || PeriodUsec is not long p || q <= 0 || p <= 0) return inCpuset;
            long rv = q / p + (q % p > 0 ? 1 : 0);
            if (rv > OnlineCpus) rv = OnlineCpus;
            if (inCpuset > 0 && inCpuset < rv) rv = inCpuset;
            return (int)rv;
        }
    }

    /// <summary>lxcfs's exact_cpu_count(): quota/period as a fraction, capped at the online CPUs; 0 without a quota.</summary>
    public double ExactCpus =>
        QuotaUsec is long q && PeriodUsec is long p && q > 0 && p > 0 ? Math.Min((double)q / p, OnlineCpus) : 0;
}
