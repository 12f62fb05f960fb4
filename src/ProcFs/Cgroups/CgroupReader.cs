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
    private const int MaxUnsweptDirectories = 4096;
    private readonly CgroupFileReader _files;
    private readonly Dictionary<string, Directories> _dirs = new(StringComparer.Ordinal);
    private readonly List<string> _stale = new();
    private readonly CgroupHierarchy? _cpu, _cpuacct, _memory, _pids, _cpuset, _io;
    private readonly bool _v1Memsw;
    private long _generation;

    public CgroupReader(CgroupLayout layout, CgroupFileReader? files = null)
    {
        Layout = layout;
        _files = files ?? new CgroupFileReader();
        _cpu = layout.HierarchyOf(Controllers.Cpu);
        _cpuacct = layout.HierarchyOf(Controllers.Cpuacct);
        _memory = layout.HierarchyOf(Controllers.Memory);
        _pids = layout.HierarchyOf(Controllers.Pids);
        _cpuset = layout.HierarchyOf(Controllers.Cpuset);
        _io = layout.HierarchyOf(Controllers.Io);
        // v1 has the memsw files in every memory cgroup, root included, exactly when swap accounting is on: without
        // them, not looking saves two failed opens per cgroup and sample.
        _v1Memsw = _memory is { Version: CgroupVersion.V1 } m && File.Exists(Path.Combine(m.MountPoint, "memory.memsw.usage_in_bytes"));
    }

    public CgroupLayout Layout { get; }

    /// <summary>
    /// Whether <see cref="ReadMemory"/> reads swap usage and limit (v1 memory.memsw.*, v2 memory.swap.*) and v1's
    /// memory.failcnt. A sampler that shows none of them turns this off: three files fewer per cgroup and sample. It may
    /// change between reads (a diagnosis view that opens wants failcnt from then on).
    /// </summary>
    public bool ReadsSwapAndFailcnt { get; set; } = true;

    /// <summary>A cgroup's directory in each hierarchy that matters, worked out once per path (null: not reachable there).</summary>
    private sealed class Directories
    {
        public string? Cpu, Cpuacct, Memory, Pids, Cpuset, Io, Unified;
        public long Generation;
    }

    private Directories DirectoriesOf(string path)
    {
        if (!_dirs.TryGetValue(path, out var d))
        {
            if (_dirs.Count >= MaxUnsweptDirectories && _generation == 0) _dirs.Clear(); // a caller that never sweeps
            d = new Directories
            {
                Cpu = _cpu?.DirectoryOf(path),
                Cpuacct = _cpuacct?.DirectoryOf(path),
                Memory = _memory?.DirectoryOf(path),
                Pids = _pids?.DirectoryOf(path),
                Cpuset = _cpuset?.DirectoryOf(path),
                Io = _io?.DirectoryOf(path),
                Unified = Layout.Unified?.DirectoryOf(path),
            };
            _dirs[path] = d;
        }
        d.Generation = _generation;
        return d;
    }

    /// <summary>Forgets the directories of paths not read since the previous sweep (cgroups that went away). Call once per sample.</summary>
    public void Sweep()
    {
        _generation++;
        foreach (var (path, d) in _dirs)
            if (d.Generation < _generation - 1) _stale.Add(path);
        foreach (var path in _stale) _dirs.Remove(path);
        _stale.Clear();
    }

    /// <summary>Reads every controller of <paramref name="path"/>. Returns null when no controller has the cgroup (it vanished).</summary>
    public CgroupStats? Read(string path)
    {
        var stats = new CgroupStats(path, ReadCpu(path), ReadMemory(path), ReadPids(path), ReadEffectiveCpus(path), ReadIo(path), ReadPressure(path));
        return stats.IsEmpty ? null : stats;
    }

    public CgroupCpu? ReadCpu(string path)
    {
        var d = DirectoriesOf(path);
        var dir = d.Cpu;
        if (_cpu is null || dir is null) return null;
        if (_cpu.Version == CgroupVersion.V2)
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
        return new CgroupCpu(ReadUsageV1(d), bw?.QuotaUsec, bw?.PeriodUsec, shares?.ToWeight().Value, shares?.Value,
            v1stat?.NrPeriods, v1stat?.NrThrottled, v1stat?.ThrottledNs);
    }

    /// <summary>v1 usage comes from cpuacct (its own hierarchy, maybe co-mounted); failing that, the v2 tree of a hybrid host.</summary>
    private ulong? ReadUsageV1(Directories d)
    {
        if (d.Cpuacct is { } acct && _cpuacct?.Version == CgroupVersion.V1 && _files.ReadCpuacctUsage(acct) is ulong ns) return ns;
        if (d.Unified is { } uni) return _files.ReadCpuStat(uni, CgroupVersion.V2)?.UsageNs;
        return null;
    }

    public CgroupMemory? ReadMemory(string path)
    {
        var dir = DirectoriesOf(path).Memory;
        if (_memory is null || dir is null) return null;
        if (_memory.Version == CgroupVersion.V2)
        {
            var current = _files.ReadCounter(dir, "memory.current");
            if (current is null) return null;
            var stat = _files.ReadMemoryStatTotals(dir, CgroupVersion.V2);
            var events = _files.ReadMemoryEvents(dir);
            return new CgroupMemory(current, _files.ReadLimit(dir, "memory.max").Limit, _files.ReadLimit(dir, "memory.high").Limit,
                stat?.InactiveFileBytes,
                ReadsSwapAndFailcnt ? _files.ReadCounter(dir, "memory.swap.current") : null,
                ReadsSwapAndFailcnt ? _files.ReadLimit(dir, "memory.swap.max").Limit : null,
                events?.OomKill, events?.Max, null);
        }
        var usage = _files.ReadCounter(dir, "memory.usage_in_bytes");
        if (usage is null) return null;
        var v1stat = _files.ReadMemoryStatTotals(dir, CgroupVersion.V1);
        ulong? memsw = null, memswLimit = null;
        if (_v1Memsw && ReadsSwapAndFailcnt)
        {
            memsw = _files.ReadCounter(dir, "memory.memsw.usage_in_bytes");
            memswLimit = _files.ReadLimit(dir, "memory.memsw.limit_in_bytes").Limit;
        }
        return new CgroupMemory(usage, _files.ReadLimit(dir, "memory.limit_in_bytes").Limit, null,
            v1stat?.InactiveFileBytes,
            memsw is ulong sw ? sw - Math.Min(sw, usage.Value) : null,
            memswLimit,
            _files.ReadMemoryOomControl(dir)?.OomKill, ReadsSwapAndFailcnt ? _files.ReadCounter(dir, "memory.failcnt") : null,
            v1stat?.HierarchicalMemoryLimitBytes);
    }

    public CgroupPids? ReadPids(string path)
    {
        if (DirectoriesOf(path).Pids is not { } dir) return null;
        var current = _files.ReadCounter(dir, "pids.current");
        if (current is null) return null;
        return new CgroupPids(current, _files.ReadLimit(dir, "pids.max").Limit);
    }

    public CpuList? ReadEffectiveCpus(string path)
    {
        if (DirectoriesOf(path).Cpuset is not { } dir) return null;
        return _files.ReadCpusetEffectiveCpus(dir, _cpuset!.Version);
    }

    public IoTotals? ReadIo(string path)
    {
        if (DirectoriesOf(path).Io is not { } dir) return null;
        return _io!.Version == CgroupVersion.V2 ? _files.ReadIoStat(dir)?.Totals : _files.ReadBlkioThrottle(dir);
    }

    /// <summary>PSI lives only in v2 directories: the v2 hierarchy, or the unified tree of a hybrid host at the same path.</summary>
    public CgroupPressure? ReadPressure(string path)
    {
        if (DirectoriesOf(path).Unified is not { } dir) return null;
        var cpu = _files.ReadPressure(dir, "cpu");
        var mem = _files.ReadPressure(dir, "memory");
        var io = _files.ReadPressure(dir, "io");
        return cpu is null && mem is null && io is null ? null : new CgroupPressure(cpu, mem, io);
    }
}
