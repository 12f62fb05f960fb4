using Ctop.Cli;
using Ctop.Lxcfs;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Lxcfs;

/// <summary>The views as pure functions of host text and cgroup values, and the quirks one by one.</summary>
public class LxcfsViewTests
{
    private const string HostMeminfo =
        "MemTotal:       24683620 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nBuffers:            1000 kB\nCached:          1000000 kB\n" +
        "SwapCached:            0 kB\nActive:           500000 kB\nInactive:         400000 kB\nActive(anon):     100000 kB\nInactive(anon):   200000 kB\n" +
        "Active(file):     400000 kB\nInactive(file):   200000 kB\nMlocked:           11392 kB\nSwapTotal:       2097152 kB\nSwapFree:        2097152 kB\n" +
        "AnonPages:        300000 kB\nMapped:            50000 kB\nShmem:              8000 kB\nAnonHugePages:      2048 kB\nHugePages_Total:       0\n";

    private static MemoryCounters Counters(ulong cache = 4096 * 1024) =>
        new(cache, 1024 * 1024, 2048 * 1024, 3072 * 1024, 1024 * 1024, 0, 0, 0, 512 * 1024, 256 * 1024, 2048 * 1024);

    private static Dictionary<string, string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l.Split(':')[0], l => l);

    [Fact]
    public void MeminfoRewritesTheMemoryLinesAndKeepsTheHostsOthers()
    {
        var m = new MemoryInputs(false, 100 << 20, 256 << 20, Counters(), new SwapInputs(384UL << 20, (100 << 20) + (10 << 20)));
        var l = Lines(MeminfoView.Render(HostMeminfo, m, LxcfsQuirks.Ctop));
        Assert.Equal("MemTotal:         262144 kB", l["MemTotal"]);
        Assert.Equal("MemFree:          159744 kB", l["MemFree"]);
        Assert.Equal("MemAvailable:     163840 kB", l["MemAvailable"]); // + cache (5.0.x)
        Assert.Equal("Cached:             4096 kB", l["Cached"]);
        Assert.Equal("Buffers:               0 kB", l["Buffers"]);
        Assert.Equal("Active:             4096 kB", l["Active"]);
        Assert.Equal("Inactive:           3072 kB", l["Inactive"]);
        Assert.Equal("AnonPages:          2560 kB", l["AnonPages"]);
        Assert.Equal("AnonHugePages:      2048 kB", l["AnonHugePages"]);
        // v1: SwapTotal is the memory+swap limit (swap part + MemTotal), capped by the host's swap.
        Assert.Equal("SwapTotal:        393216 kB", l["SwapTotal"]);
        Assert.Equal("SwapFree:         382976 kB", l["SwapFree"]);
        Assert.Equal("Mlocked:           11392 kB", l["Mlocked"]);
        Assert.Equal("HugePages_Total:       0", l["HugePages_Total"]);
    }

    [Fact]
    public void WithoutALimitMemTotalIsTheHostsAndALimitAboveRamToo()
    {
        foreach (ulong? limit in new ulong?[] { null, 64UL << 40 })
        {
            var m = new MemoryInputs(true, 1 << 20, limit, MemoryCounters.Zero);
            Assert.Equal("MemTotal:       24683620 kB", Lines(MeminfoView.Render(HostMeminfo, m, LxcfsQuirks.Ctop))["MemTotal"]);
        }
    }

    [Fact]
    public void V2SwapIsSwapMaxAndSwappinessZeroHidesTheRoom()
    {
        var m = new MemoryInputs(true, 1 << 20, 256 << 20, MemoryCounters.Zero, new SwapInputs(64UL << 20, 1 << 20));
        Assert.Equal("SwapTotal:         65536 kB", Lines(MeminfoView.Render(HostMeminfo, m, LxcfsQuirks.Ctop))["SwapTotal"]);
        var none = m with { Swap = new SwapInputs(64UL << 20, 1 << 20, Swappiness: 0) };
        Assert.Equal("SwapTotal:          1024 kB", Lines(MeminfoView.Render(HostMeminfo, none, LxcfsQuirks.Ctop))["SwapTotal"]);
    }

    [Fact]
    public void UsageAboveTheLimitFloorsMemFreeUnlessLxcfsWrapIsAskedFor()
    {
        var m = new MemoryInputs(false, 300 << 20, 256 << 20, MemoryCounters.Zero);
        Assert.Equal("MemFree:               0 kB", Lines(MeminfoView.Render(HostMeminfo, m, LxcfsQuirks.Ctop))["MemFree"]);
        Assert.Equal("MemFree:        18446744073709506560 kB", Lines(MeminfoView.Render(HostMeminfo, m, LxcfsQuirks.Lxcfs503))["MemFree"]);
    }

    [Fact]
    public void LxcfsPrefixMatchingLosesRssHugeOnV1AndFileMappedOnV2()
    {
        var v1 = MemoryStat.Parse("total_cache 4096\ntotal_rss 8192\ntotal_rss_huge 2097152\ntotal_mapped_file 4096\n"u8, "memory.stat");
        Assert.Equal(2097152UL, MemoryCounters.From(v1, false, LxcfsQuirks.Ctop).RssHuge);
        Assert.Equal(0UL, MemoryCounters.From(v1, false, LxcfsQuirks.Lxcfs503).RssHuge);
        var v2 = MemoryStat.Parse("anon 8192\nfile 4096\nfile_mapped 4096\nfile_dirty 4096\n"u8, "memory.stat");
        Assert.Equal((4096UL, 4096UL), (MemoryCounters.From(v2, true, LxcfsQuirks.Ctop).Mapped, MemoryCounters.From(v2, true, LxcfsQuirks.Ctop).Dirty));
        Assert.Equal((0UL, 0UL), (MemoryCounters.From(v2, true, LxcfsQuirks.Lxcfs503).Mapped, MemoryCounters.From(v2, true, LxcfsQuirks.Lxcfs503).Dirty));
    }

    [Fact]
    public void SwapsShowOneVirtualDeviceAndOn503V2AddTheLimit()
    {
        var v1 = new MemoryInputs(false, 100 << 20, 256 << 20, MemoryCounters.Zero, new SwapInputs(384UL << 20, 110 << 20));
        Assert.Equal(SwapsView.Header + "none" + new string(' ', 36) + "virtual\t\t393216\t10240\t0\n", SwapsView.Render(HostMeminfo, v1, LxcfsQuirks.Ctop));
        var v2 = new MemoryInputs(true, 100 << 20, 256 << 20, MemoryCounters.Zero, new SwapInputs(64UL << 20, 0));
        Assert.Contains("virtual\t\t65536\t0\t0\n", SwapsView.Render(HostMeminfo, v2, LxcfsQuirks.Ctop));
        Assert.Contains("virtual\t\t327680\t0\t0\n", SwapsView.Render(HostMeminfo, v2, LxcfsQuirks.Lxcfs503));
        Assert.Equal(SwapsView.Header, SwapsView.Render(HostMeminfo.Replace("SwapTotal:       2097152", "SwapTotal:             0"), v1, LxcfsQuirks.Ctop));
    }

    private const string HostCpuinfo =
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncore id\t\t: 0\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\ncore id\t\t: 1\n\n" +
        "processor\t: 2\nvendor_id\t: AuthenticAMD\ncore id\t\t: 2\n\nprocessor\t: 3\nvendor_id\t: AuthenticAMD\ncore id\t\t: 3\n\n";

    private static CpuInputs Cpu(string cpuset, long? quota = null, CpuTicks[]? usage = null) =>
        new(CpuList.Parse(System.Text.Encoding.ASCII.GetBytes(cpuset), "cpuset.cpus"), quota, quota is null ? null : 100000, usage, 4);

    [Fact]
    public void CpuinfoKeepsTheCpusetsBlocksRenumberedAndWithCfsStopsAtTheQuota()
    {
        var plain = CpuinfoView.Render(HostCpuinfo, Cpu("1,3", quota: 50000), cfs: false);
        Assert.Equal("processor\t: 0\nvendor_id\t: AuthenticAMD\ncore id\t\t: 1\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\ncore id\t\t: 3\n\n", plain);
        Assert.Equal(1, CpuinfoView.CountProcessors(CpuinfoView.Render(HostCpuinfo, Cpu("1,3", quota: 50000), cfs: true)));
        Assert.Equal(2, CpuinfoView.CountProcessors(CpuinfoView.Render(HostCpuinfo, Cpu("0-3", quota: 150000), cfs: true)));
        Assert.Equal(4, CpuinfoView.CountProcessors(CpuinfoView.Render(HostCpuinfo, Cpu("0-3"), cfs: true)));
    }

    [Fact]
    public void MaxCpusRoundsTheQuotaUpAndCapsAtTheCpuset()
    {
        Assert.Equal(1, Cpu("0-3", 50000).MaxCpus);
        Assert.Equal(2, Cpu("0-3", 150000).MaxCpus);
        Assert.Equal(4, Cpu("0-3", 900000).MaxCpus); // capped at the online CPUs
        Assert.Equal(2, Cpu("2-3", 300000).MaxCpus);
        Assert.Equal(3, Cpu("0-2").MaxCpus);
        Assert.Equal(1.5, Cpu("0-3", 150000).ExactCpus);
    }

    [Fact]
    public void CpuOnlineIsTheCpusetOrWithCfsTheVisibleCount()
    {
        Assert.Equal("1,3\n", CpuOnlineView.Render(Cpu("1,3", 50000), cfs: false));
        Assert.Equal("0\n", CpuOnlineView.Render(Cpu("1,3", 50000), cfs: true));
        Assert.Equal("0-1\n", CpuOnlineView.Render(Cpu("0-3", 150000), cfs: true));
    }

    private const string HostStat =
        "cpu  4000 40 400 40000 40 4 4 4 0 0\ncpu0 1000 10 100 10000 10 1 1 1 0 0\ncpu1 1000 10 100 10000 10 1 1 1 0 0\n" +
        "cpu2 1000 10 100 10000 10 1 1 1 0 0\ncpu3 1000 10 100 10000 10 1 1 1 0 0\nintr 1 2 3\nctxt 99\nbtime 1700000000\nprocesses 5\n";

    [Fact]
    public void PlainStatKeepsPhysicalNumbersAndGivesTheRestToIdle()
    {
        var usage = new[] { new CpuTicks(0, 0), new CpuTicks(300, 20), new CpuTicks(5, 5), new CpuTicks(600, 60) };
        var stat = StatView.Render(HostStat, Cpu("1,3", usage: usage), cfs: false);
        // idle = host idle + host busy − cgroup busy: 10000 + 1123 − 320 = 10803 (cpu1), 10000 + 1123 − 660 = 10463 (cpu3)
        Assert.Equal("cpu  900 0 80 21266 0 0 0 0 0 0\ncpu1 300 0 20 10803 0 0 0 0 0 0\ncpu3 600 0 60 10463 0 0 0 0 0 0\nintr 1 2 3\nctxt 99\nbtime 1700000000\nprocesses 5\n", stat);
        // Without cpuacct (pure v2) the host's lines are copied, numbers kept.
        Assert.StartsWith("cpu  2000 20 200 20000 20 2 2 2 0 0\ncpu1 1000 10 100", StatView.Render(HostStat, Cpu("1,3"), cfs: false));
    }

    [Fact]
    public void CfsStatRenumbersFoldsAndCutsIdleToTheQuota()
    {
        var usage = new[] { new CpuTicks(0, 0), new CpuTicks(300, 20), new CpuTicks(5, 5), new CpuTicks(600, 60) };
        var stat = StatView.Render(HostStat, Cpu("1,3", quota: 50000, usage: usage), cfs: true);
        // One visible CPU (0.5 rounded up): cpu3's 600+60 ticks fold onto cpu1 (threshold 22246 / 4 CPUs × 1), then the
        // 0.5 quota takes half of the view's 11123 ticks out of idle: 10143 − 5561 = 4582.
        Assert.StartsWith("cpu  900 0 80 4582 0 0 0 0 0 0\ncpu0 900 0 80 4582 0 0 0 0 0 0\nintr", stat);
        Assert.EndsWith("intr 1 2 3\nctxt 99\nbtime 1700000000\nprocesses 5\n", stat);
    }

    [Fact]
    public void PercpuFallbackPutsUsageInUserUnlessLxcfsDoubleCountingIsAskedFor()
    {
        ulong[] perCpu = [2_000_000_000, 500_000_000];
        Assert.Equal([new CpuTicks(200, 0), new CpuTicks(50, 0)], CpuTicks.From(null, perCpu, 100, LxcfsQuirks.Ctop)!);
        Assert.Equal([new CpuTicks(200, 200), new CpuTicks(50, 50)], CpuTicks.From(null, perCpu, 100, LxcfsQuirks.Lxcfs503)!);
    }

    [Fact]
    public void UptimeIsTheInitsAgeAndIdleSubtractsTheCgroupsBusyTime()
    {
        Assert.Equal("30.00 28.50\n", UptimeView.Render(new UptimeInputs(80.0004, 5000, 100, 1_500_000_000)));
        Assert.Equal("30.00 30.00\n", UptimeView.Render(new UptimeInputs(80, 5000, 100, null)));
        Assert.Equal("30.00 30.00\n", UptimeView.Render(new UptimeInputs(80, 5000, 100, 40_000_000_000))); // busier than old: idle = age
    }

    [Fact]
    public void LoadAveragesFollowTheKernelsFixedPoint()
    {
        var load = new LoadAverage();
        Assert.Equal("0.00 0.00 0.00 0/1 42\n", LoadavgView.FirstRead(42));
        for (int i = 0; i < 3; i++) load.Tick(2);
        // Two busy tasks for 15 s: 2 × (1 − e^(−15/60)) ≈ 0.44, computed in 11-bit fixed point (checked by hand).
        Assert.Equal("0.44 0.10 0.03 2/4 99\n", LoadavgView.Render(load, new TaskCount(2, 4, 99)));
    }

    [Fact]
    public void ProcCommandRendersFixtureFilesAndRefusesPidWithCgroup()
    {
        using var t = HostFixtures.HybridHost().WithProc((777, "box", 1, 1));
        t.Write("proc/cpuinfo", HostCpuinfo);
        var mem = LxcfsComparisonTests.CtopProc("meminfo", "--cgroup", "/ctop/box", "--proc-root", t.ProcRoot(), "--cgroup-root", t.CgroupRoot());
        Assert.StartsWith("MemTotal:         262144 kB\nMemFree:          261120 kB\n", mem);
        Assert.Equal("0-1\n", LxcfsComparisonTests.CtopProc("cpu-online", "--pid", "777", "--proc-root", t.ProcRoot(), "--cgroup-root", t.CgroupRoot()));
        // The box's quota is 0.2 CPU; 5.0.3 read it with the cpuset path ("/": no quota) and so shows both CPUs.
        Assert.Equal("0\n", LxcfsComparisonTests.CtopProc("cpu-online", "--pid", "777", "--cfs", "--proc-root", t.ProcRoot(), "--cgroup-root", t.CgroupRoot()));
        Assert.Equal("0-1\n", LxcfsComparisonTests.CtopProc("cpu-online", "--pid", "777", "--cfs", "--lxcfs-bugs", "--proc-root", t.ProcRoot(), "--cgroup-root", t.CgroupRoot()));

        var root = new System.CommandLine.RootCommand { LxcfsCommands.CreateProcCommand() };
        var parsed = root.Parse(["proc", "meminfo", "--pid", "1", "--cgroup", "/x"]);
        Assert.Contains(parsed.Errors, e => e.Message.Contains("cannot be used together", StringComparison.Ordinal));
        Assert.NotEmpty(root.Parse(["proc", "diskstats"]).Errors);
    }
}
