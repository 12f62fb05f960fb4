namespace Ctop.Lxcfs;

/// <summary>
/// The places where lxcfs 5.0.3 (Debian 12's) computes something wrong. Each quirk is one flag, consulted in exactly
/// one place, so the difference between "what lxcfs serves" and "what ctop thinks is right" stays explicit.
/// <see cref="Ctop"/> (the default) fixes all of them; <see cref="Lxcfs503"/> reproduces them byte for byte.
/// Behaviour that is lxcfs's design rather than a bug (quota ignored without --enable-cfs, physical CPU numbers in
/// plain /proc/stat, host values leaking through unvirtualized meminfo lines) is not a quirk: ctop follows it.
/// </summary>
public sealed record LxcfsQuirks
{
    /// <summary>
    /// 5.0.3 <c>max_cpu_count(cg)</c> reads cpu.cfs_quota_us/period with the <b>cpuset</b> cgroup's path, so on v1 a
    /// process whose cpu and cpuset paths differ gets another cgroup's quota (or none). 6.0 reads the cpu path.
    /// </summary>
    public bool QuotaFromCpusetPath { get; init; }

    /// <summary>
    /// Every lxcfs version reads cpuacct.usage_all for /proc/stat with the <b>cpuset</b> cgroup's path: usage is
    /// another cgroup's (or missing, then the host's lines) when the cpuacct path differs.
    /// </summary>
    public bool CpuacctFromCpusetPath { get; init; }

    /// <summary>
    /// Without cpuacct.usage_all lxcfs falls back to usage_percpu and puts the whole per-CPU usage into both user
    /// and system, counting it twice. ctop puts it into user and 0 into system.
    /// </summary>
    public bool PercpuFallbackCountsTwice { get; init; }

    /// <summary>
    /// 5.0.3 matches memory.stat keys by prefix: on v1 "total_rss" swallows "total_rss_huge" (AnonHugePages always
    /// 0), on v2 "file" swallows "file_mapped"/"file_dirty"/"file_writeback" (Mapped, Dirty, Writeback always 0).
    /// </summary>
    public bool MemoryStatPrefixMatching { get; init; }

    /// <summary>
    /// 5.0.3 /proc/swaps adds the memory limit to the swap total on v2 as well, so there it disagrees with its own
    /// meminfo SwapTotal (6.0 adds it on v1 only, like meminfo).
    /// </summary>
    public bool SwapsAddsMemoryLimitOnV2 { get; init; }

    /// <summary>
    /// /proc/uptime lacks the shared-pid-namespace fallback the other files have: a reader in the host's pid
    /// namespace gets host PID 1's age and busy time. ctop uses the container's oldest process instead.
    /// </summary>
    public bool UptimeOfHostInitWithoutPidns { get; init; }

    /// <summary>
    /// MemFree = limit − usage is unsigned in lxcfs: usage above the limit (v1 batches charges per CPU) wraps to a
    /// huge number. ctop floors it at 0.
    /// </summary>
    public bool MemFreeWraps { get; init; }

    /// <summary>ctop's own answers: every quirk fixed.</summary>
    public static LxcfsQuirks Ctop { get; } = new();

    /// <summary>What lxcfs 5.0.3 serves, bugs included.</summary>
    public static LxcfsQuirks Lxcfs503 { get; } = new()
    {
        QuotaFromCpusetPath = true,
        CpuacctFromCpusetPath = true,
        PercpuFallbackCountsTwice = true,
        MemoryStatPrefixMatching = true,
        SwapsAddsMemoryLimitOnV2 = true,
        UptimeOfHostInitWithoutPidns = true,
        MemFreeWraps = true,
    };
}
