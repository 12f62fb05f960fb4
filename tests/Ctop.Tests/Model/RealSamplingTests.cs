using System.Reactive.Linq;
using System.Diagnostics;
using System.Globalization;
using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// The sampling model against the real kernel: ctop-test-* cgroups with busy loops this test starts. Serialised, because
/// busy loops in parallel tests would steal each other's CPU on a 2-core machine.
/// </summary>
[Collection(KernelCollection.Name)]
public class RealSamplingTests
{
    private static Frame Measure(Sampler sampler, double seconds)
    {
        var a = sampler.Take();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return FrameBuilder.Build(a, sampler.Take());
    }

    private static ulong CpuacctUsage(RealCgroup cg) => ulong.Parse(cg.Read("cpuacct", "cpuacct.usage"), CultureInfo.InvariantCulture);

    [KernelFact]
    public void ABusyLoopUnderA03CpuQuotaIsReportedAgainstItsLimit()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "30000");
        cg.Favour();
        var loop = cg.StartBusyLoop();
        Thread.Sleep(500);
        var sampler = new Sampler(new SamplingOptions());
        var frame = Measure(sampler, 3);

        var row = Assert.Single(frame.Cgroups, c => c.Path == cg.CgroupPath);
        Assert.InRange(row.Cpu.UsedCores!.Value, 0.27, 0.33);
        Assert.Equal(0.3, row.Cpu.LimitCores!.Value, 6);
        Assert.InRange(row.Cpu.PercentOfLimit!.Value, 90, 110);
        Assert.True(row.Cpu.ThrottledRatio > 0.5, $"throttled ratio {row.Cpu.ThrottledRatio}");
        Assert.True(row.Cpu.ThrottledSeconds > 0);
        Assert.Equal(0.3, row.Effective.CpuLimitCores!.Value, 6);
        Assert.Equal(cg.CgroupPath, row.Effective.CpuLimitSetBy);
        Assert.Equal(30000, row.Cpu.QuotaUsec);

        var proc = Assert.Single(frame.Processes, p => p.Pid == loop.Id);
        Assert.InRange(proc.CpuPercent, 27, 33);
        Assert.Equal(cg.CgroupPath, proc.Cgroup);
        Assert.Equal("root", proc.User);
        Assert.Contains("while", proc.Command);
    }

    [KernelFact]
    public void WithoutAQuotaABusyLoopIsAboutOneCoreAndAgreesWithCpuacct()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.StartBusyLoop();
        Thread.Sleep(300);
        var sampler = new Sampler(new SamplingOptions());
        var a = sampler.Take();
        ulong u0 = CpuacctUsage(cg);
        long t0 = Stopwatch.GetTimestamp();
        Thread.Sleep(2000);
        var b = sampler.Take();
        ulong u1 = CpuacctUsage(cg);
        double kernelCores = (u1 - u0) / 1e9 / Stopwatch.GetElapsedTime(t0).TotalSeconds;

        var row = Assert.Single(FrameBuilder.Build(a, b).Cgroups, c => c.Path == cg.CgroupPath);
        Assert.Null(row.Cpu.LimitCores);
        Assert.Null(row.Cpu.PercentOfLimit);
        Assert.Null(row.Effective.CpuLimitCores);
        // One busy loop on a 2-core machine gets about a core, unless other work competes for the CPUs: measure that
        // from the host's own busy time, and always require what the kernel counted.
        double hostBusyCores = (b.Host.Cpu.Busy - a.Host.Cpu.Busy) / (double)ProcFs.Proc.SystemConf.UserHz / Sample.Seconds(a, b);
        double others = hostBusyCores - row.Cpu.UsedCores!.Value;
        if (others < 0.5) Assert.InRange(row.Cpu.UsedCores!.Value, 0.85, 1.05);
        else Assert.InRange(row.Cpu.UsedCores!.Value, 0.1, 1.05);
        Assert.InRange(row.Cpu.UsedCores!.Value, kernelCores - 0.03, kernelCores + 0.03);
    }

    [KernelFact]
    public void AnOomKillShowsInTheNextSampleWhileSamplesWithoutKillsLeaveTheOomFilesUnread()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("memory", "memory.limit_in_bytes", "16M");
        var sampler = new Sampler(new SamplingOptions { Processes = false });
        ulong? Kills() => sampler.Take().Cgroups[cg.CgroupPath].Memory!.OomKills;
        Assert.Equal(0UL, Kills());
        for (int i = 0; i < 3; i++) Assert.Equal(0UL, Kills());
        Assert.True(sampler.OomFilesSkipped > 0, "no OOM-kill file was left unread over 4 samples without a kill");

        // tail keeps all of /dev/zero's one endless line: the kernel kills it at the cgroup's 16 MiB.
        var hog = cg.Start("exec tail /dev/zero");
        Assert.True(hog.WaitForExit(30_000), "tail /dev/zero was not killed under a 16 MiB limit in 30 s");
        var line = cg.Read("memory", "memory.oom_control").Split('\n').Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
        Assert.Equal("oom_kill 1", line);
        Assert.Equal(1UL, Kills());
        Assert.Equal(1UL, Kills());
    }

    [KernelFact]
    public void MemoryLimitAndUsageMatchTheKernelFiles()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("memory", "memory.limit_in_bytes", "64M");
        cg.Write("pids", "pids.max", "20");
        cg.Start("x=$(head -c 20000000 /dev/zero | tr '\\0' a); sleep 60");
        // Wait until the shell holds its 20 MB and has stopped growing, so ctop and the kernel file see the same usage.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        long Usage() => long.Parse(cg.Read("memory", "memory.usage_in_bytes"), CultureInfo.InvariantCulture);
        long last = -1;
        while (DateTime.UtcNow < deadline)
        {
            long now = Usage();
            if (now > 20_000_000 && Math.Abs(now - last) < 256 * 1024) break;
            last = now;
            Thread.Sleep(300);
        }

        var sampler = new Sampler(new SamplingOptions { Processes = false });
        var frame = FrameBuilder.Build(sampler.Take(), sampler.Take());
        long kernelUsage = long.Parse(cg.Read("memory", "memory.usage_in_bytes"), CultureInfo.InvariantCulture);
        var row = Assert.Single(frame.Cgroups, c => c.Path == cg.CgroupPath);
        Assert.Equal(64L << 20, row.Memory.LimitBytes);
        Assert.InRange(row.Memory.UsageBytes!.Value, kernelUsage - (1 << 20), kernelUsage + (1 << 20));
        Assert.True(row.Memory.UsageBytes > 20_000_000);
        Assert.InRange(row.Memory.PercentOfLimit!.Value, 20_000_000 * 100.0 / (64 << 20), 100);
        Assert.True(row.Memory.WorkingSetBytes <= row.Memory.UsageBytes);
        Assert.Equal(64L << 20, row.Effective.MemoryLimitBytes);
        Assert.Equal(20, row.Pids.Max);
        Assert.True(row.Pids.Current >= 1);
        Assert.Equal(0, row.Memory.OomKills);
    }

    [KernelFact]
    public void ProcessesAndCgroupsThatVanishMidRunCauseNoError()
    {
        var sampler = new Sampler(new SamplingOptions());
        var prev = sampler.Take();
        // Four seconds of churn and at least four frames: a loaded machine may take longer to sample the host that often.
        var stop = DateTime.UtcNow.AddSeconds(4);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int frames = 0;
        // Churn: short-lived processes and cgroups that come and go while sampling runs flat out.
        using var churn = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        churn.Start("while :; do /bin/true; done");
        while ((DateTime.UtcNow < stop || frames < 4) && DateTime.UtcNow < deadline)
        {
            using (var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids"))
            {
                cg.Start("sleep 0.05");
                var s = sampler.Take();
                var f = FrameBuilder.Build(prev, s);
                Assert.All(f.Processes, p => Assert.True(p.CpuPercent >= 0));
                Assert.All(f.Cgroups, c => Assert.True(c.Cpu.UsedCores is null or >= 0));
                prev = s;
                frames++;
            }
            var after = sampler.Take();
            FrameBuilder.Build(prev, after);
            prev = after;
        }
        Assert.True(frames > 3);
        Assert.Empty(sampler.Warnings);
    }

    [KernelFact]
    public void AProcessMovedToAnotherCgroupShowsThereWithinTheRefreshOfEightSamples()
    {
        using var a = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        using var b = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        var sleeper = a.Start("exec sleep 60");
        try
        {
            Thread.Sleep(200);
            using var sampler = new Sampler(new SamplingOptions());
            // The first sample takes every process's cgroup from the cgroup.procs files of the tree.
            Assert.Equal(a.CgroupPath, sampler.Take().Processes[sleeper.Id].Info.CgroupPath);
            foreach (var c in b.Controllers) b.Write(c, "cgroup.procs", sleeper.Id.ToString(CultureInfo.InvariantCulture));
            var seen = new List<string?>();
            for (int i = 0; i < 8; i++) seen.Add(sampler.Take().Processes[sleeper.Id].Info.CgroupPath);
            Assert.Equal(b.CgroupPath, seen[^1]);
            Assert.Contains(a.CgroupPath, seen); // not re-read every sample: the move shows at the next refresh
        }
        finally
        {
            // b did not start it, so b's Dispose would find its cgroup busy: end it here.
            sleeper.Kill();
            sleeper.WaitForExit(5000);
        }
    }

    [KernelFact]
    public void FrameSourceDeliversFramesOnItsOwnThread()
    {
        using var cg = new RealCgroup("cpu", "cpuacct");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000");
        cg.Favour();
        cg.StartBusyLoop();
        var history = new History();
        var frames = FrameSource.Create(new SamplingOptions { Interval = TimeSpan.FromMilliseconds(500) }, history: history)
            .Take(4).ToList().Wait();
        Assert.Equal(4, frames.Count);
        // The first frame pairs the first sample with one taken 0.1 s later (or as soon as the cold first sample is done);
        // the second runs from there to the grid's next tick; by the last the samples are warm and on the grid.
        Assert.InRange(frames[0].IntervalSeconds, 0.05, 1.5);
        Assert.All(frames.Skip(1), f => Assert.InRange(f.IntervalSeconds, 0.1, 1.5));
        // On the grid: a whole number of ticks, within a quarter tick. A sample that overran its tick on a loaded machine
        // drops the next tick (CI saw 1.02 s), which is on the grid too.
        double ticks = frames[^1].IntervalSeconds / 0.5;
        Assert.True(ticks >= 0.75 && Math.Abs(ticks - Math.Round(ticks)) <= 0.25, $"last interval {frames[^1].IntervalSeconds:F3} s is off the 0.5-s grid");
        Assert.Equal(4, history.OfCgroup(cg.CgroupPath).Count);
        // Over half a second a 20-ms-per-period quota shows to within a period's worth at either end.
        Assert.InRange(frames[^1].Cgroups.Single(c => c.Path == cg.CgroupPath).Cpu.UsedCores!.Value, 0.1, 0.3);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "real kernel";
}
