using Ctop.Model;

namespace Ctop.Tests.Support;

/// <summary>Hand-built frames: the output layer is tested without a kernel.</summary>
internal static class Frames
{
    public static readonly DateTimeOffset Time = new(2026, 11, 26, 10, 0, 1, TimeSpan.Zero);

    public static CgroupView Cgroup(
        string path,
        ContainerId? container = null,
        double? usedCores = 0.25, double? limitCores = 2.0, double? percentOfLimit = 12.5,
        double? throttledRatio = 0.031, double? throttledSeconds = 0.0125, int? cpusetCpus = 4,
        long? usage = 300L << 20, long? workingSet = 12_897_485, long? limit = 256L << 20,
        double? memPercent = 4.8, long? pidsCurrent = 12, long? pidsMax = 100) =>
        new(path,
            path.Split('/').LastOrDefault(s => s.Length > 0) ?? "/",
            container,
            new CpuView(usedCores, limitCores, percentOfLimit, throttledRatio, throttledSeconds, cpusetCpus, 200_000, 100_000, 100),
            new MemoryView(usage, workingSet, limit, memPercent, null, 0),
            new PidsView(pidsCurrent, pidsMax),
            new EffectiveLimits(limitCores, limitCores is null ? null : path, limit, limit is null ? null : path),
            null,
            null);

    public static CgroupView Unknown(string path) =>
        new(path, "x", null,
            new CpuView(null, null, null, null, null, null, null, null, null),
            new MemoryView(null, null, null, null, null, null),
            new PidsView(null, null),
            new EffectiveLimits(null, null, null, null),
            null, null);

    public static ProcessView Process(int pid, string command = "nginx: master process", string? cgroup = "/docker/abc",
        ContainerId? container = null, string user = "root", char state = 'S', double cpu = 12.5,
        long rss = 47_815_065, int threads = 12) =>
        new(pid, 1, user, state, cpu, rss, threads, cgroup, container, command, 3.25);

    public static Frame Frame(IReadOnlyList<CgroupView>? cgroups = null, IReadOnlyList<ProcessView>? processes = null,
        Scope? scope = null, DateTimeOffset? time = null) =>
        new(time ?? Time, 1.0, scope ?? new Scope(ScopeKind.Host, 8, 16L << 30), cgroups ?? [], processes ?? []);

    public static readonly ContainerId Web = new("docker", new string('a', 64), "web");
}
