using System.Diagnostics;
using Ctop.Model;
using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Serve.Tests;

/// <summary>The frame fields the exporter formats: cumulative counters as read, and usage against the effective limits.</summary>
public class FrameCountersTests
{
    private static Sample At(double seconds, params CgroupStats[] cgroups) => new()
    {
        Timestamp = (long)(seconds * Stopwatch.Frequency),
        ProcessTimestamp = (long)(seconds * Stopwatch.Frequency),
        Time = DateTimeOffset.UnixEpoch.AddSeconds(seconds),
        Host = new HostSample(default, 2, 1 << 30, null, new LoadAvg(), new Uptime(1000 + seconds, 0)),
        Scope = new Scope(ScopeKind.Host, 2, 1 << 30),
        Processes = new Dictionary<int, ProcessSample>(),
        Cgroups = cgroups.ToDictionary(c => c.Path),
    };

    private static CgroupStats Cg(string path, ulong usageNs, long? quota, ulong periods, ulong throttled, ulong throttledNs, ulong memory, ulong? limit, ulong failcnt,
        CgroupPressure? pressure = null) =>
        new(path, new CgroupCpu(usageNs, quota, 100_000, 100, 1024, periods, throttled, throttledNs),
            new CgroupMemory(memory, limit, null, memory / 4, null, null, 3, failcnt, null), new CgroupPids(1, null), null, null, pressure);

    [Fact]
    public void Counters_are_the_kernels_in_base_units_and_ratios_are_against_the_effective_limits()
    {
        var psi = new CgroupPressure(new Pressure(new PressureLine(1, 1, 1, 2_500_000), new PressureLine(0, 0, 0, 500_000)), null, new Pressure(new PressureLine(0, 0, 0, 7), null));
        var a = At(0, Cg("/p", 0, 50_000, 0, 0, 0, 100 << 20, 256 << 20, 0), Cg("/p/c", 0, null, 0, 0, 0, 80 << 20, null, 0));
        var b = At(2, Cg("/p", 1_000_000_000, 50_000, 20, 15, 400_000_000, 200 << 20, 256 << 20, 9),
            Cg("/p/c", 900_000_000, null, 0, 0, 0, 128 << 20, null, 4, psi));
        var f = FrameBuilder.Build(a, b);
        var p = f.Cgroups.Single(c => c.Path == "/p");
        var c = f.Cgroups.Single(c => c.Path == "/p/c");

        Assert.Equal(1.0, p.Counters!.CpuUsageSeconds);
        Assert.Equal(20UL, p.Counters.CfsPeriods);
        Assert.Equal(15UL, p.Counters.CfsThrottledPeriods);
        Assert.Equal(0.4, p.Counters.CfsThrottledSeconds);
        Assert.Equal(1024UL, p.Counters.CpuShares);
        Assert.Equal(9UL, p.Counters.MemoryLimitHits);
        Assert.Equal(2.5, c.Counters!.CpuSomeStalledSeconds);
        Assert.Equal(0.5, c.Counters.CpuFullStalledSeconds);
        Assert.Null(c.Counters.MemorySomeStalledSeconds);
        Assert.Equal(7e-6, c.Counters.IoSomeStalledSeconds);

        // The child's own limits are none; its parent's 0.5 cores and 256 MiB bind it.
        Assert.Equal(0.5, c.Effective.CpuLimitCores);
        Assert.Equal("/p", c.Effective.CpuLimitSetBy);
        Assert.Equal(0.45 / 0.5, c.Effective.CpuUsageRatio!.Value, 9);
        Assert.Equal((128 << 20) * 0.75 / (256 << 20), c.Effective.MemoryWorkingSetRatio!.Value, 9);
        Assert.Equal(0.5 / 0.5, p.Effective.CpuUsageRatio!.Value, 9);
    }

    [Fact]
    public void Unlimited_all_the_way_up_has_no_ratio()
    {
        var a = At(0, Cg("/u", 0, null, 0, 0, 0, 1 << 20, null, 0));
        var b = At(1, Cg("/u", 500_000_000, null, 0, 0, 0, 1 << 20, null, 0));
        var u = FrameBuilder.Build(a, b).Cgroups.Single();
        Assert.Null(u.Effective.CpuUsageRatio);
        Assert.Null(u.Effective.MemoryWorkingSetRatio);
    }
}
