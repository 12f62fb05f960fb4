using Ctop.Tuning;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Tuning;

/// <summary>The tuner on fixture trees: which files get which text, all-or-nothing, dry run, undo, step.</summary>
public class TunerFixtureTests
{
    private const string Box = "/ctop/box";
    private const string BoxDir = "sys/fs/cgroup/ctop/box/";

    private static TempTree V2Box(string cpuMax = "max 100000", string memMax = "max")
    {
        var t = V2Host();
        t.AddV2Cgroup(Box, cpuMax, memMax);
        return t;
    }

    [Fact]
    public void V2WritesEachKnobToItsFileAndReportsBeforeAndAfter()
    {
        using var t = V2Box();
        var tuner = new Tuner(t.Layout());
        var change = tuner.Apply(Box, new ChangeSet
        {
            CpuQuota = Limit.Of(50_000), CpuPeriodUsec = 100_000, CpuWeight = 200,
            MemoryMax = Limit.Of(256L << 20), MemoryHigh = Limit.Of(192L << 20), MemorySwap = Limit.Of(512L << 20), Pids = Limit.Of(20),
        });

        Assert.Equal("50000 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Equal("200", t.Read(BoxDir + "cpu.weight"));
        Assert.Equal("268435456", t.Read(BoxDir + "memory.max"));
        Assert.Equal("201326592", t.Read(BoxDir + "memory.high"));
        Assert.Equal("268435456", t.Read(BoxDir + "memory.swap.max")); // docker's --memory-swap is memory + swap
        Assert.Equal("20", t.Read(BoxDir + "pids.max"));

        Assert.Equal(ChangeKind.Applied, change.Kind);
        Assert.Equal(Box, change.Cgroup);
        Assert.Equal(new[] { Knob.Cpu, Knob.CpuWeight, Knob.MemoryMax, Knob.MemorySwap, Knob.MemoryHigh, Knob.Pids }, change.Knobs.Select(k => k.Knob));
        var cpu = Assert.Single(change.Knobs[0].Files);
        Assert.Equal((t.Path(BoxDir + "cpu.max"), "max 100000", "50000 100000"), (cpu.File, cpu.Before, cpu.After));
        Assert.All(change.Knobs, k => Assert.Equal(CgroupVersion.V2, k.Version));
        Assert.Equal(change, Assert.Single(tuner.Log));
    }

    [Fact]
    public void CpuQuotaAloneKeepsThePeriodAndPeriodAloneKeepsTheQuota()
    {
        using var t = V2Box("30000 50000");
        var tuner = new Tuner(t.Layout());
        tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(40_000) });
        Assert.Equal("40000 50000", t.Read(BoxDir + "cpu.max"));
        tuner.Apply(Box, new ChangeSet { CpuPeriodUsec = 200_000 });
        Assert.Equal("40000 200000", t.Read(BoxDir + "cpu.max"));
        tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Unlimited });
        Assert.Equal("max 200000", t.Read(BoxDir + "cpu.max"));
    }

    [Fact]
    public void DryRunValidatesAndShowsTheTextWithoutWriting()
    {
        using var t = V2Box();
        var before = TuningFixtures.Snapshot(t.Root);
        var tuner = new Tuner(t.Layout());
        var change = tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(50_000), CpuPeriodUsec = 100_000, Pids = Limit.Of(20) }, dryRun: true);

        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Equal(ChangeKind.DryRun, change.Kind);
        Assert.Equal(new[] { ("max 100000", "50000 100000"), ("max", "20") }, change.Files.Select(f => (f.Before, f.After)));
        Assert.Empty(tuner.Log);

        var refused = Assert.Throws<TuningRefusedException>(() => tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(500) }, dryRun: true));
        Assert.Contains("at least 1000 µs", refused.Message);
    }

    [Theory]
    [InlineData("pids")]
    [InlineData("quota")]
    [InlineData("period")]
    [InlineData("memory")]
    [InlineData("swap")]
    public void AnInvalidLaterKnobRefusesTheWholeRequestBeforeAnythingIsWritten(string bad)
    {
        using var t = V2Box();
        var before = TuningFixtures.Snapshot(t.Root);
        var set = new ChangeSet { CpuQuota = Limit.Of(50_000), CpuWeight = 300, MemoryMax = Limit.Of(64L << 20), Pids = Limit.Of(20) };
        set = bad switch
        {
            "pids" => set with { Pids = Limit.Of(CgroupWriter.MaxPids + 1) },
            "quota" => set with { CpuQuota = Limit.Of(999) },
            "period" => set with { CpuPeriodUsec = 2_000_000 },
            "memory" => set with { MemoryMax = Limit.Of(100) },
            _ => set with { MemorySwap = Limit.Of(32L << 20) },
        };
        var tuner = new Tuner(t.Layout());
        var ex = Assert.Throws<TuningRefusedException>(() => tuner.Apply(Box, set));

        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Empty(ex.RolledBack);
        Assert.Null(ex.Refusal.Errno);
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void MemoryHighOnV1IsRefusedAndTheCpuChangeOfTheSameRequestIsNotMade()
    {
        using var t = V1Host();
        t.AddV1Cgroup(Box);
        var before = TuningFixtures.Snapshot(t.Root);
        var ex = Assert.Throws<TuningRefusedException>(() =>
            new Tuner(t.Layout()).Apply(Box, new ChangeSet { CpuQuota = Limit.Of(50_000), CpuPeriodUsec = 100_000, MemoryHigh = Limit.Of(64L << 20) }));
        Assert.Contains("memory.high exists only on cgroup v2", ex.Message);
        Assert.EndsWith("memory.high", ex.Refusal.FilePath);
        TuningFixtures.AssertUnchanged(before, t.Root);
    }

    [Fact]
    public void V1WritesCpuSharesAndTheCfsFiles()
    {
        using var t = V1Host();
        t.AddV1Cgroup(Box);
        var change = new Tuner(t.Layout()).Apply(Box, new ChangeSet { CpuQuota = Limit.Of(20_000), CpuPeriodUsec = 100_000, CpuWeight = 200, Pids = Limit.Of(30) });
        Assert.Equal("20000", t.Read("sys/fs/cgroup/cpu,cpuacct/ctop/box/cpu.cfs_quota_us"));
        Assert.Equal("2048", t.Read("sys/fs/cgroup/cpu,cpuacct/ctop/box/cpu.shares"));
        Assert.Equal("30", t.Read("sys/fs/cgroup/pids/ctop/box/pids.max"));
        Assert.Equal(new[] { "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "pids.max" }, change.Files.Select(f => Path.GetFileName(f.File)));
    }

    [Theory]
    [InlineData(128L << 20, 128L << 20, 512L << 20, 1L << 30)] // raising both: memsw first
    [InlineData(512L << 20, 1L << 30, 64L << 20, 128L << 20)] // lowering both: memory first
    public void V1MemoryAndSwapAreOrderedSoMemoryNeverExceedsMemoryPlusSwap(long mem, long memsw, long newMem, long newMemsw)
    {
        using var t = V1Host();
        t.AddV1Cgroup(Box, mem: mem.ToString(), memsw: memsw.ToString());
        new Tuner(t.Layout()).Apply(Box, new ChangeSet { MemoryMax = Limit.Of(newMem), MemorySwap = Limit.Of(newMemsw) });
        Assert.Equal(newMem.ToString(), t.Read("sys/fs/cgroup/memory/ctop/box/memory.limit_in_bytes"));
        Assert.Equal(newMemsw.ToString(), t.Read("sys/fs/cgroup/memory/ctop/box/memory.memsw.limit_in_bytes"));
    }

    [Fact]
    public void RaisingMemoryAboveMemoryPlusSwapAloneSaysToRaiseSwapToo()
    {
        using var t = V1Host();
        t.AddV1Cgroup(Box, mem: (128L << 20).ToString(), memsw: (128L << 20).ToString());
        var ex = Assert.Throws<TuningRefusedException>(() => new Tuner(t.Layout()).Apply(Box, new ChangeSet { MemoryMax = Limit.Of(256L << 20) }));
        Assert.Contains("--memory-swap", ex.Message);
    }

    [Fact]
    public void V2SwapNeedsAMemoryLimitBecauseItCountsMemoryPlusSwap()
    {
        using var t = V2Box();
        var tuner = new Tuner(t.Layout());
        Assert.Contains("set --memory too", Assert.Throws<TuningRefusedException>(() => tuner.Apply(Box, new ChangeSet { MemorySwap = Limit.Of(1L << 30) })).Message);
        tuner.Apply(Box, new ChangeSet { MemoryMax = Limit.Of(256L << 20), MemorySwap = Limit.Of(256L << 20) });
        Assert.Equal("0", t.Read(BoxDir + "memory.swap.max"));
        tuner.Apply(Box, new ChangeSet { MemorySwap = Limit.Unlimited });
        Assert.Equal("max", t.Read(BoxDir + "memory.swap.max"));
    }

    [Fact]
    public void WithoutWriteAccessTheMessageSaysNeedsRootAndNamesTheFile()
    {
        using var t = V2Box();
        var before = TuningFixtures.Snapshot(t.Root);
        var tuner = new Tuner(t.Layout()) { WriteAccess = f => f.EndsWith("pids.max") ? 13 : 0 };
        var ex = Assert.Throws<TuningRefusedException>(() => tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(50_000), Pids = Limit.Of(20) }));
        Assert.Contains($"needs root (or write access to {t.Path(BoxDir + "pids.max")})", ex.Message);
        Assert.Equal("EACCES", ex.Refusal.ErrnoName);
        TuningFixtures.AssertUnchanged(before, t.Root);

        tuner.WriteAccess = _ => 30;
        Assert.Contains("read-only", Assert.Throws<TuningRefusedException>(() => tuner.Apply(Box, new ChangeSet { Pids = Limit.Of(20) })).Message);
    }

    [Fact]
    public void AMissingControllerDirectoryIsRefusedBeforeWriting()
    {
        using var t = V1Host();
        t.Write("sys/fs/cgroup/pids/ctop/pidsonly/pids.max", "max\n");
        var before = TuningFixtures.Snapshot(t.Root);
        var ex = Assert.Throws<TuningRefusedException>(() =>
            new Tuner(t.Layout()).Apply("/ctop/pidsonly", new ChangeSet { Pids = Limit.Of(10), MemoryMax = Limit.Of(64L << 20) }));
        Assert.Contains("does not exist in the memory hierarchy", ex.Message);
        TuningFixtures.AssertUnchanged(before, t.Root);
    }

    [Fact]
    public void UndoRestoresExactlyThePreviousTextAndWalksBackThroughChanges()
    {
        using var t = V2Box("25000 100000", "134217728");
        var before = TuningFixtures.Snapshot(t.Root);
        var tuner = new Tuner(t.Layout());
        var first = tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(50_000), MemoryMax = Limit.Of(64L << 20) });
        var afterFirst = TuningFixtures.Snapshot(t.Root);
        tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Unlimited, Pids = Limit.Of(20) });
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max"));

        var undo = tuner.Undo(Box)!;
        TuningFixtures.AssertUnchanged(afterFirst, t.Root);
        Assert.Equal(ChangeKind.Undo, undo.Kind);
        Assert.Equal(2, undo.Reverts);
        Assert.Equal(new[] { ("20", "max"), ("max 100000", "50000 100000") }, undo.Files.Select(f => (f.Before, f.After)));

        Assert.Equal(first.Id, tuner.Undo(Box)!.Reverts);
        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.False(tuner.CanUndo(Box));
        Assert.Null(tuner.Undo(Box));
        Assert.Equal(new[] { ChangeKind.Applied, ChangeKind.Applied, ChangeKind.Undo, ChangeKind.Undo }, tuner.Log.Select(c => c.Kind));
    }

    [Fact]
    public void UndoIsPerCgroup()
    {
        using var t = V2Box();
        t.AddV2Cgroup("/ctop/other");
        var tuner = new Tuner(t.Layout());
        tuner.Apply(Box, new ChangeSet { Pids = Limit.Of(5) });
        tuner.Apply("/ctop/other", new ChangeSet { Pids = Limit.Of(7) });
        tuner.Undo(Box);
        Assert.Equal("max", t.Read(BoxDir + "pids.max"));
        Assert.Equal("7", t.Read("sys/fs/cgroup/ctop/other/pids.max"));
    }

    [Fact]
    public void AnUndoTheWriterRefusesHalfWayPutsBackWhatItHadRestored()
    {
        using var t = V2Box("20000 100000");
        var tuner = new Tuner(t.Layout());
        var logged = new List<Change>();
        tuner.Logged += logged.Add;
        tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(50_000), Pids = Limit.Of(20) });
        // A burst above the old quota makes restoring that quota invalid; pids (restored first) must be put back.
        t.Write(BoxDir + "cpu.max.burst", "30000\n");
        var now = TuningFixtures.Snapshot(t.Root);

        var ex = Assert.Throws<TuningRefusedException>(() => tuner.Undo(Box));
        Assert.Contains("burst", ex.Refusal.Rule);
        var rolled = Assert.Single(ex.RolledBack);
        Assert.EndsWith("pids.max", rolled.File);
        Assert.Contains("pids.max back to 20", ex.Message);
        TuningFixtures.AssertUnchanged(now, t.Root);
        Assert.True(tuner.CanUndo(Box));
        Assert.Single(logged);
    }

    [Fact]
    public void StepMovesTheQuotaByTenthsOfACore()
    {
        using var t = V2Box("50000 100000");
        var tuner = new Tuner(t.Layout());
        tuner.Step(Box, +0.1);
        Assert.Equal("60000 100000", t.Read(BoxDir + "cpu.max"));
        tuner.Step(Box, -0.1);
        tuner.Step(Box, -0.1);
        Assert.Equal("40000 100000", t.Read(BoxDir + "cpu.max"));
        tuner.Undo(Box);
        Assert.Equal("50000 100000", t.Read(BoxDir + "cpu.max"));
    }

    [Fact]
    public void StepDownFromUnlimitedStartsFromTheCpusetAndNeverGoesBelowOneMillisecond()
    {
        using var t = V2Box();
        var tuner = new Tuner(t.Layout());
        Assert.Null(tuner.Step(Box, +0.1));
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max"));

        tuner.Step(Box, -0.1);
        Assert.Equal("190000 100000", t.Read(BoxDir + "cpu.max")); // cpuset.cpus.effective 0-1: 2 CPUs

        tuner.Apply(Box, new ChangeSet { CpuQuota = Limit.Of(5000) });
        tuner.Step(Box, -0.1);
        Assert.Equal("1000 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Null(tuner.Step(Box, -0.1));
    }

    [Fact]
    public void OnAHybridHostEachKnobGoesToItsOwnV1HierarchyNotTheUnifiedTree()
    {
        using var t = HybridHost();
        t.Write("sys/fs/cgroup/cpu/ctop/box/cpu.shares", "1024\n");
        Assert.Equal(Box, new CgroupTargets(t.Layout()).Resolve("box"));
        var change = new Tuner(t.Layout()).Apply(Box, new ChangeSet { CpuQuota = Limit.Of(70_000), CpuPeriodUsec = 100_000, MemoryMax = Limit.Of(32L << 20), Pids = Limit.Of(9) });
        Assert.Equal("70000", t.Read("sys/fs/cgroup/cpu/ctop/box/cpu.cfs_quota_us"));
        Assert.Equal("33554432", t.Read("sys/fs/cgroup/memory/ctop/box/memory.limit_in_bytes"));
        Assert.Equal("9", t.Read("sys/fs/cgroup/pids/ctop/box/pids.max"));
        Assert.All(change.Knobs, k => Assert.Equal(CgroupVersion.V1, k.Version));
        Assert.DoesNotContain(change.Files, f => f.File.Contains("/unified/"));
    }

    [Fact]
    public void TheLogAndEventSeeAppliedChangesAndUndosButNotDryRuns()
    {
        using var t = V2Box();
        var tuner = new Tuner(t.Layout());
        var seen = new List<Change>();
        tuner.Logged += seen.Add;
        tuner.Apply(Box, new ChangeSet { Pids = Limit.Of(5) }, dryRun: true);
        var a = tuner.Apply(Box, new ChangeSet { Pids = Limit.Of(5) });
        var s = tuner.Step(Box, -0.5)!;
        var u = tuner.Undo(Box)!;
        Assert.Equal(new[] { a, s, u }, seen);
        Assert.Equal(seen, tuner.Log);
        Assert.Equal(new[] { 1, 2, 3 }, tuner.Log.Select(c => c.Id));
        Assert.Equal(s.Id, u.Reverts);
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Equal("5", t.Read(BoxDir + "pids.max"));
    }
}
