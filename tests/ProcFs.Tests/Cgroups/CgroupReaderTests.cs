using System.Diagnostics;
using System.Globalization;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups;

/// <summary>The one model over v1, hybrid and v2: the same questions answered from each host's files.</summary>
public class CgroupReaderTests
{
    private static CgroupReader Reader(TempTree t) => new(CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot()));

    [Fact]
    public void V2DockerScope()
    {
        using var t = HostFixtures.V2Host();
        var s = Reader(t).Read(HostFixtures.DockerScope)!;
        Assert.Equal(5_000_000_000UL, s.Cpu!.UsageNs);
        Assert.Equal(0.5, s.Cpu.LimitCores);
        Assert.Equal(100, s.Cpu.Weight);
        Assert.Equal(200UL, s.Cpu.NrPeriods);
        Assert.Equal(150UL, s.Cpu.NrThrottled);
        Assert.Equal(3_000_000_000UL, s.Cpu.ThrottledNs);
        Assert.Equal(134217728UL, s.Memory!.UsageBytes);
        Assert.Equal(268435456UL, s.Memory.LimitBytes);
        Assert.Null(s.Memory.HighBytes);
        Assert.Equal(134217728UL - 16777216UL, s.Memory.WorkingSetBytes);
        Assert.Equal(1UL, s.Memory.OomKills);
        Assert.Equal(12UL, s.Pids!.Current);
        Assert.Equal(100UL, s.Pids.Max);
        Assert.Equal(2, s.EffectiveCpus!.Count);
        Assert.Equal(1048576UL, s.Io!.Value.ReadBytes);
        Assert.Equal(12.5, s.Pressure!.Cpu!.Value.Some!.Value.Avg10);
    }

    [Fact]
    public void V2UnlimitedAndTheRoot()
    {
        using var t = HostFixtures.V2Host();
        var r = Reader(t);
        var slice = r.Read("/system.slice")!;
        Assert.Null(slice.Cpu!.LimitCores);
        Assert.Null(slice.Memory!.LimitBytes);
        Assert.Null(slice.Pids!.Max);
        // The v2 root has cpu.stat but no cpu.max or memory.current.
        var root = r.Read("/")!;
        Assert.Equal(98_765_432_000UL, root.Cpu!.UsageNs);
        Assert.Null(root.Cpu.QuotaUsec);
        Assert.Null(root.Memory);
        Assert.Null(r.Read("/no/such/cgroup"));
    }

    [Fact]
    public void V1DockerWithCoMountedCpuAndCpuacct()
    {
        using var t = HostFixtures.V1Host();
        var s = Reader(t).Read("/docker/" + HostFixtures.DockerId)!;
        Assert.Equal(2_500_000_000UL, s.Cpu!.UsageNs);
        Assert.Equal(0.25, s.Cpu.LimitCores);
        Assert.Equal(1024UL, s.Cpu.Shares);
        Assert.Equal(100, s.Cpu.Weight);
        Assert.Equal(60UL, s.Cpu.NrThrottled);
        Assert.Equal(1_500_000_000UL, s.Cpu.ThrottledNs);
        Assert.Equal(134217728UL, s.Memory!.LimitBytes);
        Assert.Equal(134217728UL, s.Memory.HierarchicalLimitBytes);
        Assert.Equal(67108864UL - 4194304UL, s.Memory.WorkingSetBytes);
        Assert.Equal(2UL, s.Memory.OomKills);
        Assert.Equal(50UL, s.Pids!.Max);
        Assert.Equal("1", s.EffectiveCpus!.ToString());
        Assert.Equal(4096UL, s.Io!.Value.ReadBytes);
        Assert.Equal(8192UL, s.Io.Value.WriteBytes);
        Assert.Null(s.Pressure);

        // v1's "unlimited" page-counter maximum reads as no limit.
        var root = Reader(t).Read("/")!;
        Assert.Null(root.Memory!.LimitBytes);
        Assert.Null(root.Memory.HierarchicalLimitBytes);
        Assert.Null(root.Cpu!.LimitCores);
    }

    [Fact]
    public void HybridTakesControllersFromV1AndPressureFromTheUnifiedTree()
    {
        using var t = HostFixtures.HybridHost();
        var s = Reader(t).Read("/ctop/box")!;
        Assert.Equal(1_000_000_000UL, s.Cpu!.UsageNs); // cpuacct.usage, a separate hierarchy
        Assert.Equal(0.2, s.Cpu.LimitCores);
        Assert.Equal(45UL, s.Cpu.NrThrottled);
        Assert.Equal(268435456UL, s.Memory!.LimitBytes);
        Assert.Equal(42.0, s.Pressure!.Cpu!.Value.Some!.Value.Avg10);
        Assert.Equal(40.0, s.Pressure.Cpu.Value.Full!.Value.Avg10);
    }

    [Fact]
    public void PartsNotAskedForAreNotRead()
    {
        using var t = HostFixtures.V1Host();
        var r = Reader(t);
        r.Parts = CgroupParts.Cpu | CgroupParts.Memory | CgroupParts.Pids;
        // Files of the parts left out may be malformed: not opening them is what is asked.
        var dir = "sys/fs/cgroup/cpu,cpuacct/docker/" + HostFixtures.DockerId;
        t.Write(dir + "/cpu.shares", "many\n");
        var s = r.Read("/docker/" + HostFixtures.DockerId)!;
        Assert.Equal(0.25, s.Cpu!.LimitCores);
        Assert.Equal(2_500_000_000UL, s.Cpu.UsageNs);
        Assert.Null(s.Cpu.Shares);
        Assert.Null(s.Cpu.Weight);
        Assert.Equal(134217728UL, s.Memory!.LimitBytes);
        Assert.Equal(67108864UL - 4194304UL, s.Memory.WorkingSetBytes);
        Assert.Null(s.Memory.OomKills);
        Assert.Equal(50UL, s.Pids!.Max);
        Assert.Null(s.EffectiveCpus);
        Assert.Null(s.Io);
        Assert.Null(s.Pressure);
    }

    [Fact]
    public void LimitsAreRereadEveryNSweepsAndAtOnceAfterAWrite()
    {
        using var t = HostFixtures.V1Host();
        var r = Reader(t);
        r.LimitRereadSamples = 8;
        var path = "/docker/" + HostFixtures.DockerId;
        var dir = t.Path("sys/fs/cgroup/cpu,cpuacct/docker/" + HostFixtures.DockerId);
        Assert.Equal(25000, r.Read(path)!.Cpu!.QuotaUsec);
        // Someone else changes the quota and the usage: the usage shows at once, the quota within 8 samples.
        File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), "50000\n");
        File.WriteAllText(Path.Combine(dir, "cpuacct.usage"), "3000000000\n");
        var quotas = new List<long?>();
        for (int i = 0; i < 8; i++)
        {
            r.Sweep();
            var cpu = r.Read(path)!.Cpu!;
            Assert.Equal(3_000_000_000UL, cpu.UsageNs);
            quotas.Add(cpu.QuotaUsec);
        }
        Assert.Equal(50000, quotas[^1]);
        Assert.Contains((long?)25000, quotas); // kept for at least one sample: the first read spreads the re-reads
        // A write through ctop's own writer is read back at the next read, before its turn.
        r.Sweep();
        r.Read(path);
        new CgroupWriter().SetCpuLimit(dir, CgroupVersion.V1, 30000);
        Assert.Equal(30000, r.Read(path)!.Cpu!.QuotaUsec);
        r.Sweep();
        Assert.Equal(30000, r.Read(path)!.Cpu!.QuotaUsec);
    }

    [Fact]
    public void APartThatIsMissingIsLookedForAgainWithinNSamples()
    {
        using var t = HostFixtures.V1Host();
        var r = Reader(t);
        r.LimitRereadSamples = 8;
        var pidsDir = t.Path("sys/fs/cgroup/pids/docker/" + HostFixtures.DockerId);
        var saved = Path.Combine(t.Path("."), "pids-saved");
        Directory.Move(pidsDir, saved);
        var path = "/docker/" + HostFixtures.DockerId;
        // Young: looked for every sample; then on the limits' schedule.
        for (int i = 0; i < 10; i++, r.Sweep()) Assert.Null(r.Read(path)!.Pids);
        Directory.Move(saved, pidsDir);
        int found = -1;
        for (int i = 0; i < 8 && found < 0; i++, r.Sweep())
            if (r.Read(path)!.Pids is { } p && p.Max == 50) found = i;
        Assert.InRange(found, 0, 7);
    }

    [Fact]
    public void PsiUnderAQuietParentIsNotReadAgainUntilTheParentMovesOrItsTurnComes()
    {
        using var t = HostFixtures.V2Host();
        var r = Reader(t);
        r.LimitRereadSamples = 8;
        r.PressureSettle = TimeSpan.Zero;
        const string Parent = "/system.slice", Child = HostFixtures.DockerScope;
        void Psi(string cg, ulong total, string avg10 = "0.00", string resource = "cpu") =>
            t.Write("sys/fs/cgroup" + cg + "/" + resource + ".pressure",
                $"some avg10={avg10} avg60=0.00 avg300=0.00 total={total}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        foreach (var res in new[] { "cpu", "memory", "io" })
        {
            Psi(Parent, 100, resource: res);
            Psi(Child, 50, resource: res);
        }
        // One sample: the parent first (paths sort parents first), then the child's cpu "some" total.
        ulong Sample()
        {
            r.Read(Parent);
            var total = r.Read(Child)!.Pressure!.Cpu!.Value.Some!.Value.TotalUsec;
            r.Sweep();
            return total;
        }
        Assert.Equal(50UL, Sample());

        // The child's file moves while the parent's does not (no kernel does that: it is how a skipped read shows):
        // kept while the parent is quiet, read on the limits' schedule within 8 samples.
        Psi(Child, 60);
        var seen = Enumerable.Range(0, 8).Select(_ => Sample()).ToList();
        Assert.Equal(50UL, seen[0]);
        Assert.Equal(60UL, seen[^1]);
        Assert.True(r.PressureFilesSkipped >= 3, $"{r.PressureFilesSkipped} files skipped");

        // The parent moves: the child is read in the same sample.
        Psi(Child, 70);
        Psi(Parent, 200);
        Assert.Equal(70UL, Sample());
        // Quiet again, and the child's last read had zero averages: skipped.
        Psi(Child, 80, "0.50");
        Assert.Equal(70UL, Sample());
        // Averages above zero are read every sample, as they decay while the totals stand still.
        Psi(Parent, 300);
        Assert.Equal(80UL, Sample());
        Psi(Child, 90, "0.50");
        Assert.Equal(90UL, Sample());
        // Zero averages, but read before the kernel could have folded the last stall into them: read.
        r.PressureSettle = TimeSpan.FromHours(1);
        Psi(Child, 100);
        Assert.Equal(100UL, Sample());
        Psi(Child, 110);
        Assert.Equal(110UL, Sample());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OomKillsAreNotReadAgainWhileTheHostCountsNoKillUntilTheirTurnComes(int version)
    {
        using var t = version == 1 ? HostFixtures.V1Host() : HostFixtures.V2Host();
        var r = Reader(t);
        r.LimitRereadSamples = 8;
        // As the sampler reads outside a diagnosis: on v2, memory.events is then read for the OOM kills alone.
        r.ReadsSwapAndFailcnt = false;
        string cg = version == 1 ? "/docker/" + HostFixtures.DockerId : HostFixtures.DockerScope;
        void Kills(ulong n) => t.Write(version == 1
            ? "sys/fs/cgroup/memory" + cg + "/memory.oom_control"
            : "sys/fs/cgroup" + cg + "/memory.events",
            version == 1 ? $"oom_kill_disable 0\nunder_oom 0\noom_kill {n}\n" : $"low 0\nhigh 0\nmax 3\noom 1\noom_kill {n}\noom_group_kill 0\n");
        ulong? Sample(ulong? host)
        {
            r.NoteHostOomKills(host);
            var kills = r.Read(cg)!.Memory!.OomKills;
            r.Sweep();
            return kills;
        }
        Kills(5);
        // The first sample, and the one after it (the host's count had not yet stood still over a whole sample): read.
        Assert.Equal(5UL, Sample(10));
        Kills(6);
        Assert.Equal(6UL, Sample(10));
        // The file moves while the host's count does not (no kernel does that: it is how a skipped read shows): kept,
        // and read on the limits' schedule within 8 samples.
        Kills(7);
        var seen = Enumerable.Range(0, 8).Select(_ => Sample(10)).ToList();
        Assert.Equal(6UL, seen[0]);
        Assert.Equal(7UL, seen[^1]);
        Assert.True(r.OomFilesSkipped >= 3, $"{r.OomFilesSkipped} files skipped");

        // The host counts a kill: read in that sample and the next (the cgroup's count may lag the host's by a moment).
        Kills(8);
        Assert.Equal(8UL, Sample(11));
        Kills(9);
        Assert.Equal(9UL, Sample(11));
        Kills(10);
        Assert.Equal(9UL, Sample(11));
        // An unknown host count, or a sample that did not give one: read every time.
        Assert.Equal(10UL, Sample(null));
        Kills(11);
        Assert.Equal(11UL, Sample(null));
        Kills(12);
        Assert.Equal(12UL, r.Read(cg)!.Memory!.OomKills);
        r.Sweep();
        // Readers that read everything every sample never keep.
        var every = Reader(t);
        every.NoteHostOomKills(11);
        every.Read(cg);
        every.Sweep();
        every.NoteHostOomKills(11);
        every.Read(cg);
        every.Sweep();
        every.NoteHostOomKills(11);
        Kills(13);
        Assert.Equal(13UL, every.Read(cg)!.Memory!.OomKills);
        Assert.Equal(0, every.OomFilesSkipped);
    }

    [Fact]
    public void AMalformedFileIsAnErrorNamingItsPath()
    {
        using var t = HostFixtures.V2Host();
        t.Write("sys/fs/cgroup" + HostFixtures.DockerScope + "/cpu.max", "fifty 100000\n");
        var ex = Assert.Throws<ProcFs.Parsing.ProcFsFormatException>(() => Reader(t).Read(HostFixtures.DockerScope));
        Assert.Contains("cpu.max", ex.FilePath);
        Assert.Equal(1, ex.LineNumber);
    }
}

/// <summary>ProcFs on this machine's kernel: a busy loop this test starts, under a 0.2-CPU quota.</summary>
public class CgroupReaderKernelTests
{
    [KernelFact]
    public void ABusyLoopUnderA02QuotaReadsBackAsTheKernelCountsIt()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000");
        cg.Favour();
        cg.StartBusyLoop();
        Thread.Sleep(300);
        var reader = new CgroupReader(CgroupLayout.Discover());

        var a = reader.Read(cg.CgroupPath)!;
        long t0 = Stopwatch.GetTimestamp();
        Thread.Sleep(2000);
        ulong throttledBefore = NrThrottled(), usageBefore = Usage();
        var b = reader.Read(cg.CgroupPath)!;
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;

        // What ProcFs reads is what the kernel's own files say at that moment: between a read just before and one after.
        Assert.InRange(b.Cpu!.NrThrottled!.Value, throttledBefore, NrThrottled());
        Assert.InRange(b.Cpu.UsageNs!.Value, usageBefore, Usage());
        Assert.Equal(20000, b.Cpu.QuotaUsec);
        Assert.Equal(100000, b.Cpu.PeriodUsec);
        Assert.Equal(0.2, b.Cpu.LimitCores!.Value, 6);

        double cores = (b.Cpu.UsageNs!.Value - a.Cpu!.UsageNs!.Value) / 1e9 / seconds;
        Assert.InRange(cores, 0.17, 0.23);
        Assert.True(b.Cpu.NrThrottled > a.Cpu.NrThrottled);
        Assert.True(b.Cpu.ThrottledNs > a.Cpu.ThrottledNs);
        double ratio = (double)(b.Cpu.NrThrottled!.Value - a.Cpu.NrThrottled!.Value) / (b.Cpu.NrPeriods!.Value - a.Cpu.NrPeriods!.Value);
        Assert.True(ratio > 0.5, $"throttled ratio {ratio}");

        Assert.Equal(ulong.Parse(cg.Read("pids", "pids.current"), CultureInfo.InvariantCulture), b.Pids!.Current);
        ulong NrThrottled() => ulong.Parse(cg.Read("cpu", "cpu.stat").Split('\n').Single(l => l.StartsWith("nr_throttled ", StringComparison.Ordinal))[13..], CultureInfo.InvariantCulture);
        ulong Usage() => ulong.Parse(cg.Read("cpuacct", "cpuacct.usage"), CultureInfo.InvariantCulture);
        Assert.Null(b.Pids.Max);
        Assert.Null(b.Memory!.LimitBytes);
        // v1 does not move charges with a task, so a loop moved in may have charged nothing here: compare with the file.
        // The running loop charges a page or two between the two reads (CI saw 8 KiB), so allow 1 MiB either way.
        long kernelUsage = long.Parse(cg.Read("memory", "memory.usage_in_bytes"), CultureInfo.InvariantCulture);
        Assert.InRange((long)b.Memory.UsageBytes!.Value, kernelUsage - (1 << 20), kernelUsage + (1 << 20));
    }

    [UnifiedKernelFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void PsiOfAQuietChildIsSkippedAndAStallThatStartsInItShowsAtTheNextSample()
    {
        using var cg = new RealCgroup("unified");
        string child = cg.CreateChild("stalls");
        // Limits never come due here: what is skipped is skipped for the quiet parent alone. The settle time is the default.
        var reader = new CgroupReader(CgroupLayout.Discover()) { LimitRereadSamples = 1000 };
        ulong ChildCpu()
        {
            reader.ReadPressure(cg.CgroupPath);
            var total = reader.ReadPressure(child)!.Cpu!.Value.Some!.Value.TotalUsec;
            reader.Sweep();
            return total;
        }
        ulong before = ChildCpu();
        var quiet = Stopwatch.StartNew();
        while (reader.PressureFilesSkipped < 3 && quiet.Elapsed < TimeSpan.FromSeconds(15))
        {
            Thread.Sleep(250);
            Assert.Equal(before, ChildCpu());
        }
        Assert.True(reader.PressureFilesSkipped >= 3, $"nothing skipped in {quiet.Elapsed.TotalSeconds:0.0} s of a quiet tree");

        // Two busy loops on one CPU: one always waits for the other, so "some" grows by about the wall time.
        var loops = new[] { cg.Start(RealCgroup.BusyLoopScript, "stalls"), cg.Start(RealCgroup.BusyLoopScript, "stalls") };
        foreach (var p in loops) p.ProcessorAffinity = 1;
        Thread.Sleep(1000);
        long skipped = reader.PressureFilesSkipped;
        ulong after = ChildCpu();
        var line = File.ReadAllLines(Path.Combine(cg.Dir("unified"), "stalls", "cpu.pressure"))[0];
        ulong kernel = ulong.Parse(line[(line.IndexOf("total=", StringComparison.Ordinal) + 6)..], CultureInfo.InvariantCulture);
        Assert.True(after > before + 100_000, $"cpu some total {before} -> {after} µs over 1 s of two loops on one CPU");
        Assert.InRange(kernel - after, 0UL, 500_000UL);
        Assert.True(reader.PressureFilesSkipped - skipped <= 2, "the cpu file was skipped while its parent moved");
    }

    [KernelFact]
    public void LimitsKeptBetweenRereadsFollowTheKernelsFilesWithinTheBound()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        var reader = new CgroupReader(CgroupLayout.Discover()) { LimitRereadSamples = 8 };
        Assert.Null(reader.Read(cg.CgroupPath)!.Cpu!.QuotaUsec);
        // Written behind ctop's back: shown within 8 samples.
        cg.Write("cpu", "cpu.cfs_quota_us", "40000");
        cg.Write("pids", "pids.max", "33");
        cg.Write("memory", "memory.limit_in_bytes", (96L << 20).ToString(CultureInfo.InvariantCulture));
        CgroupStats s = null!;
        for (int i = 0; i < 8; i++)
        {
            reader.Sweep();
            s = reader.Read(cg.CgroupPath)!;
        }
        Assert.Equal(40000, s.Cpu!.QuotaUsec);
        Assert.Equal(33UL, s.Pids!.Max);
        Assert.Equal(96UL << 20, s.Memory!.LimitBytes);
        // Written by ctop (the tuning path): shown at the next read.
        new CgroupWriter().SetCpuLimit(cg.Dir("cpu"), CgroupVersion.V1, 20000);
        new CgroupWriter().SetPidsMax(cg.Dir("pids"), 44);
        reader.Sweep();
        s = reader.Read(cg.CgroupPath)!;
        Assert.Equal(20000, s.Cpu!.QuotaUsec);
        Assert.Equal(44UL, s.Pids!.Max);
        Assert.Equal(cg.Read("cpu", "cpu.cfs_quota_us"), s.Cpu.QuotaUsec!.Value.ToString(CultureInfo.InvariantCulture));
    }
}
