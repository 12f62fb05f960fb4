using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Enumeration;
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
    private readonly HeldFiles? _held;
    private readonly char[] _path;
    private readonly int _rootLength;
    private readonly string _stat, _meminfo, _loadavg, _uptime;

    public ProcReader(string procRoot = "/proc", HeldFiles? held = null)
    {
        _held = held;
        ProcRoot = procRoot.Length > 1 ? procRoot.TrimEnd('/') : procRoot;
        _rootLength = ProcRoot == "/" ? 0 : ProcRoot.Length;
        _path = new char[_rootLength + 1 + 11 + 1 + MaxFileName];
        ProcRoot.AsSpan(0, _rootLength).CopyTo(_path);
        (_stat, _meminfo, _loadavg, _uptime) = (RootPath("stat"), RootPath("meminfo"), RootPath("loadavg"), RootPath("uptime"));
    }

    public string ProcRoot { get; }

    /// <summary>How the last read ended: Missing means the process is gone, Denied that it is not readable.</summary>
    public ReadStatus LastStatus { get; private set; }

    /// <summary>Shared by the callers of this reader to turn <see cref="ProcStat"/> comm bytes into strings without repeats.</summary>
    public CommInterner Comms { get; } = new();

    public bool TryReadStat(int pid, out ProcStat stat)
    {
        stat = default;
        var path = PidPath(pid, "stat");
        if (!Read(path, _held)) return false;
        int error = ProcStat.ParseCore(_file.Data, out stat);
        if (error != 0) throw ProcStat.Error(_file.Data, new string(path), error);
        return true;
    }

    public bool TryReadStatus(int pid, [NotNullWhen(true)] out ProcStatus? status)
    {
        status = null;
        var path = PidPath(pid, "status");
        if (!Read(path)) return false;
        // Parse only builds the path string when it throws, by reparsing under the real name.
        if (!ProcStatus.TryParse(_file.Data, out status)) status = ProcStatus.Parse(_file.Data, new string(path));
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
    /// Clears <paramref name="into"/> and fills it with the PIDs (numeric directory names) under the root, in
    /// directory order. Returns the count. Names are parsed as spans, so no string is made per entry.
    /// </summary>
    public int ListPids(List<int> into)
    {
        into.Clear();
        var options = new EnumerationOptions { IgnoreInaccessible = true, RecurseSubdirectories = false, AttributesToSkip = 0 };
        var entries = new FileSystemEnumerable<int>(
            ProcRoot,
            static (ref FileSystemEntry e) => int.Parse(e.FileName, NumberStyles.None, CultureInfo.InvariantCulture),
            options)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry e) => e.IsDirectory && IsPid(e.FileName),
        };
        foreach (int pid in entries) into.Add(pid);
        return into.Count;
    }

    private static bool IsPid(ReadOnlySpan<char> name) =>
        name.Length is > 0 and <= 10 && !name.ContainsAnyExceptInRange('0', '9')
        && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0;

    private bool Read(ReadOnlySpan<char> path, HeldFiles? held = null)
    {
        LastStatus = _file.TryRead(path, held);
        return LastStatus == ReadStatus.Ok;
    }

    /// <summary>System-wide files must exist: their absence is an environment error, not a vanished process.</summary>
    private ReadOnlySpan<byte> ReadRequired(string path)
    {
        LastStatus = _file.TryRead(path, _held);
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
