using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>A cpu line of /proc/stat, in USER_HZ ticks. Fields a kernel does not print are 0.</summary>
public readonly record struct CpuTimes(
    ulong User, ulong Nice, ulong System, ulong Idle, ulong IoWait,
    ulong Irq, ulong SoftIrq, ulong Steal, ulong Guest, ulong GuestNice)
{
    /// <summary>All time; guest and guest_nice are left out because user and nice already include them.</summary>
    public ulong Total => User + Nice + System + Idle + IoWait + Irq + SoftIrq + Steal;

    public ulong Busy => Total - Idle - IoWait;

    /// <summary>Parses the numbers after the "cpu"/"cpuN" label; at least user nice system idle are required.</summary>
    public static bool TryParse(ReadOnlySpan<byte> numbers, out CpuTimes times)
    {
        times = default;
        Span<ulong> v = stackalloc ulong[10];
        int n = 0;
        while (Fields.Next(ref numbers, out var t))
        {
            if (!Utf8.TryParseUInt64(t, out ulong x)) return false;
            if (n < v.Length) v[n] = x; // later kernels may append fields; ignore them
            n++;
        }
        if (n < 4) return false;
        times = new CpuTimes(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
        return true;
    }
}

/// <summary>One per-CPU line: CPU numbers may have gaps (offline CPUs, lxcfs keeps physical numbers).</summary>
public readonly record struct PerCpuTimes(int Cpu, CpuTimes Times);

/// <summary>/proc/stat: CPU times, boot time and process counters. intr/softirq lines are skipped.</summary>
public sealed class SystemStat
{
    /// <summary>The aggregate "cpu" line.</summary>
    public CpuTimes Cpu { get; private set; }
    /// <summary>"cpuN" lines in file order.</summary>
    public IReadOnlyList<PerCpuTimes> Cpus { get; private set; } = [];
    /// <summary>Boot time, seconds since the epoch.</summary>
    public long BootTime { get; private set; }
    /// <summary>Forks since boot.</summary>
    public ulong Processes { get; private set; }
    public int ProcsRunning { get; private set; }
    public int ProcsBlocked { get; private set; }
    /// <summary>Context switches since boot.</summary>
    public ulong ContextSwitches { get; private set; }

    public static SystemStat Parse(ReadOnlySpan<byte> data, string filePath)
    {
        var s = new SystemStat();
        var cpus = new List<PerCpuTimes>();
        bool sawCpu = false;
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            var rest = line;
            if (!Fields.Next(ref rest, out var key)) continue;
            bool ok = true;
            if (key.StartsWith("cpu"u8))
            {
                if (!CpuTimes.TryParse(rest, out var times)) ok = false;
                else if (key.Length == 3) { s.Cpu = times; sawCpu = true; }
                else if (Utf8.TryParseInt32(key[3..], out int n) && n >= 0) cpus.Add(new PerCpuTimes(n, times));
                else ok = false;
            }
            else if (key.SequenceEqual("btime"u8)) { ok = Utf8.TryParseInt64(Utf8.Trim(rest), out long v); s.BootTime = v; }
            else if (key.SequenceEqual("processes"u8)) { ok = Utf8.TryParseUInt64(Utf8.Trim(rest), out ulong v); s.Processes = v; }
            else if (key.SequenceEqual("procs_running"u8)) { ok = Utf8.TryParseInt32(Utf8.Trim(rest), out int v); s.ProcsRunning = v; }
            else if (key.SequenceEqual("procs_blocked"u8)) { ok = Utf8.TryParseInt32(Utf8.Trim(rest), out int v); s.ProcsBlocked = v; }
            else if (key.SequenceEqual("ctxt"u8)) { ok = Utf8.TryParseUInt64(Utf8.Trim(rest), out ulong v); s.ContextSwitches = v; }
            if (!ok) throw ProcFsFormatException.At(filePath, lines.Number, line, $"bad '{Utf8.Decode(key)}' line");
        }
        // Without the aggregate line nothing downstream can compute CPU%; say so instead of reporting 0.
        if (!sawCpu) throw ProcFsFormatException.At(filePath, 1, FirstLine(data), "no aggregate 'cpu' line");
        s.Cpus = cpus;
        return s;
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> data)
    {
        int nl = data.IndexOf((byte)'\n');
        return nl < 0 ? data : data[..nl];
    }
}
