using System.Diagnostics;
using System.Globalization;
using Ctop.Tests.Model;
using Ctop.Tuning;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;
using static Ctop.Tests.Tuning.TuningFixtures;

namespace Ctop.Tests.Tuning;

/// <summary>
/// `ctop limit` and the tuner against the real kernel of this v1 host, on ctop-test-* cgroups the tests create and
/// remove. Serialised with the other real-kernel tests: busy loops in parallel would steal each other's CPU.
/// </summary>
[Collection(KernelCollection.Name)]
public class LimitKernelTests
{
    private static readonly string[] Controllers = ["cpu", "cpuacct", "memory", "pids"];

    /// <summary>Every file `ctop limit` may touch, to prove a refusal changed nothing.</summary>
    private static Dictionary<string, string> Files(RealCgroup cg) => new()
    {
        ["cpu.cfs_quota_us"] = cg.Read("cpu", "cpu.cfs_quota_us"),
        ["cpu.cfs_period_us"] = cg.Read("cpu", "cpu.cfs_period_us"),
        ["cpu.shares"] = cg.Read("cpu", "cpu.shares"),
        ["memory.limit_in_bytes"] = cg.Read("memory", "memory.limit_in_bytes"),
        ["memory.memsw.limit_in_bytes"] = File.Exists(Path.Combine(cg.Dir("memory"), "memory.memsw.limit_in_bytes")) ? cg.Read("memory", "memory.memsw.limit_in_bytes") : "",
        ["pids.max"] = cg.Read("pids", "pids.max"),
    };

    private static void AssertFilesUnchanged(Dictionary<string, string> before, RealCgroup cg) =>
        Assert.Equal(before, Files(cg));

    [KernelFact]
    public void CpusHalfWritesAQuotaOf50000()
    {
        using var cg = new RealCgroup(Controllers);
        var (code, output, error) = RunLimit(cg.CgroupPath, "--cpus", "0.5");
        Assert.True(code == 0, error);
        Assert.Equal("50000", cg.Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", cg.Read("cpu", "cpu.cfs_period_us"));
        Assert.Contains($"{cg.Dir("cpu")}/cpu.cfs_quota_us  -1 → 50000", output);
        Assert.Contains("cpu.cfs_period_us  100000 (unchanged)", output);
    }

    [KernelFact]
    public void FiftyPercentByNameIsHalfACore()
    {
        using var cg = new RealCgroup(Controllers);
        var (code, _, error) = RunLimit(cg.Name, "--cpus", "50%");
        Assert.True(code == 0, error);
        Assert.Equal("50000", cg.Read("cpu", "cpu.cfs_quota_us"));
    }

    [KernelFact]
    public void MemoryPidsAndWeight()
    {
        using var cg = new RealCgroup(Controllers);
        var (code, output, error) = RunLimit(cg.CgroupPath, "--memory", "64M", "--pids", "20", "--cpu-weight", "200");
        Assert.True(code == 0, error);
        Assert.Equal("67108864", cg.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("20", cg.Read("pids", "pids.max"));
        Assert.Equal("2048", cg.Read("cpu", "cpu.shares"));
        Assert.Contains("→ 67108864  (64M)", output);
        Assert.Contains("pids.max  max → 20", output);
        Assert.Contains("cpu.shares  1024 → 2048", output);
    }

    [KernelFact]
    public void DryRunWritesNothing()
    {
        using var cg = new RealCgroup(Controllers);
        var before = Files(cg);
        var (code, output, _) = RunLimit(cg.CgroupPath, "--cpus", "0.5", "--memory", "64m", "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains("would write", output);
        Assert.Contains("-1 → 50000", output);
        AssertFilesUnchanged(before, cg);
    }

    [KernelFact]
    public void RefusalsLeaveTheFilesUnchanged()
    {
        using var cg = new RealCgroup(Controllers);
        var before = Files(cg);

        var quota = RunLimit(cg.CgroupPath, "--cpu-quota", "999");
        Assert.Equal(1, quota.Code);
        Assert.Contains("cpu.cfs_quota_us: 999 refused: the quota must be at least 1000 µs (1 ms)", quota.Err);

        var small = RunLimit(cg.CgroupPath, "--cpus", "0.005");
        Assert.Equal(1, small.Code);
        Assert.Contains("at least 1000 µs", small.Err);

        var negative = RunLimit(cg.CgroupPath, "--cpus", "-0.5");
        Assert.Equal(2, negative.Code);
        Assert.Contains("must not be negative", negative.Err);

        var garbage = RunLimit(cg.CgroupPath, "--memory", "a lot");
        Assert.Equal(2, garbage.Code);
        Assert.Contains("--memory a lot: not a size", garbage.Err);

        var pids = RunLimit(cg.CgroupPath, "--pids", "5000000");
        Assert.Equal(1, pids.Code);
        Assert.Contains("PID_MAX_LIMIT", pids.Err);

        var unknown = RunLimit("/ctop-test-no-such-cgroup", "--cpus", "0.5");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no cgroup /ctop-test-no-such-cgroup", unknown.Err);

        var escape = RunLimit("/sys/fs/cgroup/cpu/" + cg.Name, "--cpus", "0.5");
        Assert.Equal(2, escape.Code);

        AssertFilesUnchanged(before, cg);
    }

    [KernelFact]
    public void MemoryBelowUsageIsRefusedWithEbusyAndEarlierKnobsAreRolledBack()
    {
        using var cg = new RealCgroup(Controllers);
        cg.Start("x=$(head -c 40000000 /dev/zero | tr '\\0' a); sleep 60");
        WaitFor(() => long.Parse(cg.Read("memory", "memory.usage_in_bytes"), CultureInfo.InvariantCulture) > 40_000_000, "memory.usage_in_bytes > 40e6");
        var before = Files(cg);

        var alone = RunLimit(cg.CgroupPath, "--memory", "10M");
        Assert.Equal(1, alone.Code);
        Assert.Contains("memory.limit_in_bytes: 10485760 refused by the kernel (EBUSY: usage cannot be reclaimed below the new limit", alone.Err);
        Assert.Contains("nothing was changed", alone.Err);
        AssertFilesUnchanged(before, cg);

        // cpu and weight are written before memory; the kernel's EBUSY on memory must put them back.
        var together = RunLimit(cg.CgroupPath, "--cpus", "0.5", "--cpu-weight", "300", "--memory", "10M", "--pids", "20");
        Assert.Equal(1, together.Code);
        Assert.Contains("EBUSY", together.Err);
        Assert.True(together.Err.Contains("earlier changes of this request were restored: cpu.shares back to 1024, cpu.cfs_quota_us back to -1"), together.Err);
        AssertFilesUnchanged(before, cg);
    }

    [KernelFact]
    public void UndoRestoresExactlyThePreviousValues()
    {
        using var cg = new RealCgroup(Controllers);
        var tuner = new Tuner(CgroupLayout.Discover());
        cg.Write("cpu", "cpu.cfs_quota_us", "70000");
        cg.Write("memory", "memory.limit_in_bytes", "100M");
        var before = Files(cg);

        tuner.Apply(cg.CgroupPath, new ChangeSet
        {
            CpuQuota = Limit.Of(30_000), CpuPeriodUsec = 50_000, CpuWeight = 50, MemoryMax = Limit.Of(64L << 20), Pids = Limit.Of(20),
        });
        var during = Files(cg);
        Assert.Equal("30000", during["cpu.cfs_quota_us"]);
        Assert.Equal("50000", during["cpu.cfs_period_us"]);
        tuner.Apply(cg.CgroupPath, new ChangeSet { CpuQuota = Limit.Unlimited, MemoryMax = Limit.Unlimited, Pids = Limit.Unlimited });

        tuner.Undo(cg.CgroupPath);
        AssertFilesUnchanged(during, cg);
        tuner.Undo(cg.CgroupPath);
        AssertFilesUnchanged(before, cg);
        Assert.Null(tuner.Undo(cg.CgroupPath));
    }

    [KernelFact]
    public void StepWorksOnV1FromUnlimited()
    {
        using var cg = new RealCgroup(Controllers);
        var tuner = new Tuner(CgroupLayout.Discover());
        var change = tuner.Step(cg.CgroupPath, -0.1)!;
        long quota = long.Parse(cg.Read("cpu", "cpu.cfs_quota_us"), CultureInfo.InvariantCulture);
        // The cgroup is not in a cpuset hierarchy here, so it starts from the root cpuset's CPUs.
        var cpus = new CgroupReader(tuner.Layout).ReadEffectiveCpus("/")!.Count;
        Assert.Equal((cpus - 0.1) * 100_000, quota, 1);
        Assert.Equal("-1", change.Files.Single(f => f.File.EndsWith("cpu.cfs_quota_us")).Before);
    }

    [KernelFact]
    public void ABusyLoopUnderCpus02UsesAFifthOfACore()
    {
        using var cg = new RealCgroup(Controllers);
        var (code, _, error) = RunLimit(cg.CgroupPath, "--cpus", "0.2");
        Assert.True(code == 0, error);
        cg.Favour();
        cg.StartBusyLoop();
        Thread.Sleep(500);
        ulong u0 = ulong.Parse(cg.Read("cpuacct", "cpuacct.usage"), CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(3000);
        ulong u1 = ulong.Parse(cg.Read("cpuacct", "cpuacct.usage"), CultureInfo.InvariantCulture);
        double cores = (u1 - u0) / 1e9 / sw.Elapsed.TotalSeconds;
        Assert.InRange(cores, 0.17, 0.23);
    }

    /// <summary>
    /// A write the kernel refuses after validation passed (an immutable file: EPERM at open even for root), on a fixture:
    /// the earlier knobs of the request are restored.
    /// </summary>
    [KernelFact]
    public void AWriteRefusedAtOpenRollsBackTheEarlierKnobs()
    {
        using var t = HostFixtures.V2Host();
        t.AddV2Cgroup("/ctop/box");
        string pids = t.Path("sys/fs/cgroup/ctop/box/pids.max");
        var before = Snapshot(t.Root);
        Chattr("+i", pids);
        try
        {
            // access(2) would already report EPERM for an immutable file; pretend it did not, to reach the write.
            var tuner = new Tuner(t.Layout()) { WriteAccess = _ => 0 };
            var ex = Assert.Throws<TuningRefusedException>(() =>
                tuner.Apply("/ctop/box", new ChangeSet { CpuQuota = Limit.Of(50_000), MemoryMax = Limit.Of(64L << 20), Pids = Limit.Of(20) }));
            Assert.Equal("EPERM", ex.Refusal.ErrnoName);
            Assert.Contains($"needs root (or write access to {pids})", ex.Message);
            Assert.Equal(new[] { "memory.max", "cpu.max" }, ex.RolledBack.Select(r => Path.GetFileName(r.File)));
            Assert.Contains("memory.max back to max, cpu.max back to max 100000", ex.Message);
            Assert.Empty(ex.NotRestored);
            Assert.Empty(tuner.Log);
        }
        finally
        {
            Chattr("-i", pids);
        }
        AssertUnchanged(before, t.Root);
    }

    private static void Chattr(string flag, string file)
    {
        using var p = Process.Start("chattr", [flag, file])!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("waited 20 s for " + what);
            Thread.Sleep(100);
        }
    }
}
