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

/// <summary>Which parts of a cgroup <see cref="CgroupReader.Read"/> reads; the others are null in its result.</summary>
[Flags]
public enum CgroupParts
{
    None = 0,
    /// <summary>Usage, quota and period, throttling.</summary>
    Cpu = 1,
    /// <summary>v1 cpu.shares, v2 cpu.weight (in <see cref="CgroupCpu"/>).</summary>
    CpuWeight = 2,
    /// <summary>Usage, working set, limit (and v2's memory.high).</summary>
    Memory = 4,
    /// <summary>v1 memory.oom_control, v2 memory.events (in <see cref="CgroupMemory"/>).</summary>
    OomKills = 8,
    Pids = 16,
    EffectiveCpus = 32,
    Io = 64,
    Pressure = 128,
    All = Cpu | CpuWeight | Memory | OomKills | Pids | EffectiveCpus | Io | Pressure,
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
    private readonly Dictionary<string, Directories>.AlternateLookup<ReadOnlySpan<char>> _dirsBySpan;
    private readonly List<string> _stale = new();
    private readonly CgroupHierarchy? _cpu, _cpuacct, _memory, _pids, _cpuset, _io;
    private readonly bool _v1Memsw;
    private long _generation, _born;

    public CgroupReader(CgroupLayout layout, CgroupFileReader? files = null)
    {
        Layout = layout;
        _dirsBySpan = _dirs.GetAlternateLookup<ReadOnlySpan<char>>();
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

    /// <summary>What <see cref="Read"/> reads: a view that shows less (the batch text) reads fewer files per cgroup.</summary>
    public CgroupParts Parts { get; set; } = CgroupParts.All;

    /// <summary>
    /// Limits (quota and period, shares or weight, memory limit and high, pids.max) change only when written. With N &gt; 1
    /// a reader that is swept every sample re-reads a cgroup's limits every N samples (staggered over the cgroups, at
    /// once for a cgroup new to it) and keeps them in between, and a part whose directory or file was missing is looked
    /// for again on that schedule too (every sample in a cgroup's first N), as is v1's cpu.stat where there is no quota
    /// (its counters cannot move); the limit files stay open in between. A limit written through this process's
    /// <see cref="CgroupWriter"/> (or any control file it writes) is re-read at the next read. 1: every read reads all.
    /// </summary>
    public int LimitRereadSamples { get; set; } = 1;

    /// <summary>
    /// With <see cref="LimitRereadSamples"/> &gt; 1, a PSI file is not read while nothing under its parent stalled: the
    /// kernel adds a task's stall time to its cgroup and to every ancestor, so when the parent's "some" total did not move
    /// over this sample (read just before, or itself skipped for the same reason), the child's totals cannot have moved
    /// either. Its averages can still move while the kernel folds an earlier stall into them, so a file is skipped only
    /// when its averages were all 0.00 at a read that came this long after its total last moved (two of the kernel's
    /// 2-s PSI periods); zero averages then only decay, and stay 0.00. A skipped file is still read on the limits'
    /// schedule (every N samples). Staleness: a stall that begins between the parent's read and the child's shows at the
    /// next sample (totals are cumulative, nothing is lost); the kernel's rounding to whole µs can hold back a sub-µs
    /// stall until the next scheduled read.
    /// </summary>
    public TimeSpan PressureSettle { get; set; } = TimeSpan.FromMilliseconds(4100);

    /// <summary>PSI files not read because nothing under the parent stalled (see <see cref="PressureSettle"/>), since this reader was made.</summary>
    public long PressureFilesSkipped { get; private set; }

    /// <summary>
    /// Gives the host's OOM-kill count (<see cref="ProcFs.Proc.ProcReader.TryReadOomKills"/>), read before this sample's
    /// cgroups; null when unknown. Call once per sample. With <see cref="LimitRereadSamples"/> &gt; 1, a cgroup's OOM-kill
    /// count (v1 memory.oom_control, v2 memory.events) is then not read while the host's stood still since the cgroup's
    /// was last read, and had stood still over the sample before that read too: the kernel counts each kill in vmstat
    /// just before it counts it in the cgroup, so a read made while that kill was between the two is read again. Read on
    /// the limits' schedule all the same (every N samples), which bounds what a vmstat that does not count (a faked
    /// one) or a cgroup made again under the same name could hold back.
    /// </summary>
    public void NoteHostOomKills(ulong? count)
    {
        if (count is null || count != _hostOomKills) _oomChangedAt = _generation;
        _hostOomKills = count;
        _oomNotedAt = _generation;
    }

    private ulong? _hostOomKills;
    private long _oomChangedAt = -1, _oomNotedAt = -1;

    /// <summary>OOM-kill files not read because the host counted no kill (see <see cref="NoteHostOomKills"/>), since this reader was made.</summary>
    public long OomFilesSkipped { get; private set; }

    /// <summary>A cgroup's directory in each hierarchy that matters, worked out once per path (null: not reachable there),
    /// and its limits as last read.</summary>
    private sealed class Directories
    {
        public string? Cpu, Cpuacct, Memory, Pids, Cpuset, Io, Unified;
        public long Generation;
        /// <summary>When the limits were last read (staggered: may lie up to N-1 before the first read); null: never.</summary>
        public long? LimitsReadAt;
        /// <summary>The sample whose due-ness <see cref="Due"/> holds, and the count of control-file writes it saw.</summary>
        public long CheckedAt = -1, Writes;
        public bool Due;
        public long Born;
        /// <summary>Parts whose first file was missing at the last look.</summary>
        public CgroupParts Missing;
        public CpuMax? Bandwidth;
        /// <summary>v1 cpu.stat as last read (read with the limits where there is no quota).</summary>
        public CpuStat? Throttling;
        public int? Weight;
        public ulong? Shares;
        public ulong? MemoryLimit, MemoryHigh, PidsMax;
        /// <summary>PSI per resource (cpu, memory, io) as last read, and the whole as last returned.</summary>
        public PsiKept[]? Psi;
        public CgroupPressure? Pressure;
        /// <summary>The OOM-kill count as last read, and the sample that read it (-1: never).</summary>
        public ulong? OomKills;
        public long OomReadAt = -1;
    }

    /// <summary>One PSI file as last read, and what is known of its "some" total.</summary>
    private sealed class PsiKept
    {
        public Pressure? Value;
        public ulong? Total;
        /// <summary>Environment.TickCount64 at the first read that saw <see cref="Total"/>, and at the last read.</summary>
        public long SameSince, ReadAt;
        /// <summary>The sample in which the file was last read or skipped, and the last one over which its total is known not to have moved.</summary>
        public long SeenAt = -2, QuietAt = -2;
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
                Born = _generation,
            };
            _dirs[path] = d;
        }
        d.Generation = _generation;
        return d;
    }

    /// <summary>Whether this read re-reads the limits of <paramref name="d"/> (decided once per sample, unless a control file was written since).</summary>
    private bool LimitsDue(Directories d)
    {
        int n = LimitRereadSamples;
        if (n <= 1) return true;
        long writes = ControlFile.Writes;
        if (d.CheckedAt == _generation && d.Writes == writes) return d.Due;
        d.Due = d.LimitsReadAt is not long at || _generation - at >= n || d.Writes != writes;
        if (d.Due)
            // A cgroup's first read spreads the next ones over the N samples, so that not all come due at once.
            d.LimitsReadAt = d.LimitsReadAt is null ? _generation - _born++ % n : _generation;
        d.CheckedAt = _generation;
        d.Writes = writes;
        return d.Due;
    }

    /// <summary>Whether to look for <paramref name="part"/> now: it was there last time, or its limits are due, or the cgroup is young.</summary>
    private bool Looks(Directories d, CgroupParts part, bool due) =>
        (d.Missing & part) == 0 || due || LimitRereadSamples <= 1 || _generation - d.Born < LimitRereadSamples;

    /// <summary>Notes whether <paramref name="part"/> was there; returns <paramref name="there"/>.</summary>
    private static bool Present(Directories d, CgroupParts part, bool there)
    {
        if (there) d.Missing &= ~part;
        else d.Missing |= part;
        return there;
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

    /// <summary>Reads the controllers of <paramref name="path"/> that <see cref="Parts"/> names. Returns null when no controller has the cgroup (it vanished).</summary>
    public CgroupStats? Read(string path)
    {
        var d = DirectoriesOf(path);
        bool due = LimitsDue(d);
        var parts = Parts;
        var stats = new CgroupStats(path,
            (parts & CgroupParts.Cpu) != 0 ? ReadCpu(d, due) : null,
            (parts & CgroupParts.Memory) != 0 ? ReadMemory(d, due) : null,
            (parts & CgroupParts.Pids) != 0 ? ReadPids(d, due) : null,
            (parts & CgroupParts.EffectiveCpus) != 0 ? ReadEffectiveCpus(d, due) : null,
            (parts & CgroupParts.Io) != 0 ? ReadIo(d, due) : null,
            (parts & CgroupParts.Pressure) != 0 ? ReadPressure(d, path, due) : null);
        return stats.IsEmpty ? null : stats;
    }

    public CgroupCpu? ReadCpu(string path)
    {
        var d = DirectoriesOf(path);
        return ReadCpu(d, LimitsDue(d));
    }

    private CgroupCpu? ReadCpu(Directories d, bool due)
    {
        var dir = d.Cpu;
        if (_cpu is null || dir is null || !Looks(d, CgroupParts.Cpu, due)) return null;
        bool weight = (Parts & CgroupParts.CpuWeight) != 0;
        if (_cpu.Version == CgroupVersion.V2)
        {
            var stat = _files.ReadCpuStat(dir, CgroupVersion.V2);
            if (due)
            {
                HoldLimits(true);
                d.Bandwidth = _files.ReadCpuMax(dir);
                d.Weight = weight ? _files.ReadCpuWeight(dir)?.Value : null;
                HoldLimits(false);
                d.Shares = d.Weight is int w ? new CpuWeight(w).ToShares().Value : null;
            }
            // Between limit reads the counters alone say whether the cgroup is still there.
            if (!Present(d, CgroupParts.Cpu, stat is not null || (due && d.Bandwidth is not null))) return null;
            return new CgroupCpu(stat?.UsageNs, d.Bandwidth?.QuotaUsec, d.Bandwidth?.PeriodUsec, d.Weight, d.Shares,
                stat?.NrPeriods, stat?.NrThrottled, stat?.ThrottledNs);
        }
        if (due)
        {
            HoldLimits(true);
            d.Bandwidth = _files.ReadCfsBandwidth(dir);
            d.Shares = weight ? _files.ReadCpuShares(dir)?.Value : null;
            HoldLimits(false);
            d.Weight = d.Shares is ulong sh ? new CpuShares(sh).ToWeight().Value : null;
        }
        // v1's cpu.stat counts this level's bandwidth only: without a quota here its counters stand still, so it is read
        // with the limits.
        bool unlimited = LimitRereadSamples > 1 && d.Bandwidth is { QuotaUsec: null };
        CpuStat? v1stat = d.Throttling;
        if (due || !unlimited)
        {
            HoldLimits(unlimited);
            v1stat = d.Throttling = _files.ReadCpuStat(dir, CgroupVersion.V1);
            HoldLimits(false);
        }
        if (!Present(d, CgroupParts.Cpu, v1stat is not null || (due && d.Bandwidth is not null))) return null;
        return new CgroupCpu(ReadUsageV1(d), d.Bandwidth?.QuotaUsec, d.Bandwidth?.PeriodUsec, d.Weight, d.Shares,
            v1stat?.NrPeriods, v1stat?.NrThrottled, v1stat?.ThrottledNs);
    }

    /// <summary>Whether this sample keeps <paramref name="d"/>'s OOM-kill count as last read (see <see cref="NoteHostOomKills"/>).</summary>
    private bool KeepsOomKills(Directories d, bool due)
    {
        if (due || LimitRereadSamples <= 1 || _oomNotedAt != _generation || d.OomReadAt < 0 || _oomChangedAt >= d.OomReadAt) return false;
        OomFilesSkipped++;
        return true;
    }

    /// <summary>Limits are read every N samples: their files stay held (open) that long, so that the next read is a pread.</summary>
    private void HoldLimits(bool on) => _files.HeldSweeps = on ? LimitRereadSamples : 1;

    /// <summary>v1 usage comes from cpuacct (its own hierarchy, maybe co-mounted); failing that, the v2 tree of a hybrid host.</summary>
    private ulong? ReadUsageV1(Directories d)
    {
        if (d.Cpuacct is { } acct && _cpuacct?.Version == CgroupVersion.V1 && _files.ReadCpuacctUsage(acct) is ulong ns) return ns;
        if (d.Unified is { } uni) return _files.ReadCpuStat(uni, CgroupVersion.V2)?.UsageNs;
        return null;
    }

    public CgroupMemory? ReadMemory(string path)
    {
        var d = DirectoriesOf(path);
        return ReadMemory(d, LimitsDue(d));
    }

    private CgroupMemory? ReadMemory(Directories d, bool due)
    {
        var dir = d.Memory;
        if (_memory is null || dir is null || !Looks(d, CgroupParts.Memory, due)) return null;
        bool oom = (Parts & CgroupParts.OomKills) != 0;
        if (_memory.Version == CgroupVersion.V2)
        {
            var current = _files.ReadCounter(dir, "memory.current");
            if (!Present(d, CgroupParts.Memory, current is not null)) return null;
            var stat = _files.ReadMemoryStatTotals(dir, CgroupVersion.V2);
            if (due)
            {
                HoldLimits(true);
                d.MemoryLimit = _files.ReadLimit(dir, "memory.max").Limit;
                d.MemoryHigh = _files.ReadLimit(dir, "memory.high").Limit;
                HoldLimits(false);
            }
            MemoryEvents? events = null;
            if (ReadsSwapAndFailcnt || (oom && !KeepsOomKills(d, due)))
            {
                HoldLimits(!ReadsSwapAndFailcnt && LimitRereadSamples > 1);
                events = _files.ReadMemoryEvents(dir);
                HoldLimits(false);
                (d.OomKills, d.OomReadAt) = (events?.OomKill, _generation);
            }
            return new CgroupMemory(current, d.MemoryLimit, d.MemoryHigh,
                stat?.InactiveFileBytes,
                ReadsSwapAndFailcnt ? _files.ReadCounter(dir, "memory.swap.current") : null,
                ReadsSwapAndFailcnt ? _files.ReadLimit(dir, "memory.swap.max").Limit : null,
                oom ? d.OomKills : null, ReadsSwapAndFailcnt ? events?.Max : null, null);
        }
        var usage = _files.ReadCounter(dir, "memory.usage_in_bytes");
        if (!Present(d, CgroupParts.Memory, usage is not null)) return null;
        var v1stat = _files.ReadMemoryStatTotals(dir, CgroupVersion.V1);
        ulong? memsw = null, memswLimit = null;
        if (_v1Memsw && ReadsSwapAndFailcnt)
        {
            memsw = _files.ReadCounter(dir, "memory.memsw.usage_in_bytes");
            memswLimit = _files.ReadLimit(dir, "memory.memsw.limit_in_bytes").Limit;
        }
        if (due)
        {
            HoldLimits(true);
            d.MemoryLimit = _files.ReadLimit(dir, "memory.limit_in_bytes").Limit;
            HoldLimits(false);
        }
        if (oom && !KeepsOomKills(d, due))
        {
            HoldLimits(LimitRereadSamples > 1);
            (d.OomKills, d.OomReadAt) = (_files.ReadMemoryOomControl(dir)?.OomKill, _generation);
            HoldLimits(false);
        }
        return new CgroupMemory(usage, d.MemoryLimit, null,
            v1stat?.InactiveFileBytes,
            memsw is ulong sw ? sw - Math.Min(sw, usage.GetValueOrDefault()) : null,
            memswLimit,
            oom ? d.OomKills : null, ReadsSwapAndFailcnt ? _files.ReadCounter(dir, "memory.failcnt") : null,
            v1stat?.HierarchicalMemoryLimitBytes);
    }

    public CgroupPids? ReadPids(string path)
    {
        var d = DirectoriesOf(path);
        return ReadPids(d, LimitsDue(d));
    }

    private CgroupPids? ReadPids(Directories d, bool due)
    {
        if (d.Pids is not { } dir || !Looks(d, CgroupParts.Pids, due)) return null;
        var current = _files.ReadCounter(dir, "pids.current");
        if (!Present(d, CgroupParts.Pids, current is not null)) return null;
        if (due)
        {
            HoldLimits(true);
            d.PidsMax = _files.ReadLimit(dir, "pids.max").Limit;
            HoldLimits(false);
        }
        return new CgroupPids(current, d.PidsMax);
    }

    public CpuList? ReadEffectiveCpus(string path)
    {
        var d = DirectoriesOf(path);
        return ReadEffectiveCpus(d, LimitsDue(d));
    }

    private CpuList? ReadEffectiveCpus(Directories d, bool due)
    {
        if (d.Cpuset is not { } dir || !Looks(d, CgroupParts.EffectiveCpus, due)) return null;
        var cpus = _files.ReadCpusetEffectiveCpus(dir, _cpuset!.Version);
        return Present(d, CgroupParts.EffectiveCpus, cpus is not null) ? cpus : null;
    }

    public IoTotals? ReadIo(string path)
    {
        var d = DirectoriesOf(path);
        return ReadIo(d, LimitsDue(d));
    }

    private IoTotals? ReadIo(Directories d, bool due)
    {
        if (d.Io is not { } dir || !Looks(d, CgroupParts.Io, due)) return null;
        var io = _io!.Version == CgroupVersion.V2 ? _files.ReadIoStat(dir)?.Totals : _files.ReadBlkioThrottle(dir);
        return Present(d, CgroupParts.Io, io is not null) ? io : null;
    }

    /// <summary>PSI lives only in v2 directories: the v2 hierarchy, or the unified tree of a hybrid host at the same path.</summary>
    public CgroupPressure? ReadPressure(string path)
    {
        var d = DirectoriesOf(path);
        return ReadPressure(d, path, LimitsDue(d));
    }

    private static readonly string[] PsiResources = ["cpu", "memory", "io"];

    private CgroupPressure? ReadPressure(Directories d, string path, bool due)
    {
        if (d.Unified is not { } dir || !Looks(d, CgroupParts.Pressure, due)) return null;
        var kept = d.Psi ??= [new(), new(), new()];
        // A parent is only of use when it was read before this cgroup in this sample (parents sort first).
        var parent = !due && LimitRereadSamples > 1 ? ParentOf(path) : null;
        bool read = false;
        Span<Pressure?> p = stackalloc Pressure?[3];
        for (int r = 0; r < 3; r++) p[r] = ReadPsi(kept[r], parent?.Psi?[r], dir, PsiResources[r], ref read);
        if (!read && d.Pressure is { } same) return same;
        return d.Pressure = Present(d, CgroupParts.Pressure, p[0] is not null || p[1] is not null || p[2] is not null)
            ? new CgroupPressure(p[0], p[1], p[2]) : null;
    }

    private Directories? ParentOf(string path)
    {
        int slash = path.LastIndexOf('/');
        if (slash < 0 || path.Length == 1) return null;
        var parentPath = slash == 0 ? "/".AsSpan() : path.AsSpan(0, slash);
        return _dirsBySpan.TryGetValue(parentPath, out var p) && p.Generation == _generation && p.Unified is not null ? p : null;
    }

    private Pressure? ReadPsi(PsiKept k, PsiKept? parent, string dir, string resource, ref bool read)
    {
        long gen = _generation;
        if (parent is { } pk && pk.QuietAt == gen && k.SeenAt == gen - 1 && k.Total is not null && k.Value is { } kept
            && AllZero(kept) && k.ReadAt - k.SameSince >= (long)PressureSettle.TotalMilliseconds)
        {
            k.SeenAt = k.QuietAt = gen;
            PressureFilesSkipped++;
            return kept;
        }
        read = true;
        // Held open while skipped, as limits are: the next read, at most N samples on, is then a pread, not an open.
        HoldLimits(LimitRereadSamples > 1);
        var now = _files.ReadPressure(dir, resource);
        HoldLimits(false);
        long at = Environment.TickCount64;
        ulong? total = now?.Some?.TotalUsec;
        // An unchanged total over any span that ends now is unchanged over this sample too.
        if (total is not null && total == k.Total) k.QuietAt = gen;
        else k.SameSince = at;
        k.Total = total;
        k.Value = now;
        k.ReadAt = at;
        k.SeenAt = gen;
        return now;
    }

    private static bool AllZero(Pressure p) => Zero(p.Some) && Zero(p.Full);

    private static bool Zero(PressureLine? l) => l is not { } v || (v.Avg10 == 0 && v.Avg60 == 0 && v.Avg300 == 0);
}
