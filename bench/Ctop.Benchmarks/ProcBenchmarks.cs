using System.Text;
using BenchmarkDotNet.Attributes;
using ProcFs.Proc;

namespace Ctop.Benchmarks;

/// <summary>The per-process sampling hot path: parsing stat, reading it from the kernel, scanning all of /proc.</summary>
[MemoryDiagnoser]
public class ProcBenchmarks
{
    // A 52-field line of kernel 6.18, as read from /proc/PID/stat.
    private static readonly byte[] StatLine = Encoding.ASCII.GetBytes(
        "3832 (cat) R 3830 3830 2621 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 36854 3133440 391 18446744073709551615 93992444293120 93992444313001 140726277971056 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 93992444329008 93992444330624 93993411928064 140726277978596 140726277978616 140726277978616 140726277980139 0\n");

    private readonly ProcReader _reader = new();
    private readonly List<int> _pids = new(1024);
    private readonly int _self = Environment.ProcessId;

    [Benchmark]
    public ulong ParseStatLine()
    {
        var s = ProcStat.Parse(StatLine, "/proc/3832/stat");
        return s.UTime + s.Rss + (ulong)s.CommBytes.Length;
    }

    [Benchmark]
    public ulong ReadSelfStat()
    {
        _reader.TryReadStat(_self, out var s);
        return s.UTime + s.STime;
    }

    [Benchmark]
    public int ScanAllStats()
    {
        _reader.ListPids(_pids);
        int read = 0;
        foreach (int pid in _pids)
            if (_reader.TryReadStat(pid, out _)) read++;
        return read;
    }

    [Benchmark]
    public int ScanAllStatsWithComm()
    {
        _reader.ListPids(_pids);
        int chars = 0;
        foreach (int pid in _pids)
            if (_reader.TryReadStat(pid, out var s)) chars += s.GetComm(_reader.Comms).Length;
        return chars;
    }
}
