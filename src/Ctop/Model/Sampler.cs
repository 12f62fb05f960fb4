using System.Diagnostics;
using Ctop.Pipeline;
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

    private readonly SamplingOptions _options;
    private readonly HeldFiles _held;
    private readonly ProcReader _proc;
    private readonly CgroupReader _cgroups;
    private readonly CgroupTree _tree;
    private readonly ScopeDetector _scope;
    private readonly List<int> _pids = new();
    private readonly Dictionary<(int Pid, ulong Start), ProcessInfo> _info = new();
    private readonly Dictionary<uint, string> _users = new();
    private readonly Dictionary<ulong, string?> _cgroupOfText = new();
    private readonly Dictionary<int, string> _cgroupOfPid = new();
    private IReadOnlyList<string> _listed = [];
    private readonly KernelFile _file = new();
    private readonly List<(int Pid, string Comm)> _fresh = new();
    private readonly List<(int Pid, ulong Start)> _gone = new();
    private readonly char[] _taskPath = new char[256];
    private readonly char[] _pidPath;
    private static readonly ProcessInfo Pending = new("?", "", null, null);
    private long _samples;

    public Sampler(SamplingOptions options)
    {
        _options = options;
        _pidPath = new char[options.ProcRoot.Length + 32];
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
            if (_info.TryGetValue((pid, stat.StartTime), out var info))
            {
                if (mapped) MoveTo(info, _cgroupOfPid.GetValueOrDefault(pid));
                else if (!_options.Cgroups && (_samples + pid) % CgroupRefreshSamples == 0) RefreshCgroup(pid, info);
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
            var info = ReadInfo(pid, comm, mapped && _cgroupOfPid.TryGetValue(pid, out var cgroup) ? cgroup : null);
            _info[(pid, s.StartTime)] = info;
            result[pid] = s with { Info = info };
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
        string taskDir = Path.Combine(_options.ProcRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "task");
        ulong sum = 0;
        bool any = false;
        try
        {
            foreach (var tid in Directory.EnumerateDirectories(taskDir))
            {
                int n = tid.Length;
                if (n + 10 > _taskPath.Length) continue;
                tid.CopyTo(_taskPath);
                "/schedstat".CopyTo(_taskPath.AsSpan(n));
                if (_file.TryRead(_taskPath.AsSpan(0, n + 10), _held) == ReadStatus.Ok && ProcSchedstat.TryParse(_file.Data, out var s))
                {
                    sum += s.WaitTimeNs;
                    any = true;
                }
            }
        }
        catch (DirectoryNotFoundException) { }
        catch (UnauthorizedAccessException) { }
        return any ? sum : null;
    }

    private ProcessInfo ReadInfo(int pid, string comm, string? cgroup)
    {
        string user = "?";
        if (_proc.TryReadUid(pid, out var uid) && uid is { } ids) user = UserName(ids.Real);
        string command = _proc.TryReadCmdline(pid, out var cmd) && !cmd.IsEmpty ? cmd.DisplayString : "[" + comm + "]";
        var info = new ProcessInfo(user, command, null, null);
        if (cgroup is not null) MoveTo(info, cgroup);
        else RefreshCgroup(pid, info);
        return info;
    }

    private static void MoveTo(ProcessInfo info, string? cgroup)
    {
        if (cgroup is null || cgroup == info.CgroupPath) return;
        info.CgroupPath = cgroup;
        info.Container = ContainerNames.FromPath(cgroup);
        info.CgroupFileHash = 0;
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
            // cgroup.procs is many records: read it the ordinary way, to its end.
            if (_file.TryRead(Path.Join(dir, "cgroup.procs")) != ReadStatus.Ok) continue;
            foreach (var line in new LineEnumerator(_file.Data))
                if (Utf8.TryParseInt32(line, out int pid)) _cgroupOfPid[pid] = path;
        }
        return true;
    }

    /// <summary>
    /// Re-reads /proc/PID/cgroup and, only when its text changed since the last read (a hash tells), parses it for the
    /// path shown: the cpu controller's (memory's, or the v2 line's, when there is no cpu controller).
    /// </summary>
    private void RefreshCgroup(int pid, ProcessInfo info)
    {
        var path = PidFilePath(pid, "cgroup");
        if (_file.TryRead(path, null, oneRecord: true) != ReadStatus.Ok) return;
        ulong hash = Fnv1a(_file.Data);
        if (hash == info.CgroupFileHash && info.CgroupPath is not null) return;
        // Processes in one cgroup have the same text: it is parsed once per distinct text.
        if (!_cgroupOfText.TryGetValue(hash, out var shown))
        {
            try
            {
                var cg = ProcPidCgroup.Parse(_file.Data, new string(path));
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
        info.CgroupFileHash = hash;
        if (shown is null || shown == info.CgroupPath) return;
        info.CgroupPath = shown;
        info.Container = ContainerNames.FromPath(shown);
    }

    private ReadOnlySpan<char> PidFilePath(int pid, string name)
    {
        var root = _options.ProcRoot.TrimEnd('/');
        var span = _pidPath.AsSpan();
        root.CopyTo(span);
        int n = root.Length;
        span[n++] = '/';
        pid.TryFormat(span[n..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        n += written;
        span[n++] = '/';
        name.CopyTo(span[n..]);
        return span[..(n + name.Length)];
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
