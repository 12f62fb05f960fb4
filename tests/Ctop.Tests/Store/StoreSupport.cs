using System.Diagnostics;
using Ctop.Model;
using Ctop.Store;
using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Tests.Store;

/// <summary>Hand-built samples with every field the store keeps, and a frame's full text to compare to the last digit.</summary>
internal static class StoreSupport
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 7, 3, 0, 0, TimeSpan.FromHours(1));

    /// <summary>Every field of the frame, doubles in round-trip form (record ToString), rows in order.</summary>
    public static string Describe(Frame f) =>
        (f with { Cgroups = [], Processes = [] }).ToString() + "\n" + string.Join("\n", f.Cgroups) + "\n" + string.Join("\n", f.Processes.Select(p => p + " " + p.Container));

    public static string Describe(Sample s) =>
        $"{s.Timestamp} {s.ProcessTimestamp} {s.Time:O} {s.Host} {s.Scope}\n"
        + string.Join("\n", s.Cgroups.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value + " cpus=" + c.Value.EffectiveCpus + " " + c.Value.Cpu + " " + c.Value.Memory + " " + c.Value.Pids + " " + c.Value.Pressure + " " + c.Value.Pressure?.Cpu))
        + "\n" + string.Join("\n", s.Processes.OrderBy(p => p.Key).Select(p => p.Value + $" {p.Value.Info.User}|{p.Value.Info.Command}|{p.Value.Info.CgroupPath}|{p.Value.Info.Container}"));

    /// <summary>
    /// A sample at step <paramref name="k"/> of a made-up host: processes come and go (churn), counters grow, a cgroup
    /// appears and one disappears, PSI and cpusets present on some.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Command, string Cgroup), ProcessInfo> Infos = new();

    public static Sample Synthetic(int k, Random rng, DateTimeOffset? time = null, int processes = 30)
    {
        var cgroups = new Dictionary<string, CgroupStats>(StringComparer.Ordinal);
        string[] paths = ["/", "/docker", "/docker/" + new string('a', 64), "/system.slice", "/system.slice/ssh.service", k % 5 < 3 ? "/short-lived" : "/other"];
        foreach (var p in paths.Order(StringComparer.Ordinal))
        {
            bool quota = p.StartsWith("/docker/", StringComparison.Ordinal);
            var cpu = new CgroupCpu((ulong)(k * 1_000_000 + p.Length * 7), quota ? 50000 : null, 100000, p == "/" ? null : 100, 1024,
                (ulong)(k * 10), (ulong)(k * 3), (ulong)(k * 12345));
            var mem = new CgroupMemory((ulong)(100 << 20) + (ulong)rng.Next(0, 4096) * 4096, quota ? 256UL << 20 : null, null, 1UL << 20, null, null,
                (ulong)(k / 7), (ulong)k, null);
            var pressure = p == "/docker" ? new CgroupPressure(new Pressure(new PressureLine(k * 0.01, 1.5, 0.25, (ulong)k * 1000), null), null,
                new Pressure(new PressureLine(0, 0, 0, 0), new PressureLine(0.1, 0.2, 0.3, 7))) : null;
            cgroups[p] = new CgroupStats(p, cpu, mem, new CgroupPids((ulong)k % 4, quota ? 100 : null),
                p == "/" ? CpuList.FromCpus([0, 1, 2, 3, 7]) : null, quota ? new IoTotals((ulong)k * 4096, 8192, (ulong)k, 2) : null, pressure);
        }
        var procs = new Dictionary<int, ProcessSample>();
        for (int i = 0; i < processes; i++)
        {
            int pid = 100 + i * 3;
            if ((i + k) % 11 == 0) continue; // churn: every sample some are missing
            bool reused = (i + k) % 13 == 0; // a PID reused by a new process
            // Some move between two cgroups from sample to sample. As the sampler does, an unchanged process keeps its
            // ProcessInfo object from sample to sample (the encoder keeps its strings' ids by it).
            string cgroup = i % 7 == 1 ? paths[k % 2 == 0 ? 2 : 4] : i % 3 == 0 ? paths[2] : paths[4];
            var info = Infos.GetOrAdd((i % 4 == 0 ? "www-data" : "root", reused ? "new-" + i : $"/usr/bin/thing --n {i} ünï", cgroup),
                key => new ProcessInfo(key.User, key.Command, key.Cgroup, ContainerNames.FromPath(key.Cgroup)));
            procs[pid] = new ProcessSample(pid, reused ? 9_000UL + (ulong)k : 500UL + (ulong)i, 1, i % 5 == 0 ? 'R' : 'S',
                i % 5 == 0 ? (ulong)(k * 10 + i) : (ulong)i, (i + 1) * 4096L * 100, 1 + i % 4, info) { WaitNs = i % 7 == 0 ? (ulong)k * 999 : null };
        }
        long ts = 1_000_000_000L + k * Stopwatch.Frequency;
        return new Sample
        {
            Timestamp = ts,
            ProcessTimestamp = ts + 1234,
            Time = time ?? T0.AddSeconds(k),
            Host = new HostSample(new CpuTimes((ulong)(1000 + k * 100), 5, (ulong)(300 + k * 20), (ulong)(50000 + k * 80), 10, 0, 3, 0, 0, 0), 4,
                24UL << 30, (20UL << 30) - (ulong)k * 4096, new LoadAvg(0.5 + k * 0.01, 0.4, 0.3, 2, 345, 6789 + k), new Uptime(1000 + k, 1900 + k * 3.5)),
            Scope = k % 2 == 0 ? new Scope(ScopeKind.Host, 4, 24L << 30)
                : new Scope(ScopeKind.Container, 0.5, 256L << 20, "web", paths[2], 0, 12.5, new ScopeLoad(0.1, 0.2, 0.3, 1, 7)),
            Processes = procs,
            Cgroups = cgroups,
        };
    }

    public static IReadOnlyDictionary<string, ContainerId> NoNames { get; } = new Dictionary<string, ContainerId>();

    public static string TempDir() => Directory.CreateTempSubdirectory("ctop-test-store-").FullName;

    /// <summary>All decodable samples of a store, in order.</summary>
    public static List<RecordedSample> ReadAll(StoreReader reader)
    {
        var list = new List<RecordedSample>();
        for (var p = reader.First(); p is { } at; p = reader.Next(at))
            if (reader.Sample(at) is { } s) list.Add(s);
        return list;
    }
}
