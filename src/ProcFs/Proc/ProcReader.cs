using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ProcFs.Native;
using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// Reads and parses /proc files under a root ("/proc", or a fixture tree in tests). Per-process reads use
/// the Try pattern because a process can exit between listing and reading: Missing (gone) and Denied (not
/// ours to read, see <see cref="LastStatus"/>) return false and never throw; a file that is present but
/// malformed throws ProcFsFormatException naming it.
/// Not thread-safe: one file buffer and path buffer are reused by every read, so use one reader per
/// sampling thread. The stat and schedstat reads allocate nothing once the buffer has grown. With
/// <see cref="HeldFiles"/>, the files read every sample (stat, schedstat and the system-wide ones) stay open between
/// samples; status and cmdline, read once per process, do not.
/// </summary>
public sealed class ProcReader
{
    private const int MaxFileName = 16; // longest per-pid file name read here, with room to spare
    private readonly KernelFile _file = new();
    private readonly byte[] _dents = new byte[16384];
    private readonly HeldFiles? _held;
    private readonly char[] _path;
    private readonly char[] _taskPath;
    private readonly int _rootLength;
    private readonly string _stat, _meminfo, _loadavg, _uptime, _vmstat;

    public ProcReader(string procRoot = "/proc", HeldFiles? held = null)
    {
        _held = held;
        ProcRoot = procRoot.Length > 1 ? procRoot.TrimEnd('/') : procRoot;
        _rootLength = ProcRoot == "/" ? 0 : ProcRoot.Length;
        _path = new char[_rootLength + 1 + 11 + 1 + MaxFileName];
        _taskPath = new char[_rootLength + 1 + 11 + "/task/".Length + 11 + "/schedstat".Length];
        ProcRoot.AsSpan(0, _rootLength).CopyTo(_path);
        (_stat, _meminfo, _loadavg, _uptime, _vmstat) = (RootPath("stat"), RootPath("meminfo"), RootPath("loadavg"), RootPath("uptime"), RootPath("vmstat"));
    }

    public string ProcRoot { get; }

    /// <summary>How the last read ended: Missing means the process is gone, Denied that it is not readable.</summary>
    public ReadStatus LastStatus { get; private set; }

    /// <summary>
    /// Shared by the callers of this reader to turn <see cref="ProcStat"/> comm bytes into strings without repeats. Made
    /// on first use: its ~100 KB table is cleared memory that the one-shot readers (ctop run's) never need.
    /// </summary>
    public CommInterner Comms => _comms ??= new();

    private CommInterner? _comms;

    public bool TryReadStat(int pid, out ProcStat stat)
    {
        stat = default;
        var path = PidPath(pid, "stat");
        if (!Read(path, _held)) return false;
        int error = ProcStat.ParseCore(_file.Data, out stat);
        if (error != 0) throw ProcStat.Error(_file.Data, new string(path), error);
        return true;
    }

    /// <summary>
    /// Keeps root/PID/stat held (<see cref="HeldFiles"/>) through the next sweep without reading it: for a sampler that
    /// knows the file cannot have changed this time.
    /// </summary>
    public void KeepStat(int pid) => _held?.Keep(PidPath(pid, "stat"));

    public bool TryReadStatus(int pid, [NotNullWhen(true)] out ProcStatus? status)
    {
        status = null;
        var path = PidPath(pid, "status");
        if (!Read(path)) return false;
        // Parse only builds the path string when it throws, by reparsing under the real name.
        if (!ProcStatus.TryParse(_file.Data, out status)) status = ProcStatus.Parse(_file.Data, new string(path));
        return true;
    }

    /// <summary>The Uid: line of /proc/PID/status (null when it has none). False when the process is gone or unreadable.</summary>
    public bool TryReadUid(int pid, out IdSet? uid)
    {
        uid = null;
        var path = PidPath(pid, "status");
        if (!Read(path)) return false;
        uid = ProcStatus.ParseUid(_file.Data, path);
        return true;
    }

    public bool TryReadCmdline(int pid, [NotNullWhen(true)] out ProcCmdline? cmdline)
    {
        cmdline = null;
        var path = PidPath(pid, "cmdline");
        if (!Read(path)) return false;
        cmdline = ProcCmdline.Parse(_file.Data, "");
        return true;
    }

    public bool TryReadSchedstat(int pid, out ProcSchedstat schedstat)
    {
        var path = PidPath(pid, "schedstat");
        if (!Read(path, _held)) { schedstat = default; return false; }
        if (!ProcSchedstat.TryParse(_file.Data, out schedstat)) ProcSchedstat.Parse(_file.Data, new string(path));
        return true;
    }

    public SystemStat ReadSystemStat() => SystemStat.Parse(ReadRequired(_stat), _stat);

    public MemInfo ReadMemInfo() => MemInfo.Parse(ReadRequired(_meminfo), _meminfo);

    public LoadAvg ReadLoadAvg() => LoadAvg.Parse(ReadRequired(_loadavg), _loadavg);

    public Uptime ReadUptime() => Uptime.Parse(ReadRequired(_uptime), _uptime);

    /// <summary>
    /// root/vmstat's OOM-kill count; null when the file is missing or unreadable or has no such line. Held like the other
    /// system-wide files: one pread, which returns at most the kernel's one-page buffer of whole lines, so on a kernel
    /// whose vmstat outgrows a page a line past it reads as absent (null), never as a wrong number.
    /// </summary>
    public ulong? TryReadOomKills()
    {
        LastStatus = _file.TryRead(_vmstat, _held, oneRecord: true);
        return LastStatus == ReadStatus.Ok ? VmStat.Parse(_file.Data, _vmstat).OomKills : null;
    }

    /// <summary>
    /// Clears <paramref name="into"/> and fills it with the PIDs (numeric directory names) under the root, in
    /// directory order. Returns the count. Read with getdents64 into a reused buffer: nothing is allocated per entry.
    /// <paramref name="inodes"/>, when given, gets each directory's inode number at the same index: a PID whose inode
    /// changed between two listings is another process (the PID was reused).
    /// </summary>
    public int ListPids(List<int> into, List<ulong>? inodes = null)
    {
        into.Clear();
        inodes?.Clear();
        int fd = DirEntries.OpenDirectory(ProcRoot);
        if (fd < 0) throw new DirectoryNotFoundException($"{ProcRoot}: {Libc.StrError(Marshal.GetLastSystemError())}");
        try
        {
            var entries = new DirEntries(fd, _dents);
            // Numeric directories only ("self" and "thread-self" are links, the rest are named files).
            while (entries.MoveNext())
                if (entries.MaybeDirectory && IsPid(entries.Name, out int pid))
                {
                    into.Add(pid);
                    inodes?.Add(entries.Inode);
                }
            return into.Count;
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>
    /// Σ run-queue wait (ns) over the threads of a process: root/PID/task/TID/schedstat for every thread, since
    /// root/PID/schedstat counts the main thread only. False when the process is gone or no thread could be read.
    /// Thread files are held like the process's own (<see cref="HeldFiles"/>); nothing is allocated per thread.
    /// </summary>
    public bool TryReadThreadsWait(int pid, out ulong waitNs)
    {
        waitNs = 0;
        bool any = false;
        int dirLength = TaskDir(pid);
        int fd = DirEntries.OpenDirectory(_taskPath.AsSpan(0, dirLength));
        if (fd < 0) { LastStatus = ReadStatus.Missing; return false; }
        try
        {
            var entries = new DirEntries(fd, _dents);
            while (entries.MoveNext())
            {
                if (!entries.MaybeDirectory || !IsPid(entries.Name, out int tid)) continue;
                int n = dirLength;
                _taskPath[n++] = '/';
                tid.TryFormat(_taskPath.AsSpan(n), out int written, default, CultureInfo.InvariantCulture);
                n += written;
                "/schedstat".CopyTo(_taskPath.AsSpan(n));
                n += "/schedstat".Length;
                // A thread can exit between the listing and the read: skip it.
                if (_file.TryRead(_taskPath.AsSpan(0, n), _held, oneRecord: true) != ReadStatus.Ok) continue;
                if (!ProcSchedstat.TryParse(_file.Data, out var s)) ProcSchedstat.Parse(_file.Data, new string(_taskPath.AsSpan(0, n)));
                waitNs += s.WaitTimeNs;
                any = true;
            }
        }
        finally { Libc.Close(fd); }
        LastStatus = any ? ReadStatus.Ok : ReadStatus.Missing;
        return any;
    }

    /// <summary>root/PID/task into the task path buffer; returns its length.</summary>
    private int TaskDir(int pid)
    {
        var span = _taskPath.AsSpan();
        ProcRoot.AsSpan(0, _rootLength).CopyTo(span);
        int n = _rootLength;
        span[n++] = '/';
        pid.TryFormat(span[n..], out int written, default, CultureInfo.InvariantCulture);
        n += written;
        "/task".CopyTo(span[n..]);
        return n + "/task".Length;
    }

    /// <summary>
    /// The namespace a process is in, as its root/PID/ns/NAME link reads ("pid:[4026531836]"): equal texts are the
    /// same namespace. <paramref name="pid"/> 0 is the reading process (root/self). Null when the process is gone, the
    /// kernel lacks that namespace, or the link is not readable (another user's process without privilege).
    /// </summary>
    public string? ReadNamespace(string name, int pid = 0)
    {
        string path = Path.Combine(ProcRoot, pid == 0 ? "self" : pid.ToString(CultureInfo.InvariantCulture), "ns", name);
        try { return new FileInfo(path).LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The reading process's PID as this proc sees it (the root/self link): its PID in the proc's pid namespace.</summary>
    public int? ReadSelfPid()
    {
        try
        {
            return int.TryParse(new FileInfo(Path.Combine(ProcRoot, "self")).LinkTarget, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>root/PID/cgroup parsed (<paramref name="pid"/> 0: root/self/cgroup); null when gone or unreadable.</summary>
    public ProcPidCgroup? ReadCgroup(int pid = 0)
    {
        string path = Path.Combine(ProcRoot, pid == 0 ? "self" : pid.ToString(CultureInfo.InvariantCulture), "cgroup");
        LastStatus = _file.TryRead(path, null, oneRecord: true);
        return LastStatus == ReadStatus.Ok ? ProcPidCgroup.Parse(_file.Data, path) : null;
    }

    /// <summary>
    /// A system-wide file under the root as text, whole (root/meminfo, root/cpuinfo, …), for views that pass it on or
    /// rewrite it; not for sampling loops. Missing: FileNotFoundException, unreadable: UnauthorizedAccessException, each
    /// naming the file.
    /// </summary>
    public string ReadRootFile(string name)
    {
        string path = RootPath(name);
        var file = new KernelFile();
        return file.TryRead(path) switch
        {
            ReadStatus.Ok => Encoding.UTF8.GetString(file.Data),
            ReadStatus.Missing => throw new FileNotFoundException($"{path}: not found", path),
            _ => throw new UnauthorizedAccessException($"{path}: permission denied"),
        };
    }

    /// <summary>Whether root/PID exists now (a process this proc can see).</summary>
    public bool Exists(int pid) => File.Exists(PidPath(pid, "stat").ToString());

    /// <summary>
    /// The raw text of root/PID/cgroup, for callers that parse it once per distinct text (<see cref="ProcPidCgroup"/>):
    /// valid until this reader's next read. Not held: processes move between cgroups seldom and the file is re-read
    /// only every few samples. False when the process is gone or unreadable.
    /// </summary>
    public bool TryReadCgroupText(int pid, out ReadOnlySpan<byte> text, out ReadOnlySpan<char> path)
    {
        path = PidPath(pid, "cgroup");
        text = Read(path) ? _file.Data : default;
        return LastStatus == ReadStatus.Ok;
    }

    private static bool IsPid(ReadOnlySpan<byte> name, out int pid)
    {
        pid = 0;
        return name.Length is > 0 and <= 10 && !name.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            && Utf8.TryParseInt32(name, out pid) && pid > 0;
    }

    // Every per-process file read here is one record (or, cmdline, one read of the arguments).
    private bool Read(ReadOnlySpan<char> path, HeldFiles? held = null)
    {
        LastStatus = _file.TryRead(path, held, oneRecord: true);
        return LastStatus == ReadStatus.Ok;
    }

    /// <summary>System-wide files must exist: their absence is an environment error, not a vanished process.</summary>
    private ReadOnlySpan<byte> ReadRequired(string path)
    {
        LastStatus = _file.TryRead(path, _held, oneRecord: true);
        return LastStatus switch
        {
            ReadStatus.Ok => _file.Data,
            ReadStatus.Missing => throw new FileNotFoundException($"{path}: not found", path),
            _ => throw new UnauthorizedAccessException($"{path}: permission denied"),
        };
    }

    private string RootPath(string name) => ProcRoot == "/" ? "/" + name : ProcRoot + "/" + name;

    /// <summary>root/PID/name in the reused char buffer: no string per read.</summary>
    private ReadOnlySpan<char> PidPath(int pid, string name)
    {
        var span = _path.AsSpan();
        int n = _rootLength;
        span[n++] = '/';
        pid.TryFormat(span[n..], out int written, default, CultureInfo.InvariantCulture);
        n += written;
        span[n++] = '/';
        name.AsSpan().CopyTo(span[n..]);
        return span[..(n + name.Length)];
    }
}
