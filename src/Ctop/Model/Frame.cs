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
/// What the scope uses of its capacity: the header meters. On a host, CPU is /proc/stat busy time (what top shows; it
/// counts interrupts that no cgroup is charged for) and memory MemTotal − MemAvailable (what free calls used). Inside a
/// container both are the container's own cgroup's: its cores and its <see cref="CgroupView.MemoryBytes"/>. Either falls
/// back to the root cgroup "/" when the preferred figure is missing. Percents are of the scope's capacity.
/// </summary>
public sealed record ScopeUse(double? Cores, long? MemoryBytes, double? CpuPercent, double? MemoryPercent)
{
    public static ScopeUse Of(Frame frame)
    {
        CgroupView? own = frame.Scope.Kind == ScopeKind.Container && frame.Scope.CgroupPath is { } p
            ? frame.Cgroups.FirstOrDefault(c => c.Path == p) : null;
        var root = frame.Cgroups.FirstOrDefault(c => c.Path == "/");
        double? cores;
        long? memory;
        if (frame.Scope.Kind == ScopeKind.Host)
        {
            cores = frame.Host?.BusyCores ?? root?.Cpu.UsedCores;
            memory = frame.Host is { MemAvailableBytes: long avail } h ? h.MemTotalBytes - avail : root?.MemoryBytes;
        }
        else
        {
            cores = own?.Cpu.UsedCores ?? root?.Cpu.UsedCores;
            memory = own is not null ? own.MemoryBytes : root?.MemoryBytes;
        }
        return new ScopeUse(cores, memory, Units.PercentOf(cores, frame.Scope.Cpus), Units.PercentOf(memory, frame.Scope.MemoryBytes));
    }
}

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

    // The figures every view shows are defined here, once, from the counters above: the dashboard, batch text, JSON,
    // diagnose and the exporter read these and only format them. CPU% and MEM% everywhere are of the EFFECTIVE limit
    // (the smallest along the ancestors, which is what binds); Cpu.PercentOfLimit and Memory.PercentOfLimit are of the
    // cgroup's own limit and stay for the JSON's existing readers.

    /// <summary>The CPU limit that binds: the smallest quota along the path (its own included); null when none.</summary>
    public double? EffectiveCpuLimitCores => Effective.CpuLimitCores ?? Cpu.LimitCores;

    /// <summary>The memory limit that binds: the smallest along the path (its own included); null when none.</summary>
    public long? EffectiveMemoryLimitBytes => Effective.MemoryLimitBytes ?? Memory.LimitBytes;

    /// <summary>True when an ancestor, not the cgroup itself, sets the effective CPU limit.</summary>
    public bool CpuLimitInherited => Effective.CpuLimitSetBy is { } by && by != Path;

    /// <summary>True when an ancestor, not the cgroup itself, sets the effective memory limit.</summary>
    public bool MemoryLimitInherited => Effective.MemoryLimitSetBy is { } by && by != Path;

    /// <summary>Cores used as a percent of the effective CPU limit: the CPU% of every view.</summary>
    public double? CpuPercentOfEffectiveLimit => Units.PercentOf(Cpu.UsedCores, EffectiveCpuLimitCores);

    /// <summary>Memory in use as the views count it: the working set when the kernel gives it, else usage.</summary>
    public long? MemoryBytes => Memory.WorkingSetBytes ?? Memory.UsageBytes;

    /// <summary>Which figure <see cref="MemoryBytes"/> (and so the MEM%) is; null when neither is known.</summary>
    public MemoryBasis? MemoryBasis =>
        Memory.WorkingSetBytes is not null ? Model.MemoryBasis.WorkingSet : Memory.UsageBytes is not null ? Model.MemoryBasis.Usage : null;

    /// <summary><see cref="MemoryBytes"/> as a percent of the effective memory limit: the MEM% of every view.</summary>
    public double? MemoryPercentOfEffectiveLimit => Units.PercentOf(MemoryBytes, EffectiveMemoryLimitBytes);

    /// <summary>Why the cgroup needs attention (<see cref="AttentionRules"/>): throttled, memory near its limit, OOM kills.</summary>
    public Attention Attention => AttentionRules.Of(this);

    /// <summary>The kernel's cumulative counters as of the frame's second sample, for views that publish counters (the exporter).</summary>
    public CgroupCounters? Counters { get; init; }
}

/// <summary>What a memory figure counts. The working set is usage minus reclaimable inactive file cache, as docker stats
/// and kubectl top count it: page cache alone would make every file-reading cgroup look full.</summary>
public enum MemoryBasis { WorkingSet, Usage }

/// <summary>Why a cgroup needs attention. The dashboard shows them as letters (T, M, K), so they read without colour.</summary>
[Flags]
public enum Attention
{
    None = 0,
    /// <summary>The CFS quota throttled it in at least <see cref="AttentionRules.ThrottledRatio"/> of the periods.</summary>
    Throttled = 1,
    /// <summary>Memory at or above <see cref="AttentionRules.MemoryPercent"/> of its effective limit.</summary>
    MemoryNearLimit = 2,
    /// <summary>The OOM killer has killed in it (since the cgroup was made).</summary>
    OomKilled = 4,
}

public static class AttentionRules
{
    /// <summary>1% of periods: a quota that bites at all shows up; 0 would flag a single unlucky period.</summary>
    public const double ThrottledRatio = 0.01;
    public const double MemoryPercent = 90;

    public static Attention Of(CgroupView c)
    {
        var a = Attention.None;
        if (c.Cpu.ThrottledRatio is double t && t >= ThrottledRatio) a |= Attention.Throttled;
        if (c.MemoryPercentOfEffectiveLimit is double m && m >= MemoryPercent) a |= Attention.MemoryNearLimit;
        if (c.Memory.OomKills is long k && k > 0) a |= Attention.OomKilled;
        return a;
    }

    /// <summary>The reasons' names as the JSON and the exporter spell them: "throttled", "memoryNearLimit", "oomKilled".</summary>
    public static IReadOnlyList<string> Names(Attention a)
    {
        if (a == Attention.None) return [];
        var names = new List<string>(3);
        if ((a & Attention.Throttled) != 0) names.Add("throttled");
        if ((a & Attention.MemoryNearLimit) != 0) names.Add("memoryNearLimit");
        if ((a & Attention.OomKilled) != 0) names.Add("oomKilled");
        return names;
    }
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

    /// <summary>
    /// MEM%: RSS as a percent of the scope's memory capacity (<see cref="Scope.MemoryBytes"/>), so inside a container a
    /// share of the container's effective limit, as top shows it of MemTotal; null when the capacity is unknown.
    /// </summary>
    public double? MemoryPercent { get; init; }
}
