using ProcFs.Cgroups;
using ProcFs.Parsing;

namespace ProcFs.Tests.Cgroups.Files;

public class CgroupFileReaderTests
{
    [Fact]
    public void Every_read_returns_null_for_a_missing_cgroup()
    {
        using var f = new CgroupFixture();
        var gone = Path.Combine(f.Dir, "vanished");
        var r = f.Reader;
        Assert.Null(r.ReadCpuMax(gone));
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        Assert.Null(r.ReadCfsBandwidth(gone));
        Assert.Null(r.ReadCpuStat(gone, CgroupVersion.V2));
        Assert.Null(r.ReadCpuWeight(gone));
        Assert.Null(r.ReadCpuShares(gone));
        Assert.Null(r.ReadCpuacctUsage(gone));
        Assert.Null(r.ReadCpuacctUsagePerCpu(gone));
        Assert.Null(r.ReadCpuacctStat(gone));
        Assert.Null(r.ReadCpuacctUsageAll(gone));
        Assert.Null(r.ReadCpuList(gone, "cpuset.cpus"));
        Assert.Null(r.ReadMemoryStat(gone));
        Assert.Null(r.ReadMemoryEvents(gone));
        Assert.Null(r.ReadMemoryOomControl(gone));
        Assert.Null(r.ReadCounter(gone, "memory.current"));
        Assert.True(r.ReadLimit(gone, "memory.max").IsMissing);
        Assert.Null(r.ReadPidsEvents(gone));
        Assert.Null(r.ReadIoStat(gone));
        Assert.Null(r.ReadBlkioThrottle(gone));
        Assert.Null(r.ReadPressure(gone, "cpu"));
        // A file path used as a directory (ENOTDIR) is missing too.
        f.Write("plainfile", "x");
        Assert.Null(r.ReadCpuMax(Path.Combine(f.Dir, "plainfile")));
    }

    [Fact]
    public void Directory_with_or_without_trailing_slash()
    {
        using var f = new CgroupFixture();
        f.Write("pids.current", "7\n");
        Assert.Equal(7UL, f.Reader.ReadCounter(f.Dir, "pids.current"));
        Assert.Equal(7UL, f.Reader.ReadCounter(f.Dir + "/", "pids.current"));
        Assert.Equal(ReadStatus.Ok, f.Reader.LastStatus);
    }

    [Fact]
    public void Long_paths_and_large_files_grow_the_reused_buffers()
    {
        using var f = new CgroupFixture();
        var deep = string.Join('/', Enumerable.Range(0, 40).Select(i => $"kubepods-burstable-pod{i:D4}.slice"));
        var dir = Path.Combine(f.Dir, deep);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.stat"), MemoryStatTests.V1 + string.Concat(Enumerable.Range(0, 500).Select(i => $"extra_{i} {i}\n")));
        File.WriteAllText(Path.Combine(dir, "memory.current"), "123\n");
        var s = f.Reader.ReadMemoryStat(dir)!;
        Assert.True(s.TryGet("extra_499", out var v) && v == 499);
        Assert.Equal(178778112UL, s.TotalInactiveFileBytes);
        // The buffers are reused: a following small read sees only its own content.
        Assert.Equal(123UL, f.Reader.ReadCounter(dir, "memory.current"));
    }

    [Fact]
    public void Errors_carry_the_full_path_read()
    {
        using var f = new CgroupFixture();
        var path = f.Write("cpu.max", "bogus\n");
        var e = Assert.Throws<ProcFsFormatException>(() => f.Reader.ReadCpuMax(f.Dir));
        Assert.Equal(path, e.FilePath);
    }
}

public class CgroupFileReaderAllocationTests
{
    [Fact]
    public void Hot_reads_of_value_files_allocate_nothing_once_warm()
    {
        using var f = new CgroupFixture();
        f.Write("cpu.max", "20000 100000\n");
        f.Write("cpu.stat", "usage_usec 1\nuser_usec 1\nsystem_usec 0\nnr_periods 5\nnr_throttled 1\nthrottled_usec 9\n");
        f.Write("memory.current", "123456\n");
        f.Write("memory.max", "max\n");
        f.Write("cpu.pressure", "some avg10=2.22 avg60=13.43 avg300=6.56 total=31778479\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        f.Write("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        var r = f.Reader;
        var dir = f.Dir;
        var gone = Path.Combine(dir, "gone");
        void ReadAll()
        {
            r.ReadCpuMax(dir);
            r.ReadCpuStat(dir, CgroupVersion.V2);
            r.ReadCounter(dir, "memory.current");
            r.ReadLimit(dir, "memory.max");
            r.ReadPressure(dir, "cpu");
            r.ReadMemoryEvents(dir);
            r.ReadCpuMax(gone);
        }
        // First calls allocate for JIT tiering and static init; take the best of a few rounds.
        long best = long.MaxValue;
        for (int round = 0; round < 5 && best > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) ReadAll();
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, best);
    }
}
