using System.Diagnostics;
using Ctop.Model;
using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Tests.Model;

public class FrameBuilderTests
{
    private static readonly long Second = Stopwatch.Frequency;
    private static readonly ProcessInfo Info = new("root", "busy", "/a", null);

    private static CgroupStats Cg(string path, ulong usageNs, long? quota = null, ulong periods = 0, ulong throttled = 0, ulong throttledNs = 0,
        ulong? mem = null, ulong? memLimit = null, ulong inactiveFile = 0) =>
        new(path, new CgroupCpu(usageNs, quota, 100_000, 100, 1024, periods, throttled, throttledNs),
            mem is null ? null : new CgroupMemory(mem, memLimit, null, inactiveFile, null, null, 0, 0, null),
            new CgroupPids(3, 10), null, null, null);

    private static Sample At(double seconds, CgroupStats[] cgroups, ProcessSample[]? processes = null, double uptime = 1000) => new()
    {
        Timestamp = (long)(seconds * Second),
        ProcessTimestamp = (long)(seconds * Second),
        Time = DateTimeOffset.UnixEpoch.AddSeconds(seconds),
        Host = new HostSample(default, 2, 1 << 30, null, new LoadAvg(), new Uptime(uptime + seconds, 0)),
        Scope = new Scope(ScopeKind.Host, 2, 1 << 30),
        Processes = (processes ?? []).ToDictionary(p => p.Pid),
        Cgroups = cgroups.ToDictionary(c => c.Path),
    };

    [Fact]
    public void CgroupCpuIsCoresAgainstTheQuotaWithThrottling()
    {
        var a = At(0, [Cg("/", 0), Cg("/a", 1_000_000_000, quota: 30_000, periods: 100, throttled: 10, throttledNs: 1_000_000_000)]);
        var b = At(2, [Cg("/", 0), Cg("/a", 1_600_000_000, quota: 30_000, periods: 120, throttled: 29, throttledNs: 1_500_000_000)]);
        var f = FrameBuilder.Build(a, b);
        var c = f.Cgroups.Single(x => x.Path == "/a");
        Assert.Equal(2, f.IntervalSeconds, 6);
        Assert.Equal(0.3, c.Cpu.UsedCores!.Value, 6);
        Assert.Equal(0.3, c.Cpu.LimitCores!.Value, 6);
        Assert.Equal(100, c.Cpu.PercentOfLimit!.Value, 6);
        Assert.Equal(19.0 / 20, c.Cpu.ThrottledRatio!.Value, 6);
        Assert.Equal(0.25, c.Cpu.ThrottledSeconds!.Value, 6);
        Assert.Equal("/a", c.Effective.CpuLimitSetBy);
    }

    [Fact]
    public void ProcessMemPercentIsDefinedOnceAndEveryViewShowsIt()
    {
        // RSS 256 MiB of the scope's 1 GiB: 25%. The dashboard's MEM% cell and the JSON read the frame's figure.
        var p = new ProcessSample(7, StartTime: 100, 1, 'R', CpuTicks: 1000, 256L << 20, 1, Info);
        var f = FrameBuilder.Build(At(0, [Cg("/", 0)], [p]), At(1, [Cg("/", 0)], [p with { CpuTicks = 1050 }]));
        var view = f.Processes.Single();
        Assert.Equal(25.0, view.MemoryPercent!.Value, 9);
        var table = new Ctop.Ui.ProcessTableModel();
        table.Update(f.Processes);
        Assert.Equal("25.0", table.Cell(0, Ctop.Ui.ProcessTableModel.MemColumn));
        Assert.Equal(25.0, Ctop.Output.JsonFrameMapper.ToJson(view).MemoryPercent);
        Assert.Equal(view.CpuPercent, Ctop.Output.JsonFrameMapper.ToJson(view).CpuPercent!.Value, 2);
    }

    [Fact]
    public void NoQuotaMeansNoLimitAndNoPercent()
    {
        var f = FrameBuilder.Build(At(0, [Cg("/b", 0)]), At(1, [Cg("/b", 1_000_000_000)]));
        var c = f.Cgroups.Single();
        Assert.Equal(1.0, c.Cpu.UsedCores!.Value, 6);
        Assert.Null(c.Cpu.LimitCores);
        Assert.Null(c.Cpu.PercentOfLimit);
        Assert.Null(c.Effective.CpuLimitCores);
    }

    [Fact]
    public void ACounterThatWentBackwardsStartsFreshInsteadOfGoingNegative()
    {
        // The cgroup was removed and created again between samples.
        var f = FrameBuilder.Build(At(0, [Cg("/a", 5_000_000_000, periods: 500, throttled: 400)]), At(1, [Cg("/a", 100, periods: 1, throttled: 0)]));
        var c = f.Cgroups.Single();
        Assert.Null(c.Cpu.UsedCores);
        Assert.Null(c.Cpu.ThrottledRatio);
    }

    [Fact]
    public void MemoryIsUsageWorkingSetAndPercentOfLimit()
    {
        var f = FrameBuilder.Build(At(0, []), At(1, [Cg("/m", 0, mem: 600, memLimit: 1000, inactiveFile: 100)]));
        var m = f.Cgroups.Single().Memory;
        Assert.Equal(600, m.UsageBytes);
        Assert.Equal(500, m.WorkingSetBytes);
        Assert.Equal(1000, m.LimitBytes);
        Assert.Equal(60, m.PercentOfLimit);
    }

    [Fact]
    public void TheEffectiveLimitIsTheSmallestAlongTheAncestorsAndNamesItsSetter()
    {
        var cur = At(1, [
            Cg("/", 0),
            Cg("/p", 0, quota: 50_000, mem: 1, memLimit: 1 << 20),
            Cg("/p/c", 0, quota: 80_000, mem: 1, memLimit: 1 << 30),
            Cg("/p/c/d", 0, mem: 1, memLimit: 1 << 19),
        ]);
        var f = FrameBuilder.Build(At(0, []), cur);
        var d = f.Cgroups.Single(x => x.Path == "/p/c/d").Effective;
        Assert.Equal(0.5, d.CpuLimitCores);
        Assert.Equal("/p", d.CpuLimitSetBy);
        Assert.Equal(1 << 19, d.MemoryLimitBytes);
        Assert.Equal("/p/c/d", d.MemoryLimitSetBy);
    }

    [Fact]
    public void ProcessCpuIsPercentOfOneCpuLikeTop()
    {
        var hz = SystemConf.UserHz;
        var p0 = new ProcessSample(7, StartTime: 100, 1, 'R', CpuTicks: 1000, 4096, 1, Info);
        var p1 = p0 with { CpuTicks = 1000 + (ulong)(hz * 3 / 2) }; // 1.5 s of CPU in 2 s
        var f = FrameBuilder.Build(At(0, [], [p0]), At(2, [], [p1]));
        var v = f.Processes.Single();
        Assert.Equal(75, v.CpuPercent, 6);
        Assert.Equal("busy", v.Command);
        Assert.Equal((1000 + hz * 1.5) / hz, v.CpuSeconds, 6);
    }

    [Fact]
    public void AReusedPidIsANewProcessNotANegativeDelta()
    {
        var hz = SystemConf.UserHz;
        var old = new ProcessSample(7, StartTime: 100, 1, 'R', CpuTicks: 5000, 4096, 1, Info);
        // Same PID, started after the previous sample (uptime 1000 s at t=0), with 10 ticks so far.
        var reused = new ProcessSample(7, StartTime: (ulong)(1000.5 * hz), 1, 'R', CpuTicks: 10, 4096, 1, Info);
        var f = FrameBuilder.Build(At(0, [], [old]), At(1, [], [reused]));
        Assert.Equal(10.0 / hz * 100, f.Processes.Single().CpuPercent, 6);
    }

    [Fact]
    public void AProcessSeenForTheFirstTimeButOldHasNoBaseline()
    {
        var p = new ProcessSample(8, StartTime: 100, 1, 'S', CpuTicks: 5000, 4096, 1, Info);
        var f = FrameBuilder.Build(At(0, []), At(1, [], [p]));
        Assert.Equal(0, f.Processes.Single().CpuPercent);
    }
}
