using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>CPU of one cgroup, the same on v1 and v2. Times in ns; quota and period in µs as the kernel takes them.</summary>
public sealed record CgroupCpu(
    ulong? UsageNs,
    long? QuotaUsec,
    long? PeriodUsec,
    int? Weight,
    ulong? Shares,
    ulong? NrPeriods,
    ulong? NrThrottled,
    ulong? ThrottledNs)
{
    /// <summary>quota/period in cores; null when there is no quota.</summary>
    public double? LimitCores => QuotaUsec is long q && PeriodUsec is long p && p > 0 ? (double)q / p : null;
}

/// <summary>Memory of one cgroup, the same on v1 and v2. Null limits are unlimited (v2 "max", v1 -1 or its page-counter maximum).</summary>
public sealed record CgroupMemory(
    ulong? UsageBytes,
    ulong? LimitBytes,
    ulong? HighBytes,
    ulong? InactiveFileBytes,
    ulong? SwapUsageBytes,
    ulong? SwapLimitBytes,
    ulong? OomKills,
    ulong? Failcnt,
    ulong? HierarchicalLimitBytes)
{
    /// <summary>usage − inactive_file, floored at 0: what docker stats and the kubelet call the working set.</summary>
    public ulong? WorkingSetBytes => UsageBytes is ulong u ? u - Math.Min(u, InactiveFileBytes ?? 0) : null;
}

public sealed record CgroupPids(ulong? Current, ulong? Max);

public sealed record CgroupPressure(Pressure? Cpu, Pressure? Memory, Pressure? Io);

/// <summary>Everything ctop reads of one cgroup at one instant. A part is null when its controller is absent or the file is gone.</summary>
public sealed record CgroupStats(
    string Path,
    CgroupCpu? Cpu,
    CgroupMemory? Memory,
    CgroupPids? Pids,
    CpuList? EffectiveCpus,
    IoTotals? Io,
    CgroupPressure? Pressure)
{
    public bool IsEmpty => Cpu is null && Memory is null && Pids is null && EffectiveCpus is null && Io is null;
}

/// <summary>
/// Reads a cgroup by its path (as /proc/PID/cgroup prints it) through the layout, so callers see one model whether each
/// controller lives on v1 or v2. On a hybrid host the v2 tree adds PSI (and CPU usage where cpuacct is absent).
/// One instance per reading thread.
/// </summary>
public sealed class CgroupReader
{
    // v1 prints "unlimited" as PAGE_COUNTER_MAX × page size; anything this large is no limit (as .NET's runtime decides).
    private const ulong UnlimitedFloor = 0x7FFF_FFFF_0000_0000;
    private readonly CgroupFileReader _files;

    public CgroupReader(CgroupLayout layout, CgroupFileReader? files = null)
    {
        Layout = layout;
        _files = files ?? new CgroupFileReader();
    }

    public CgroupLayout Layout { get; }

    /// <summary>Reads every controller of <paramref name="path"/>. Returns null when no controller has the cgroup (it vanished).</summary>
    public CgroupStats? Read(string path)
    {
        var stats = new CgroupStats(path, ReadCpu(path), ReadMemory(path), ReadPids(path), ReadEffectiveCpus(path), ReadIo(path), ReadPressure(path));
        return stats.IsEmpty ? null : stats;
    }

    public CgroupCpu? ReadCpu(string path)
    {
        var cpu = Layout.HierarchyOf(Controllers.Cpu);
        var dir = cpu?.DirectoryOf(path);
        if (cpu is null || dir is null) return null;
        if (cpu.Version == CgroupVersion.V2)
        {
            var max = _files.ReadCpuMax(dir);
            var stat = _files.ReadCpuStat(dir, CgroupVersion.V2);
            if (stat is null && max is null) return null;
            var weight = _files.ReadCpuWeight(dir);
            return new CgroupCpu(stat?.UsageNs, max?.QuotaUsec, max?.PeriodUsec, weight?.Value, weight?.ToShares().Value,
                stat?.NrPeriods, stat?.NrThrottled, stat?.ThrottledNs);
        }
        var bw = _files.ReadCfsBandwidth(dir);
        var v1stat = _files.ReadCpuStat(dir, CgroupVersion.V1);
        if (bw is null && v1stat is null) return null;
        var shares = _files.ReadCpuShares(dir);
        return new CgroupCpu(ReadUsageV1(path), bw?.QuotaUsec, bw?.PeriodUsec, shares?.ToWeight().Value, shares?.Value,
            v1stat?.NrPeriods, v1stat?.NrThrottled, v1stat?.ThrottledNs);
    }

    /// <summary>v1 usage comes from cpuacct (its own hierarchy, maybe co-mounted); failing that, the v2 tree of a hybrid host.</summary>
    private ulong? ReadUsageV1(string path)
    {
        if (Layout.DirectoryOf(Controllers.Cpuacct, path) is { } acct && _files.ReadCpuacctUsage(acct) is ulong ns) return ns;
        if (Layout.Unified?.DirectoryOf(path) is { } uni) return _files.ReadCpuStat(uni, CgroupVersion.V2)?.UsageNs;
        return null;
    }

    public CgroupMemory? ReadMemory(string path)
    {
        var mem = Layout.HierarchyOf(Controllers.Memory);
        var dir = mem?.DirectoryOf(path);
        if (mem is null || dir is null) return null;
        if (mem.Version == CgroupVersion.V2)
        {
            var current = _files.ReadCounter(dir, "memory.current");
            if (current is null) return null;
            var stat = _files.ReadMemoryStat(dir);
            var events = _files.ReadMemoryEvents(dir);
            return new CgroupMemory(current, _files.ReadLimit(dir, "memory.max").Limit, _files.ReadLimit(dir, "memory.high").Limit,
                stat?.InactiveFileBytes(CgroupVersion.V2), _files.ReadCounter(dir, "memory.swap.current"), _files.ReadLimit(dir, "memory.swap.max").Limit,
                events?.OomKill, events?.Max, null);
        }
        var usage = _files.ReadCounter(dir, "memory.usage_in_bytes");
        if (usage is null) return null;
        var v1stat = _files.ReadMemoryStat(dir);
        var memsw = _files.ReadCounter(dir, "memory.memsw.usage_in_bytes");
        var memswLimit = _files.ReadLimit(dir, "memory.memsw.limit_in_bytes");
        ulong? hier = null;
        if (v1stat is not null && v1stat.TryGet("hierarchical_memory_limit", out var h)) hier = h >= UnlimitedFloor ? null : h;
        return new CgroupMemory(usage, _files.ReadLimit(dir, "memory.limit_in_bytes").Limit, null,
            v1stat?.InactiveFileBytes(CgroupVersion.V1),
            memsw is ulong sw ? sw - Math.Min(sw, usage.Value) : null,
            memswLimit.Limit,
            _files.ReadMemoryOomControl(dir)?.OomKill, _files.ReadCounter(dir, "memory.failcnt"), hier);
    }

    public CgroupPids? ReadPids(string path)
    {
        if (Layout.DirectoryOf(Controllers.Pids, path) is not { } dir) return null;
        var current = _files.ReadCounter(dir, "pids.current");
        if (current is null) return null;
        return new CgroupPids(current, _files.ReadLimit(dir, "pids.max").Limit);
    }

    public CpuList? ReadEffectiveCpus(string path)
    {
        var h = Layout.HierarchyOf(Controllers.Cpuset);
        if (h?.DirectoryOf(path) is not { } dir) return null;
        return h.Version == CgroupVersion.V2 ? _files.ReadCpuList(dir, "cpuset.cpus.effective") : _files.ReadCpuList(dir, "cpuset.effective_cpus");
    }

    public IoTotals? ReadIo(string path)
    {
        var h = Layout.HierarchyOf(Controllers.Io);
        if (h?.DirectoryOf(path) is not { } dir) return null;
        return h.Version == CgroupVersion.V2 ? _files.ReadIoStat(dir)?.Totals : _files.ReadBlkioThrottle(dir);
    }

    /// <summary>PSI lives only in v2 directories: the v2 hierarchy, or the unified tree of a hybrid host at the same path.</summary>
    public CgroupPressure? ReadPressure(string path)
    {
        if (Layout.Unified?.DirectoryOf(path) is not { } dir) return null;
        var cpu = _files.ReadPressure(dir, "cpu");
        var mem = _files.ReadPressure(dir, "memory");
        var io = _files.ReadPressure(dir, "io");
        return cpu is null && mem is null && io is null ? null : new CgroupPressure(cpu, mem, io);
    }
}
