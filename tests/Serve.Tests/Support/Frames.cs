using Ctop.Model;

namespace Serve.Tests.Support;

/// <summary>Frames built by hand: every value a test checks is one it chose.</summary>
public static class Frames
{
    public static CgroupView Cgroup(string path, long? quota = null, long? period = null, double? used = null, long? usage = null, long? limit = null,
        double? effectiveCpu = null, string? cpuBy = null, long? effectiveMem = null, string? memBy = null, ContainerId? container = null) =>
        new(path, path, container,
            new CpuView(used, quota is long q && period is long p ? (double)q / p : null, null, 0.75, 0.1, null, quota, period, 100),
            new MemoryView(usage, usage, limit, null, null, 2),
            new PidsView(3, null),
            new EffectiveLimits(effectiveCpu, cpuBy, effectiveMem, memBy) { CpuUsageRatio = used is double u && effectiveCpu is double e ? u / e : null },
            null, null)
        {
            Counters = new CgroupCounters
            {
                CpuUsageSeconds = 12.5, CfsPeriods = 1000, CfsThrottledPeriods = 600, CfsThrottledSeconds = 3.25, CpuShares = 1024,
                MemoryLimitHits = 7, MemorySomeStalledSeconds = 0.5,
            },
        };

    public static Frame Of(params CgroupView[] cgroups) =>
        new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), 1.0, new Scope(ScopeKind.Host, 2, 1L << 30), cgroups, []);
}
