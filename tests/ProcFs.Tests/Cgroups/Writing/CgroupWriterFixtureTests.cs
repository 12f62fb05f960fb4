using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups.Writing;

/// <summary>What the writers put into each file (fixture trees stand in for v2, which this host lacks).</summary>
public sealed class CgroupWriterFixtureTests
{
    private readonly CgroupWriter _w = new();

    private static string Raw(string dir, string file) => File.ReadAllText(Path.Combine(dir, file));

    [Fact]
    public void V2_cpu_max_is_one_write_of_quota_and_period()
    {
        using var t = new TempTree();
        string g = CgroupFixtures.V2(t);
        var r = Assert.Single(_w.SetCpuLimit(g, CgroupVersion.V2, 50_000, 100_000));
        Assert.Equal("50000 100000", Raw(g, "cpu.max"));
        Assert.Equal(new WriteResult(Path.Combine(g, "cpu.max"), "max 100000", "50000 100000"), r);

        r = Assert.Single(_w.SetCpuLimit(g, CgroupVersion.V2, null, 100_000));
        Assert.Equal("max 100000", Raw(g, "cpu.max"));
        Assert.Equal(("50000 100000", "max 100000"), (r.Before, r.After));

        _w.SetCpuLimit(g, CgroupVersion.V2, 1000, 1000);
        Assert.Equal("1000 1000", Raw(g, "cpu.max"));
        _w.SetCpuLimit(g, CgroupVersion.V2, CgroupWriter.MaxCfsQuotaUsec, 1_000_000);
        Assert.Equal("17592186044415 1000000", Raw(g, "cpu.max"));
    }

    [Fact]
    public void V2_memory_pids_weight_cpuset_texts()
    {
        using var t = new TempTree();
        string g = CgroupFixtures.V2(t);

        var m = _w.SetMemoryMax(g, CgroupVersion.V2, 256L << 20);
        Assert.Equal("268435456", Raw(g, "memory.max"));
        Assert.Equal(("max", "268435456"), (m.Before, m.After));
        Assert.True(m.Changed);
        _w.SetMemoryMax(g, CgroupVersion.V2, null);
        Assert.Equal("max", Raw(g, "memory.max"));

        Assert.Equal("134217728", _w.SetMemoryHigh(g, CgroupVersion.V2, 128L << 20).After);
        Assert.Equal("134217728", Raw(g, "memory.high"));
        _w.SetMemoryHigh(g, CgroupVersion.V2, null);
        Assert.Equal("max", Raw(g, "memory.high"));

        Assert.Equal("0", _w.SetMemorySwapMax(g, CgroupVersion.V2, 0).After);
        _w.SetMemorySwapMax(g, CgroupVersion.V2, null);
        Assert.Equal("max", Raw(g, "memory.swap.max"));

        var p = _w.SetPidsMax(g, 8);
        Assert.Equal(("max", "8"), (p.Before, p.After));
        Assert.Equal("8", Raw(g, "pids.max"));
        _w.SetPidsMax(g, null);
        Assert.Equal("max", Raw(g, "pids.max"));
        _w.SetPidsMax(g, 0);
        Assert.Equal("0", Raw(g, "pids.max"));

        var w = _w.SetCpuWeight(g, CgroupVersion.V2, 250);
        Assert.Equal(("100", "250"), (w.Before, w.After));
        Assert.Equal("250", Raw(g, "cpu.weight"));

        var c = _w.SetCpusetCpus(g, " 0-3,5\n");
        Assert.Equal(("", "0-3,5"), (c.Before, c.After));
        Assert.Equal("0-3,5", Raw(g, "cpuset.cpus"));
        _w.SetCpusetMems(g, "0");
        Assert.Equal("0", Raw(g, "cpuset.mems"));
    }

    [Fact]
    public void V1_fixture_texts_and_weight_conversion()
    {
        using var t = new TempTree();
        string g = CgroupFixtures.V1(t);

        var r = _w.SetCpuLimit(g, CgroupVersion.V1, 20_000, 50_000);
        Assert.Equal("50000", Raw(g, "cpu.cfs_period_us"));
        Assert.Equal("20000", Raw(g, "cpu.cfs_quota_us"));
        Assert.Equal(new[] { ("100000", "50000"), ("-1", "20000") }, r.Select(x => (x.Before, x.After)));

        // Only files whose value changes are written.
        File.WriteAllText(Path.Combine(g, "cpu.cfs_period_us"), "50000\n");
        r = _w.SetCpuLimit(g, CgroupVersion.V1, null, 50_000);
        Assert.Equal("50000\n", Raw(g, "cpu.cfs_period_us"));
        Assert.Equal("-1", Raw(g, "cpu.cfs_quota_us"));
        Assert.False(r[0].Changed);

        Assert.Equal("1024", _w.SetCpuWeight(g, CgroupVersion.V1, 100).After);
        Assert.Equal("10", _w.SetCpuWeight(g, CgroupVersion.V1, 1).After);
        Assert.Equal("102400", _w.SetCpuWeight(g, CgroupVersion.V1, 10_000).After);
        Assert.Equal("512", _w.SetCpuShares(g, CgroupVersion.V1, 512).After);
        Assert.Equal("-1", _w.SetMemoryMax(g, CgroupVersion.V1, null).After);
        Assert.Equal("-1", _w.SetMemorySwapMax(g, CgroupVersion.V1, null).After);
    }

    [Theory]
    [InlineData(4, 41)]  // 40.96 → the kernel rounds to closest
    [InlineData(1, 10)]
    [InlineData(3, 31)]
    public void Weight_to_shares_rounds_like_the_kernel(int weight, long shares) =>
        Assert.Equal(shares, CgroupWriter.WeightToShares(weight));

    [Theory]
    // old quota, old period, new quota, new period, period first?
    [InlineData(null, 100_000L, 50_000L, 200_000L, true)]    // from unlimited: (new period, unlimited) is the old ratio
    [InlineData(50_000L, 100_000L, null, 200_000L, false)]   // to unlimited: quota first
    [InlineData(50_000L, 100_000L, 20_000L, 50_000L, false)] // 0.5 → 0.4: (20000/100000)=0.2 vs (50000/50000)=1 → neither in range, lower first
    [InlineData(40_000L, 100_000L, 90_000L, 150_000L, true)] // 0.4 → 0.6: 40000/150000 lower
    [InlineData(50_000L, 100_000L, 30_000L, 50_000L, false)] // 0.5 → 0.6: via period 1.0, via quota 0.3; neither, lower first
    [InlineData(20_000L, 100_000L, 50_000L, 120_000L, true)] // 0.2 → 0.417: via period 0.167, via quota 0.5
    [InlineData(80_000L, 100_000L, 60_000L, 150_000L, true)] // 0.8 → 0.4: via period 0.533, via quota 0.6, both in range
    [InlineData(80_000L, 150_000L, 60_000L, 100_000L, false)]// 0.533 → 0.6: via quota 0.4 is the lower
    [InlineData(null, 100_000L, null, 200_000L, true)]
    public void V1_write_order_keeps_the_intermediate_ratio_in_range_when_possible(long? oq, long op, long? nq, long np, bool periodFirst) =>
        Assert.Equal(periodFirst, CgroupWriter.PeriodFirst(oq, op, nq, np));

    [Fact]
    public void CreateV2_enables_the_offered_controllers_in_the_parent()
    {
        using var t = new TempTree();
        t.Write("parent/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        t.Write("parent/cgroup.subtree_control", "memory\n");
        var lc = new CgroupLifecycle();
        var enabled = lc.CreateV2(t.Path("parent/ctop-test-child"));
        Assert.True(Directory.Exists(t.Path("parent/ctop-test-child")));
        Assert.Equal("+cpu +pids +io +cpuset", File.ReadAllText(t.Path("parent/cgroup.subtree_control")));
        // The fixture file now holds only what was written; the kernel would list memory too.
        Assert.Equal(new[] { "cpu", "pids", "io", "cpuset" }, enabled);
    }

    [Fact]
    public void CreateV2_without_controllers_to_enable_writes_nothing_and_existing_dirs_are_not_adopted()
    {
        using var t = new TempTree();
        t.Write("parent/cgroup.controllers", "cpu memory\n");
        t.Write("parent/cgroup.subtree_control", "cpu memory\n");
        var lc = new CgroupLifecycle();
        Assert.Equal(new[] { "cpu", "memory" }, lc.CreateV2(t.Path("parent/a")));
        Assert.Equal("cpu memory\n", File.ReadAllText(t.Path("parent/cgroup.subtree_control")));

        t.Write("parent/b/keep", "x");
        var ex = Assert.Throws<CgroupWriteException>(() => lc.CreateV2(t.Path("parent/b")));
        Assert.Equal(17, ex.Errno);
        Assert.Contains("already exists", ex.Rule);
        Assert.True(File.Exists(t.Path("parent/b/keep")));

        var notV2 = Assert.Throws<CgroupWriteException>(() => lc.CreateV2(t.Path("elsewhere/c")));
        Assert.Contains("not a cgroup v2 directory", notV2.Rule);
        Assert.False(Directory.Exists(t.Path("elsewhere/c")));
    }

    [Fact]
    public void CreateV2_removes_its_directory_when_enabling_fails()
    {
        using var t = new TempTree();
        t.Write("parent/cgroup.controllers", "cpu\n");
        t.Write("parent/cgroup.subtree_control/x", "a directory where a file should be: open fails with EISDIR");
        var lc = new CgroupLifecycle();
        var ex = Assert.Throws<CgroupWriteException>(() => lc.CreateV2(t.Path("parent/ctop-test-c")));
        Assert.Equal("cgroup.subtree_control", Path.GetFileName(ex.FilePath));
        Assert.Equal("+cpu", ex.Value);
        Assert.False(Directory.Exists(t.Path("parent/ctop-test-c")));
    }

    [Fact]
    public void Explanations_distinguish_no_permission_from_a_kernel_rule()
    {
        Assert.Equal("needs root (or write access to /x/cpu.max)", CgroupWriter.Explain("/x/cpu.max", 13, openFailed: true));
        Assert.Equal("needs root (or write access to /x/cpu.max)", CgroupWriter.Explain("/x/cpu.max", 1, openFailed: true));
        Assert.Contains("hierarchy or delegation rule", CgroupWriter.Explain("/x/cpu.max", 13, openFailed: false));
        Assert.Contains("v1 cpuset needs cpuset.cpus and cpuset.mems", CgroupWriter.Explain("/x/cgroup.procs", 28, false));
        Assert.Equal("no such process", CgroupWriter.Explain("/x/cgroup.procs", 3, false));
        var ex = new CgroupWriteException("/sys/fs/cgroup/memory/g/memory.limit_in_bytes", "10485760", 16,
            "usage cannot be reclaimed below the new limit; the old limit 268435456 stays");
        Assert.Equal("memory.limit_in_bytes: 10485760 refused by the kernel (EBUSY: usage cannot be reclaimed below the new limit; the old limit 268435456 stays)", ex.Message);
        Assert.Equal("EBUSY", ex.ErrnoName);
    }
}
