using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// One /proc/PID/stat line (proc(5) field names; ticks are USER_HZ, see <see cref="SystemConf.UserHz"/>).
/// A plain struct so the sampling hot path parses thousands of these per second without allocating.
/// </summary>
public struct ProcStat
{
    /// <summary>Bytes of comm kept; the kernel prints at most 63 (workqueue and kthread names exceed TASK_COMM_LEN).</summary>
    public const int CommCapacity = 64;

    /// <summary>PF_KTHREAD in <see cref="Flags"/>.</summary>
    public const uint PfKthread = 0x00200000;

    // Comm stays undecoded in the struct; GetComm decodes on demand, through a CommInterner to avoid a string per sample.
    private CommBuffer _comm;
    private byte _commLength;

    public int Pid { get; private set; }
    /// <summary>R S D Z T t X I (see proc(5)).</summary>
    public char State { get; private set; }
    public int Ppid { get; private set; }
    public int Pgrp { get; private set; }
    public int Session { get; private set; }
    public int TtyNr { get; private set; }
    public int Tpgid { get; private set; }
    /// <summary>PF_* bits.</summary>
    public uint Flags { get; private set; }
    public ulong MinFlt { get; private set; }
    public ulong CMinFlt { get; private set; }
    public ulong MajFlt { get; private set; }
    public ulong CMajFlt { get; private set; }
    /// <summary>User ticks, including guest time.</summary>
    public ulong UTime { get; private set; }
    public ulong STime { get; private set; }
    /// <summary>Ticks of waited-for children; the kernel prints these signed.</summary>
    public long CUTime { get; private set; }
    public long CSTime { get; private set; }
    public int Priority { get; private set; }
    public int Nice { get; private set; }
    public int NumThreads { get; private set; }
    /// <summary>Ticks after boot when the process started.</summary>
    public ulong StartTime { get; private set; }
    /// <summary>Virtual memory size in bytes.</summary>
    public ulong VSize { get; private set; }
    /// <summary>Resident set in pages (× <see cref="SystemConf.PageSize"/>).</summary>
    public ulong Rss { get; private set; }
    /// <summary>CPU the task last ran on.</summary>
    public int Processor { get; private set; }

    public readonly bool IsKernelThread => (Flags & PfKthread) != 0;

    /// <summary>The raw comm bytes (valid while this struct variable lives).</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> CommBytes => ((ReadOnlySpan<byte>)_comm)[.._commLength];

    /// <summary>Decodes comm; with an interner the same bytes give the same string without allocating again.</summary>
    public readonly string GetComm(CommInterner? interner = null) =>
        interner is null ? Utf8.Decode(CommBytes) : interner.Intern(CommBytes);

    public static ProcStat Parse(ReadOnlySpan<byte> data, string filePath)
    {
        int error = ParseCore(data, out var stat);
        if (error != 0) throw Error(data, filePath, error);
        return stat;
    }

    /// <summary>Parses without throwing (and without allocating); on malformed input stat is default.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out ProcStat stat)
    {
        if (ParseCore(data, out stat) == 0) return true;
        stat = default;
        return false;
    }

    internal static ProcFsFormatException Error(ReadOnlySpan<byte> data, string filePath, int error)
    {
        string reason = error switch
        {
            ErrNoComm => "expected 'PID (comm) fields...'",
            ErrPid => "field 1 (pid) is not a number",
            > 0 and < MissingFlag => $"field {error} ({FieldNames[error]}) is not valid",
            _ => $"too few fields: field {error - MissingFlag} ({FieldNames[error - MissingFlag]}) is missing",
        };
        return ProcFsFormatException.At(filePath, 1, Utf8.Trim(data), reason);
    }

    private const int ErrNoComm = -1, ErrPid = -2, MissingFlag = 1000;

    // proc(5) 1-based field numbers, used only to name a field in errors.
    private static readonly string[] FieldNames =
    [
        "", "pid", "comm", "state", "ppid", "pgrp", "session", "tty_nr", "tpgid", "flags", "minflt", "cminflt",
        "majflt", "cmajflt", "utime", "stime", "cutime", "cstime", "priority", "nice", "num_threads",
        "itrealvalue", "starttime", "vsize", "rss", "rsslim", "startcode", "endcode", "startstack", "kstkesp",
        "kstkeip", "signal", "blocked", "sigignore", "sigcatch", "wchan", "nswap", "cnswap", "exit_signal",
        "processor",
    ];

    /// <summary>0 on success; otherwise a negative code or the 1-based field number (+ MissingFlag when absent).</summary>
    internal static int ParseCore(ReadOnlySpan<byte> data, out ProcStat s)
    {
        s = default;
        data = Utf8.Trim(data);
        // comm may hold '(' and ')': it runs from the first '(' to the last ')'.
        int open = data.IndexOf((byte)'(');
        int close = data.LastIndexOf((byte)')');
        if (open < 0 || close < open) return ErrNoComm;
        if (!Utf8.TryParseInt32(Utf8.Trim(data[..open]), out int pid)) return ErrPid;
        s.Pid = pid;
        var comm = data[(open + 1)..close];
        if (comm.Length > CommCapacity) comm = comm[..CommCapacity];
        comm.CopyTo(s._comm);
        s._commLength = (byte)comm.Length;

        var after = data[(close + 1)..];
        if (!after.IsEmpty)
        {
            if (after[0] != (byte)' ') return 3; // ")R": state is not where it belongs
            after = after[1..];
        }
        var c = new Cursor(after);
        if (!c.Char(out char state)) return c.Error; s.State = state;
        if (!c.Int(out int v)) return c.Error; s.Ppid = v;
        if (!c.Int(out v)) return c.Error; s.Pgrp = v;
        if (!c.Int(out v)) return c.Error; s.Session = v;
        if (!c.Int(out v)) return c.Error; s.TtyNr = v;
        if (!c.Int(out v)) return c.Error; s.Tpgid = v;
        if (!c.UInt(out uint f)) return c.Error; s.Flags = f;
        if (!c.ULong(out ulong u)) return c.Error; s.MinFlt = u;
        if (!c.ULong(out u)) return c.Error; s.CMinFlt = u;
        if (!c.ULong(out u)) return c.Error; s.MajFlt = u;
        if (!c.ULong(out u)) return c.Error; s.CMajFlt = u;
        if (!c.ULong(out u)) return c.Error; s.UTime = u;
        if (!c.ULong(out u)) return c.Error; s.STime = u;
        if (!c.Long(out long l)) return c.Error; s.CUTime = l;
        if (!c.Long(out l)) return c.Error; s.CSTime = l;
        if (!c.Int(out v)) return c.Error; s.Priority = v;
        if (!c.Int(out v)) return c.Error; s.Nice = v;
        if (!c.Int(out v)) return c.Error; s.NumThreads = v;
        if (!c.Skip(1)) return c.Error; // itrealvalue
        if (!c.ULong(out u)) return c.Error; s.StartTime = u;
        if (!c.ULong(out u)) return c.Error; s.VSize = u;
        if (!c.ULong(out u)) return c.Error; s.Rss = u;
        if (!c.Skip(14)) return c.Error; // rsslim … exit_signal
        if (!c.Int(out v)) return c.Error; s.Processor = v;
        // Later fields (rt_priority, policy, guest_time, … 52 on 6.18) are not needed, and more get appended.
        return 0;
    }

    /// <summary>Walks the fields after comm, remembering which one failed and whether it was absent or bad.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> rest)
    {
        private ReadOnlySpan<byte> _rest = rest;
        private int _field = 2; // comm was field 2

        public int Error { get; private set; }

        private bool Next(out ReadOnlySpan<byte> token)
        {
            _field++;
            // The kernel separates fields by exactly one space: an empty field is malformed, not skipped.
            if (!_rest.IsEmpty)
            {
                int end = _rest.IndexOf((byte)' ');
                token = end < 0 ? _rest : _rest[..end];
                _rest = end < 0 ? default : _rest[(end + 1)..];
                if (token.IsEmpty) { Error = _field; return false; }
                return true;
            }
            token = default;
            Error = _field + MissingFlag;
            return false;
        }

        private bool Check(bool ok)
        {
            if (!ok) Error = _field;
            return ok;
        }

        public bool Char(out char value)
        {
            value = default;
            if (!Next(out var t)) return false;
            if (t.Length == 1) value = (char)t[0];
            return Check(t.Length == 1);
        }

        public bool Int(out int value)
        {
            value = 0;
            return Next(out var t) && Check(Utf8.TryParseInt32(t, out value));
        }

        public bool UInt(out uint value)
        {
            value = 0;
            if (!Next(out var t)) return false;
            bool ok = Utf8.TryParseUInt64(t, out ulong u) && u <= uint.MaxValue;
            value = (uint)u;
            return Check(ok);
        }

        public bool Long(out long value)
        {
            value = 0;
            return Next(out var t) && Check(Utf8.TryParseInt64(t, out value));
        }

        public bool ULong(out ulong value)
        {
            value = 0;
            return Next(out var t) && Check(Utf8.TryParseUInt64(t, out value));
        }

        public bool Skip(int count)
        {
            for (int i = 0; i < count; i++)
                if (!Next(out _)) return false;
            return true;
        }
    }

    [InlineArray(CommCapacity)]
    private struct CommBuffer
    {
        private byte _element0;
    }
}
