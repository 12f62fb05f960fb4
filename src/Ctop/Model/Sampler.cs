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
    /// <summary>Per process: its facts, and a hash of the /proc/PID/cgroup text they came from (a re-read with the same
    /// text needs no parsing). The facts are immutable; a move replaces them here.</summary>
    private readonly Dictionary<(int Pid, ulong Start), Known> _info = new();
    private readonly Dictionary<uint, string> _users = new();
    private readonly Dictionary<ulong, string?> _cgroupOfText = new();
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
        _cgroups = new CgroupReader(Layout, new CgroupFileReader(new KernelFile(), _held)) { ReadsSwapAndFailcnt = false };
        _tree = new CgroupTree(Layout, TreeControllers);
        _scope = new ScopeDetector(options.ProcRoot, Layout, _cgroups);
    }

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
        // Diagnosis (ctop diagnose, the dashboard's neighbours view) rates memory-limit hits from failcnt.
        _cgroups.ReadsSwapAndFailcnt = _options.Schedstat || _options.MemoryLimitHits || _options.SchedstatDemand?.Wanted == true;
        var cgroups = _options.Cgroups ? ReadCgroups() : new Dictionary<string, CgroupStats>();
        var processTimestamp = Stopwatch.GetTimestamp();
        var processes = _options.Processes ? ReadProcesses() : new Dictionary<int, ProcessSample>();
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

    private Dictionary<int, ProcessSample> ReadProcesses()
    {
        _proc.ListPids(_pids);
        var result = new Dictionary<int, ProcessSample>(_pids.Count);
        long pageSize = SystemConf.PageSize;
        // Pass 1 reads only stat, fast and in one sweep, so the counters are close to processTimestamp. Pass 2 reads
        // the facts of new processes (status, cmdline, cgroup: slow the first time) outside that window.
        _fresh.Clear();
        bool schedstat = _options.Schedstat || _options.SchedstatDemand?.Wanted == true;
        // Every few samples the processes' cgroups are taken from the cgroup.procs files of the tree just listed (one file
        // per cgroup, not one per process); without the tree, each process's own cgroup file is re-read in turn.
        bool mapped = _options.Cgroups && _samples % CgroupRefreshSamples == 1 && MapProcessesToCgroups();
        foreach (var pid in _pids)
        {
            // A process can exit between the listing and the read: that is not an error.
            if (!_proc.TryReadStat(pid, out var stat)) continue;
            ProcessInfo info;
            ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(_info, (pid, stat.StartTime));
            if (!Unsafe.IsNullRef(ref known))
            {
                if (mapped) MoveTo(ref known, _cgroupOfPid.GetValueOrDefault(pid));
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
    }

    private Known ReadInfo(int pid, string comm, string? cgroup)
    {
        string user = "?";
        if (_proc.TryReadUid(pid, out var uid) && uid is { } ids) user = UserName(ids.Real);
        string command = _proc.TryReadCmdline(pid, out var cmd) && !cmd.IsEmpty ? cmd.DisplayString : "[" + comm + "]";
        var known = new Known { Info = new ProcessInfo(user, command, null, null) };
        if (cgroup is not null) MoveTo(ref known, cgroup);
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
        _cgroupOfPid.Clear();
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
            foreach (int pid in _procs) _cgroupOfPid[pid] = path;
        }
        return true;
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
        if (!_cgroupOfText.TryGetValue(hash, out var shown))
        {
            try
            {
                var cg = ProcPidCgroup.Parse(text, new string(path));
                shown = Layout.PathOf(cg, Controllers.Cpu) ?? Layout.PathOf(cg, Controllers.Memory) ?? cg.Unified?.Path;
            }
            catch (ProcFsFormatException e)
            {
                Warn(e.Message);
                return;
            }
            if (_cgroupOfText.Count >= 4096) _cgroupOfText.Clear();
            _cgroupOfText[hash] = shown;
        }
        known.CgroupFileHash = hash;
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
