using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Diagnostics;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace Ctop.Model;

/// <summary>
/// Takes samples: every process's stat, and every cgroup's counters, through ProcFs. One instance per sampling
/// thread (its readers reuse buffers). Per-process facts that cannot change (user, command line) are read once per
/// PID + start time; the cgroup is re-read every few samples because processes can be moved. The files read every
/// sample are kept open between samples (<see cref="HeldFiles"/>): a re-read is one pread. Dispose closes them.
/// </summary>
public sealed class Sampler : IDisposable
{
    private const int CgroupRefreshSamples = 8;
    /// <summary>
    /// A process whose stat was not re-read because its cgroup's CPU counter did not move is read again at the latest
    /// this many samples later (round-robin by PID), so what changes without CPU time (RSS given back, the parent after a
    /// reparent, a move to another cgroup) is at most this many samples old. docs/performance.md.
    /// </summary>
    internal const int QuietRereadSamples = 8;
    private static readonly string[] TreeControllers = [Controllers.Cpu, Controllers.Cpuacct, Controllers.Memory, Controllers.Pids];

    private readonly SamplerOptions _options;
    private readonly HeldFiles _held;
    private readonly ProcReader _proc;
    private readonly CgroupReader _cgroups;
    private readonly CgroupFileReader _procsReader = new();
    private readonly List<int> _procs = new();
    private readonly CgroupTree _tree;
    private readonly ScopeDetector _scope;
    private readonly List<int> _pids = new();
    private readonly List<ulong> _inodes = new();
    // /proc/PID inode numbers of the previous listing and this one (swapped each sample, so no dictionary per sample).
    private Dictionary<int, ulong> _inodeOfPid = new(), _previousInodeOfPid = new();
    private Dictionary<int, ProcessSample>? _lastProcesses;
    private Dictionary<string, CgroupStats>? _lastCgroups;
    /// <summary>Whether a process's cgroup path (the cpu controller's) can be where the CPU counter the sampler reads lives.</summary>
    private readonly bool _usageAtProcessPath, _coMounted;
    private readonly CgroupHierarchy? _separateCpuacct;
    private readonly Dictionary<int, string> _acctOfPid = new();
    /// <summary>Per process: its facts, and a hash of the /proc/PID/cgroup text they came from (a re-read with the same
    /// text needs no parsing). The facts are immutable; a move replaces them here.</summary>
    private readonly Dictionary<(int Pid, ulong Start), Known> _info = new();
    private readonly Dictionary<uint, string> _users = new();
    private readonly Dictionary<ulong, (string? Shown, bool UsageHere)> _cgroupOfText = new();
    private readonly Dictionary<int, string> _cgroupOfPid = new();
    private IReadOnlyList<string> _listed = [];
    private readonly List<(int Pid, string Comm)> _fresh = new();
    private readonly List<(int Pid, ulong Start)> _gone = new();
    private static readonly ProcessInfo Pending = new("?", "", null, null);
    private long _samples;

    public Sampler(SamplerOptions options)
    {
        _options = options;
        // Raised as the .NET runtime does for JIT builds, so a NativeAOT build can hold as many files.
        _held = new HeldFiles(HeldFiles.CapacityUnder(SystemConf.OpenFileLimit(raise: true)));
        _proc = new ProcReader(options.ProcRoot, _held);
        Layout = CgroupLayout.Discover(options.ProcRoot, options.CgroupRoot);
        // Frames show no swap figures, and failcnt only feeds the diagnosis: three files fewer per cgroup when not diagnosing.
        _cgroups = new CgroupReader(Layout, new CgroupFileReader(new KernelFile(), _held))
        {
            ReadsSwapAndFailcnt = false,
            LimitRereadSamples = options.LimitRereadSamples,
        };
        _tree = new CgroupTree(Layout, TreeControllers);
        _scope = new ScopeDetector(options.ProcRoot, Layout, _cgroups);
        // The CPU counter of a cgroup path is v2's cpu.stat in the cpu path itself, or v1's cpuacct.usage in cpuacct's
        // hierarchy: co-mounted with cpu, or a hierarchy of its own, where a process's cpuacct path is checked to be
        // its cpu path (Known.UsageHere).
        var cpu = Layout.HierarchyOf(Controllers.Cpu);
        var acct = Layout.HierarchyOf(Controllers.Cpuacct);
        _coMounted = cpu is not null && (cpu.Version == CgroupVersion.V2 || ReferenceEquals(cpu, acct));
        _separateCpuacct = !_coMounted && cpu is { Version: CgroupVersion.V1 } && acct is { Version: CgroupVersion.V1, IsOutsideNamespace: false } ? acct : null;
        _usageAtProcessPath = cpu is not null && !cpu.IsOutsideNamespace && (_coMounted || _separateCpuacct is not null);
    }

    /// <summary>Processes whose stat the last sample took over from the one before, because their cgroup was quiet.</summary>
    public int LastReused { get; private set; }

    /// <summary>For tests: the cgroups' OOM-kill files left unread because the host counted no kill.</summary>
    internal long OomFilesSkipped => _cgroups.OomFilesSkipped;

    /// <summary>For tests: when set, gets the PIDs whose stat was taken over (not re-read), sample after sample.</summary>
    internal HashSet<int>? ReusedPids { get; set; }

    public CgroupLayout Layout { get; }

    /// <summary>Errors met while sampling that did not stop it (a malformed file in one cgroup, say). Bounded.</summary>
    public IReadOnlyCollection<string> Warnings => _warnings;
    private readonly Queue<string> _warnings = new();

    public Sample Take()
    {
        _samples++;
        var time = DateTimeOffset.Now;
        var host = ReadHost();
        // Each part is timed where it is read: a rate is Δcounter over the Δtime of the reads that produced it.
        var timestamp = Stopwatch.GetTimestamp();
        // Diagnosis (ctop diagnose, the dashboard's neighbours view) rates memory-limit hits from failcnt, and wants every part.
        bool diagnosing = _options.Schedstat || _options.MemoryLimitHits || _options.SchedstatDemand?.Wanted == true;
        _cgroups.ReadsSwapAndFailcnt = diagnosing;
        _cgroups.Parts = diagnosing ? CgroupParts.All : _options.CgroupParts;
        if ((_cgroups.Parts & CgroupParts.OomKills) != 0 && _options.LimitRereadSamples > 1) _cgroups.NoteHostOomKills(HostOomKills());
        var cgroups = _options.Cgroups ? ReadCgroups() : new Dictionary<string, CgroupStats>();
        var processTimestamp = Stopwatch.GetTimestamp();
        var processes = _options.Processes ? ReadProcesses(cgroups) : new Dictionary<int, ProcessSample>();
        _lastProcesses = processes;
        _lastCgroups = cgroups;
        // What was not read this time (exited processes, removed cgroups) is let go.
        _held.Sweep();
        _cgroups.Sweep();
        return new Sample
        {
            Timestamp = timestamp,
            ProcessTimestamp = processTimestamp,
            Time = time,
            Host = host,
            Scope = _scope.Detect(host),
            Processes = processes,
            Cgroups = cgroups,
        };
    }

    private HostSample ReadHost()
    {
        var stat = _proc.ReadSystemStat();
        var mem = _proc.ReadMemInfo();
        return new HostSample(stat.Cpu, Math.Max(1, stat.Cpus.Count), mem.MemTotal ?? 0, mem.MemAvailable, _proc.ReadLoadAvg(), _proc.ReadUptime());
    }

    /// <summary>/proc/vmstat's OOM kills, which spare the cgroups' OOM-kill files while no kill happens; null (read them all) when unknown.</summary>
    private ulong? HostOomKills()
    {
        try
        {
            return _proc.TryReadOomKills();
        }
        catch (ProcFsFormatException e)
        {
            Warn(e.Message);
            return null;
        }
    }

    private Dictionary<int, ProcessSample> ReadProcesses(Dictionary<string, CgroupStats> cgroups)
    {
        (_previousInodeOfPid, _inodeOfPid) = (_inodeOfPid, _previousInodeOfPid);
        _inodeOfPid.Clear();
        _proc.ListPids(_pids, _inodes);
        LastReused = 0;
        var result = new Dictionary<int, ProcessSample>(_pids.Count);
        long pageSize = SystemConf.PageSize;
        // Pass 1 reads only stat, fast and in one sweep, so the counters are close to processTimestamp. Pass 2 reads
        // the facts of new processes (status, cmdline, cgroup: slow the first time) outside that window.
        _fresh.Clear();
        bool schedstat = _options.Schedstat || _options.SchedstatDemand?.Wanted == true;
        // Every few samples the processes' cgroups are taken from the cgroup.procs files of the tree just listed (one file
        // per cgroup, not one per process); without the tree, each process's own cgroup file is re-read in turn.
        bool mapped = _options.Cgroups && _samples % CgroupRefreshSamples == 1 && MapProcessesToCgroups();
        // A process in a cgroup whose CPU counter did not move since the last sample did not run: its stat is the last
        // one. Not while run-queue waits are read (a task can wait without running).
        var last = _options.SkipsQuietProcesses && _options.Cgroups && _usageAtProcessPath && !schedstat ? _lastProcesses : null;
        for (int i = 0; i < _pids.Count; i++)
        {
            int pid = _pids[i];
            _inodeOfPid[pid] = _inodes[i];
            if (last is not null && Unchanged(pid, _inodes[i], last, cgroups, mapped) is { } same)
            {
                result[pid] = same;
                _proc.KeepStat(pid);
                LastReused++;
                ReusedPids?.Add(pid);
                continue;
            }
            // A process can exit between the listing and the read: that is not an error.
            if (!_proc.TryReadStat(pid, out var stat)) continue;
            ProcessInfo info;
            ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(_info, (pid, stat.StartTime));
            if (!Unsafe.IsNullRef(ref known))
            {
                if (mapped)
                {
                    MoveTo(ref known, _cgroupOfPid.GetValueOrDefault(pid));
                    known.UsageHere = known.Info.CgroupPath is { } at && UsageAt(pid, at);
                }
                else if (!_options.Cgroups && (_samples + pid) % CgroupRefreshSamples == 0) RefreshCgroup(pid, ref known);
                info = known.Info;
            }
            else
            {
                info = Pending;
                _fresh.Add((pid, stat.GetComm(_proc.Comms)));
            }
            result[pid] = new ProcessSample(pid, stat.StartTime, stat.Ppid, stat.State, stat.UTime + stat.STime,
                (long)stat.Rss * pageSize, stat.NumThreads, info) { WaitNs = schedstat ? ReadWait(pid, stat.NumThreads) : null };
        }
        foreach (var (pid, comm) in _fresh)
        {
            var s = result[pid];
            var known = ReadInfo(pid, comm, mapped && _cgroupOfPid.TryGetValue(pid, out var cgroup) ? cgroup : null);
            _info[(pid, s.StartTime)] = known;
            result[pid] = s with { Info = known.Info };
        }
        // Forget the facts of processes that are gone, so churn cannot grow the cache.
        if (_info.Count > result.Count * 2 + 64)
        {
            foreach (var k in _info.Keys)
                if (!result.TryGetValue(k.Pid, out var s) || s.StartTime != k.Start) _gone.Add(k);
            foreach (var k in _gone) _info.Remove(k);
            _gone.Clear();
        }
        return result;
    }

    /// <summary>
    /// The last sample of <paramref name="pid"/> when it cannot have changed for CPU: the same process (its /proc/PID
    /// inode unchanged since the last listing), in a cgroup present in both samples whose CPU counter did not move, not
    /// moved by this sample's cgroup map, and not due for its periodic re-read. Null: read it.
    /// </summary>
    private ProcessSample? Unchanged(int pid, ulong inode, Dictionary<int, ProcessSample> last, Dictionary<string, CgroupStats> cgroups, bool mapped)
    {
        if ((pid + _samples) % QuietRereadSamples == 0) return null;
        if (!last.TryGetValue(pid, out var previous) || previous.Info.CgroupPath is not { } path) return null;
        if (!_previousInodeOfPid.TryGetValue(pid, out var before) || before != inode) return null;
        if (mapped && (_cgroupOfPid.GetValueOrDefault(pid) != path || !UsageAt(pid, path))) return null;
        if (!_info.TryGetValue((pid, previous.StartTime), out var known) || !known.UsageHere || !ReferenceEquals(known.Info, previous.Info)) return null;
        if (_lastCgroups is null || !_lastCgroups.TryGetValue(path, out var then) || !cgroups.TryGetValue(path, out var now)) return null;
        return then.Cpu?.UsageNs is ulong a && now.Cpu?.UsageNs is ulong b && a == b ? previous : null;
    }

    /// <summary>Σ run-queue wait over the process's threads: /proc/PID/schedstat alone counts only the main thread.</summary>
    private ulong? ReadWait(int pid, int threads)
    {
        // One thread: the process's own schedstat is that thread's, and one (held) file instead of a directory walk.
        if (threads == 1)
        {
            try { return _proc.TryReadSchedstat(pid, out var own) ? own.WaitTimeNs : null; }
            catch (ProcFsFormatException e) { Warn(e.Message); return null; }
        }
        try { return _proc.TryReadThreadsWait(pid, out ulong sum) ? sum : null; }
        catch (ProcFsFormatException e) { Warn(e.Message); return null; }
    }

    /// <summary>A process's facts and the hash of the cgroup file text its path came from (0: not from the file).</summary>
    private struct Known
    {
        public ProcessInfo Info;
        public ulong CgroupFileHash;
        /// <summary>The CPU counter at Info.CgroupPath is this process's (its cpuacct path is that path, as last read).</summary>
        public bool UsageHere;
    }

    /// <summary>Whether the CPU counter read at <paramref name="path"/> counts <paramref name="pid"/>, by this sample's map.</summary>
    private bool UsageAt(int pid, string path) =>
        _coMounted || (_separateCpuacct is not null && _acctOfPid.TryGetValue(pid, out var acct) && acct == path);

    private Known ReadInfo(int pid, string comm, string? cgroup)
    {
        string user = "?";
        if (_proc.TryReadUid(pid, out var uid) && uid is { } ids) user = UserName(ids.Real);
        string command = _proc.TryReadCmdline(pid, out var cmd) && !cmd.IsEmpty ? cmd.DisplayString : "[" + comm + "]";
        var known = new Known { Info = new ProcessInfo(user, command, null, null) };
        if (cgroup is not null)
        {
            MoveTo(ref known, cgroup);
            known.UsageHere = UsageAt(pid, cgroup);
        }
        else RefreshCgroup(pid, ref known);
        return known;
    }

    private static void MoveTo(ref Known known, string? cgroup)
    {
        if (cgroup is null || cgroup == known.Info.CgroupPath) return;
        known.Info = known.Info.MovedTo(cgroup);
        known.CgroupFileHash = 0;
    }

    /// <summary>
    /// PID → cgroup path from the cgroup.procs of every cgroup just listed, in the hierarchy whose path a process shows
    /// (cpu's; memory's or the v2 tree's without it). Processes in no listed cgroup (outside a namespace's view, or
    /// moved meanwhile) are not in the map and read their own cgroup file. False when there is no such hierarchy.
    /// </summary>
    private bool MapProcessesToCgroups()
    {
        var h = Layout.HierarchyOf(Controllers.Cpu) ?? Layout.HierarchyOf(Controllers.Memory) ?? Layout.Unified;
        if (h is null || h.IsOutsideNamespace) return false;
        MapProcs(h, _cgroupOfPid);
        // Where cpuacct is a hierarchy of its own, which processes its counter at each path counts.
        _acctOfPid.Clear();
        if (_separateCpuacct is { } acct && _usageAtProcessPath) MapProcs(acct, _acctOfPid);
        return true;
    }

    /// <summary>PID → path from the cgroup.procs of every cgroup just listed, in hierarchy <paramref name="h"/>.</summary>
    private void MapProcs(CgroupHierarchy h, Dictionary<int, string> into)
    {
        into.Clear();
        foreach (var path in _listed)
        {
            if (h.DirectoryOf(path) is not { } dir) continue;
            try
            {
                if (!_procsReader.TryReadProcs(dir, _procs)) continue;
            }
            catch (ProcFsFormatException e)
            {
                Warn(e.Message);
                continue;
            }
            foreach (int pid in _procs) into[pid] = path;
        }
    }

    /// <summary>
    /// Re-reads /proc/PID/cgroup and, only when its text changed since the last read (a hash tells), parses it for the
    /// path shown: the cpu controller's (memory's, or the v2 line's, when there is no cpu controller).
    /// </summary>
    private void RefreshCgroup(int pid, ref Known known)
    {
        if (!_proc.TryReadCgroupText(pid, out var text, out var path)) return;
        ulong hash = Fnv1a(text);
        if (hash == known.CgroupFileHash && known.Info.CgroupPath is not null) return;
        // Processes in one cgroup have the same text: it is parsed once per distinct text.
        if (!_cgroupOfText.TryGetValue(hash, out var parsed))
        {
            try
            {
                var cg = ProcPidCgroup.Parse(text, new string(path));
                var shownPath = Layout.PathOf(cg, Controllers.Cpu) ?? Layout.PathOf(cg, Controllers.Memory) ?? cg.Unified?.Path;
                parsed = (shownPath, shownPath is not null && _usageAtProcessPath
                    && (_coMounted || Layout.PathOf(cg, Controllers.Cpuacct) == shownPath));
            }
            catch (ProcFsFormatException e)
            {
                Warn(e.Message);
                return;
            }
            if (_cgroupOfText.Count >= 4096) _cgroupOfText.Clear();
            _cgroupOfText[hash] = parsed;
        }
        var (shown, usageHere) = parsed;
        known.CgroupFileHash = hash;
        known.UsageHere = usageHere;
        if (shown is null || shown == known.Info.CgroupPath) return;
        known.Info = known.Info.MovedTo(shown);
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037;
        foreach (byte b in data) h = (h ^ b) * 1099511628211;
        return h;
    }

    private Dictionary<string, CgroupStats> ReadCgroups()
    {
        var paths = _listed = _tree.List();
        var result = new Dictionary<string, CgroupStats>(paths.Count, StringComparer.Ordinal);
        foreach (var path in paths)
        {
            try
            {
                if (_cgroups.Read(path) is { } stats) result[path] = stats;
            }
            catch (ProcFsFormatException e)
            {
                // One malformed file costs that cgroup this sample, never the whole sample.
                Warn(e.Message);
            }
        }
        return result;
    }

    private string UserName(uint uid)
    {
        if (_users.TryGetValue(uid, out var name)) return name;
        try { name = new Mono.Unix.UnixUserInfo(uid).UserName; }
        catch (ArgumentException) { name = uid.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        _users[uid] = name;
        return name;
    }

    public void Dispose() => _held.Dispose();

    private void Warn(string message)
    {
        if (_warnings.Count >= 50) _warnings.Dequeue();
        _warnings.Enqueue(message);
    }
}
