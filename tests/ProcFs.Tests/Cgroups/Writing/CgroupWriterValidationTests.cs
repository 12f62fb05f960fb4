using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups.Writing;

/// <summary>Every invalid value is refused before anything is written, naming the file and the rule.</summary>
public sealed class CgroupWriterValidationTests
{
    private readonly CgroupWriter _w = new();

    private static void Refused(Action write, TempTree t, string file, string value, string rulePart)
    {
        var snap = CgroupFixtures.Snapshot(t.Root);
        var ex = Assert.Throws<CgroupWriteException>(write);
        Assert.Null(ex.Errno);
        Assert.Equal(file, Path.GetFileName(ex.FilePath));
        Assert.Equal(value, ex.Value);
        Assert.Contains(rulePart, ex.Rule);
        Assert.StartsWith($"{file}: {value.Replace("\n", "\\n")} refused: ", ex.Message);
        Assert.EndsWith(ex.Rule, ex.Message);
        CgroupFixtures.AssertUnchanged(snap, t.Root);
    }

    [Theory]
    [InlineData(999L, "at least 1000 µs (1 ms)")]
    [InlineData(0L, "pass no quota for unlimited")]
    [InlineData(-1L, "pass no quota for unlimited")]
    [InlineData(17592186044416L, "at most 17592186044415 µs")]
    [InlineData(long.MaxValue, "max_cfs_runtime")]
    public void Quota_out_of_range_is_refused_on_both_versions(long quota, string rule)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t), v2 = CgroupFixtures.V2(t);
        Refused(() => _w.SetCpuLimit(v1, CgroupVersion.V1, quota, 100_000), t, "cpu.cfs_quota_us", quota.ToString(), rule);
        Refused(() => _w.SetCpuLimit(v2, CgroupVersion.V2, quota, 100_000), t, "cpu.max", $"{quota} 100000", rule);
    }

    [Theory]
    [InlineData(999L)]
    [InlineData(1_000_001L)]
    [InlineData(0L)]
    [InlineData(-100_000L)]
    public void Period_out_of_range_is_refused_on_both_versions(long period)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t), v2 = CgroupFixtures.V2(t);
        const string rule = "the period must be between 1000 µs (1 ms) and 1000000 µs (1 s)";
        Refused(() => _w.SetCpuLimit(v1, CgroupVersion.V1, 50_000, period), t, "cpu.cfs_period_us", period.ToString(), rule);
        Refused(() => _w.SetCpuLimit(v2, CgroupVersion.V2, null, period), t, "cpu.max", $"max {period}", rule);
    }

    [Fact]
    public void Quota_below_the_burst_is_refused()
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t), v2 = CgroupFixtures.V2(t);
        File.WriteAllText(Path.Combine(v1, "cpu.cfs_burst_us"), "60000\n");
        File.WriteAllText(Path.Combine(v2, "cpu.max.burst"), "60000\n");
        Refused(() => _w.SetCpuLimit(v1, CgroupVersion.V1, 50_000, 100_000), t, "cpu.cfs_quota_us", "50000", "at least the burst in cpu.cfs_burst_us (60000 µs)");
        Refused(() => _w.SetCpuLimit(v2, CgroupVersion.V2, 50_000, 100_000), t, "cpu.max", "50000 100000", "at least the burst in cpu.max.burst (60000 µs)");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10_001)]
    [InlineData(int.MinValue)]
    public void Weight_out_of_range_is_refused(int weight)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t), v2 = CgroupFixtures.V2(t);
        Refused(() => _w.SetCpuWeight(v2, CgroupVersion.V2, weight), t, "cpu.weight", weight.ToString(), "between 1 and 10000");
        Refused(() => _w.SetCpuWeight(v1, CgroupVersion.V1, weight), t, "cpu.shares", weight.ToString(), "between 1 and 10000");
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(0L)]
    [InlineData(-1024L)]
    [InlineData(262_145L)]
    public void Shares_out_of_range_are_refused_instead_of_clamped(long shares)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        Refused(() => _w.SetCpuShares(v1, CgroupVersion.V1, shares), t, "cpu.shares", shares.ToString(), "between 2 and 262144");
    }

    [Fact]
    public void Shares_on_v2_are_refused()
    {
        using var t = new TempTree();
        string v2 = CgroupFixtures.V2(t);
        Refused(() => _w.SetCpuShares(v2, CgroupVersion.V2, 1024), t, "cpu.shares", "1024", "exists only on cgroup v1");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(4095L)]
    [InlineData(long.MinValue)]
    public void Memory_limits_below_a_page_are_refused(long bytes)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t), v2 = CgroupFixtures.V2(t);
        string s = bytes.ToString();
        Refused(() => _w.SetMemoryMax(v2, CgroupVersion.V2, bytes), t, "memory.max", s, "at least one page (4096 bytes)");
        Refused(() => _w.SetMemoryMax(v1, CgroupVersion.V1, bytes), t, "memory.limit_in_bytes", s, "at least one page");
        Refused(() => _w.SetMemoryHigh(v2, CgroupVersion.V2, bytes), t, "memory.high", s, "at least one page");
        Refused(() => _w.SetMemorySwapMax(v1, CgroupVersion.V1, bytes), t, "memory.memsw.limit_in_bytes", s, "at least one page");
    }

    [Fact]
    public void Negative_swap_is_refused_but_zero_is_allowed_on_v2()
    {
        using var t = new TempTree();
        string v2 = CgroupFixtures.V2(t);
        Refused(() => _w.SetMemorySwapMax(v2, CgroupVersion.V2, -1), t, "memory.swap.max", "-1", "must not be negative");
        Assert.Equal("0", _w.SetMemorySwapMax(v2, CgroupVersion.V2, 0).After);
    }

    [Fact]
    public void Memory_high_on_v1_is_refused()
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        Refused(() => _w.SetMemoryHigh(v1, CgroupVersion.V1, 1 << 20), t, "memory.high", "1048576", "memory.high exists only on cgroup v2");
    }

    [Fact]
    public void V1_memory_and_memsw_ordering_is_checked_before_writing()
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        File.WriteAllText(Path.Combine(v1, "memory.memsw.limit_in_bytes"), "104857600\n");
        File.WriteAllText(Path.Combine(v1, "memory.limit_in_bytes"), "52428800\n");
        Refused(() => _w.SetMemoryMax(v1, CgroupVersion.V1, 200 << 20), t, "memory.limit_in_bytes", "209715200", "may not exceed memory.memsw.limit_in_bytes (104857600");
        Refused(() => _w.SetMemoryMax(v1, CgroupVersion.V1, null), t, "memory.limit_in_bytes", "-1", "may not exceed memory.memsw.limit_in_bytes");
        Refused(() => _w.SetMemorySwapMax(v1, CgroupVersion.V1, 10 << 20), t, "memory.memsw.limit_in_bytes", "10485760", "at least memory.limit_in_bytes (52428800)");
    }

    [Fact]
    public void V1_swap_without_swap_accounting_is_refused()
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        File.Delete(Path.Combine(v1, "memory.memsw.limit_in_bytes"));
        Refused(() => _w.SetMemorySwapMax(v1, CgroupVersion.V1, 1 << 30), t, "memory.memsw.limit_in_bytes", "1073741824", "swapaccount=1");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(4_194_305L)]
    [InlineData(long.MaxValue)]
    public void Pids_out_of_range_are_refused(long max)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        Refused(() => _w.SetPidsMax(v1, max), t, "pids.max", max.ToString(), "between 0 and 4194304");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("a", "not a number")]
    [InlineData("0-", "not a number")]
    [InlineData("-1", "not a number")]
    [InlineData("0,,1", "not a number")]
    [InlineData("0 1", "not a number")]
    [InlineData("3-1", "runs backwards")]
    [InlineData("0-3,5\n7", "not a number")]
    [InlineData("99999999999", "not a number")]
    [InlineData("0:1", "not a number")]
    public void Cpuset_garbage_is_refused(string list, string rule)
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        Refused(() => _w.SetCpusetCpus(v1, list), t, "cpuset.cpus", list, rule);
        Refused(() => _w.SetCpusetMems(v1, list), t, "cpuset.mems", list, rule);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0-3,5")]
    [InlineData("0-0,2-7,9")]
    public void Cpuset_lists_are_accepted(string list) => Assert.Null(CgroupWriter.ValidateList(list));

    [Fact]
    public void Moving_pid_zero_or_negative_is_refused()
    {
        using var t = new TempTree();
        string v1 = CgroupFixtures.V1(t);
        var lc = new CgroupLifecycle();
        Refused(() => lc.MovePid(v1, 0), t, "cgroup.procs", "0", "positive");
        Refused(() => lc.MovePid(v1, -3), t, "cgroup.procs", "-3", "positive");
    }

    [Theory]
    [InlineData("relative/ctop-test-x")]
    [InlineData("/sys/fs/cgroup/cpu/../cpu/ctop-test-x")]
    [InlineData("/sys/fs/cgroup/cpu/ctop-test-\nx")]
    [InlineData("/")]
    public void Create_refuses_odd_paths_before_any_mkdir(string dir)
    {
        var lc = new CgroupLifecycle();
        var ex = Assert.Throws<CgroupWriteException>(() => lc.Create(new[] { ("cpu", dir) }));
        Assert.Null(ex.Errno);
        Assert.Contains("absolute path with a plain name", ex.Rule);
        Assert.False(Directory.Exists("/sys/fs/cgroup/cpu/ctop-test-x"));
    }

    [Fact]
    public void A_missing_file_is_reported_before_writing()
    {
        using var t = new TempTree();
        string v2 = CgroupFixtures.V2(t);
        File.Delete(Path.Combine(v2, "pids.max"));
        var ex = Assert.Throws<CgroupWriteException>(() => _w.SetPidsMax(v2, 10));
        Assert.Equal(2, ex.Errno);
        Assert.Contains("pids.max does not exist in", ex.Rule);
        Assert.False(File.Exists(Path.Combine(v2, "pids.max")));

        var gone = Assert.Throws<CgroupWriteException>(() => _w.SetPidsMax(t.Path("vanished"), 10));
        Assert.Contains("no longer exists", gone.Rule);
        Assert.StartsWith("pids.max: 10 refused by the kernel (ENOENT: the cgroup ", gone.Message);
    }
}
