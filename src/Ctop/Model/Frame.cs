namespace Ctop.Model;

/// <summary>
/// What one sampling interval yields: every cgroup and process with rates computed between two samples.
/// This is what the batch output, the JSON and the dashboard show. Null means unknown or unlimited.
/// </summary>
public sealed record Frame(
    DateTimeOffset Time,
    double IntervalSeconds,
    Scope Scope,
    IReadOnlyList<CgroupView> Cgroups,
    IReadOnlyList<ProcessView> Processes,
    HostView? Host = null);

/// <summary>
/// Host-wide facts for a header: load, uptime, /proc/stat CPU busy time as cores, and MemTotal/MemAvailable.
/// Optional so frames built by hand (tests) need not invent them.
/// </summary>
public sealed record HostView(double Load1, double Load5, double Load15, double UptimeSeconds, int OnlineCpus, double? BusyCores,
    long MemTotalBytes, long? MemAvailableBytes);

/// <summary>
/// The capacity ctop measures against: the host's, or inside a container the container's effective limits. In a container
/// SwapBytes is the effective swap limit (capped by the host's swap), UptimeSeconds the age of the container's init, and
/// Load the load over the container's own tasks (lxcfs -l semantics); null on a host or when unknown.
/// </summary>
public sealed record Scope(ScopeKind Kind, double Cpus, long MemoryBytes, string? Name = null, string? CgroupPath = null,
    long? SwapBytes = null, double? UptimeSeconds = null, ScopeLoad? Load = null);

/// <summary>Load averages (5 s ticks, the kernel's decay) and the instant count of running (R or D) and all threads.</summary>
public sealed record ScopeLoad(double Load1, double Load5, double Load15, int Running, int Total);

public enum ScopeKind { Host, Container }

public sealed record CgroupView(
    string Path,
    string Name,
    ContainerId? Container,
    CpuView Cpu,
    MemoryView Memory,
    PidsView Pids,
    EffectiveLimits Effective,
    IoView? Io,
    PressureView? Pressure)
{
    /// <summary>Seconds per second its processes (and its descendants') spent runnable but waiting for a CPU; null unless schedstat is sampled.</summary>
    public double? CpuWaitPerSecond { get; init; }

    /// <summary>The kernel's cumulative counters as of the frame's second sample, for views that publish counters (the exporter).</summary>
    public CgroupCounters? Counters { get; init; }
}

/// <summary>
/// Cumulative counters since the cgroup was made, in base units (seconds), as of the frame's second sample; null where the
/// kernel has no such file. Prometheus rates these itself, so a scrape that misses a frame loses nothing.
/// </summary>
public sealed record CgroupCounters
{
    /// <summary>CPU time of the cgroup and its descendants (cpuacct.usage, v2 cpu.stat usage_usec).</summary>
    public double? CpuUsageSeconds { get; init; }
    /// <summary>cpu.stat nr_periods: enforcement periods that had runnable tasks.</summary>
    public ulong? CfsPeriods { get; init; }
    /// <summary>cpu.stat nr_throttled.</summary>
    public ulong? CfsThrottledPeriods { get; init; }
    /// <summary>cpu.stat throttled_time (ns, v1) or throttled_usec (v2).</summary>
    public double? CfsThrottledSeconds { get; init; }
    /// <summary>v1 cpu.shares, or v2 cpu.weight × 1024 / 100 (ProcFs's CpuWeight.ToShares).</summary>
    public ulong? CpuShares { get; init; }
    /// <summary>Times a charge hit the memory limit (v1 memory.failcnt, v2 memory.events max); read only when asked for.</summary>
    public ulong? MemoryLimitHits { get; init; }
    /// <summary>PSI totals (the total= field): some = at least one task stalled, full = all non-idle tasks stalled.</summary>
    public double? CpuSomeStalledSeconds { get; init; }
    public double? CpuFullStalledSeconds { get; init; }
    public double? MemorySomeStalledSeconds { get; init; }
    public double? MemoryFullStalledSeconds { get; init; }
    public double? IoSomeStalledSeconds { get; init; }
    public double? IoFullStalledSeconds { get; init; }
}

public sealed record CpuView(
    double? UsedCores,
    double? LimitCores,
    double? PercentOfLimit,
    double? ThrottledRatio,
    double? ThrottledSeconds,
    int? CpusetCpus,
    long? QuotaUsec,
    long? PeriodUsec,
    long? Weight);

public sealed record MemoryView(
    long? UsageBytes,
    long? WorkingSetBytes,
    long? LimitBytes,
    double? PercentOfLimit,
    long? HighBytes,
    long? OomKills)
{
    /// <summary>OOM kills during the frame's interval (OomKills counts since the cgroup was made).</summary>
    public long? NewOomKills { get; init; }

    /// <summary>Times per second the cgroup hit its memory limit and had to reclaim (v1 memory.failcnt, v2 memory.events max).</summary>
    public double? LimitHitsPerSecond { get; init; }
}

public sealed record PidsView(long? Current, long? Max);

public sealed record EffectiveLimits(double? CpuLimitCores, string? CpuLimitSetBy, long? MemoryLimitBytes, string? MemoryLimitSetBy)
{
    /// <summary>Cores used over the effective CPU limit, 0–1 (briefly above 1 from timing); null when unlimited.</summary>
    public double? CpuUsageRatio { get; init; }
    /// <summary>Working set over the effective memory limit, 0–1: the basis the kubelet evicts on; null when unlimited.</summary>
    public double? MemoryWorkingSetRatio { get; init; }
}

public sealed record IoView(double? ReadBytesPerSecond, double? WriteBytesPerSecond);

/// <summary>PSI "some" avg10 percentages where the kernel has them (v2, and the unified tree of a hybrid host).</summary>
public sealed record PressureView(double? Cpu, double? Memory, double? Io);

public sealed record ProcessView(
    int Pid,
    int Ppid,
    string User,
    char State,
    double CpuPercent,
    long RssBytes,
    int Threads,
    string? Cgroup,
    ContainerId? Container,
    string Command,
    double CpuSeconds)
{
    /// <summary>Seconds per second its threads spent waiting for a CPU; null unless schedstat is sampled.</summary>
    public double? CpuWaitPerSecond { get; init; }
}
