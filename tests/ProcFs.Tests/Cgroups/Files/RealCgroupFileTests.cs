using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups.Files;

/// <summary>Reads real ctop-test-* cgroups on this kernel and compares with the raw file text.</summary>
public class RealCgroupFileTests
{
    private const string Unified = "/sys/fs/cgroup/unified";

    private static ulong Raw(string dir, string file) => ulong.Parse(File.ReadAllText(Path.Combine(dir, file)).Trim());

    /// <summary>
    /// What the reader read, taken while the file read the same just before and just after: a cgroup whose task just
    /// exited can still be uncharging (deferred frees, per-CPU charge stock drained by a neighbour), so one look may
    /// fall between two values.
    /// </summary>
    private static (string Raw, T Read) Settled<T>(string path, Func<T> read)
    {
        for (int i = 0; ; i++)
        {
            string before = File.ReadAllText(path);
            T mine = read();
            string after = File.ReadAllText(path);
            if (before == after || i == 50) return (before, mine);
            Thread.Sleep(20);
        }
    }

    [KernelFact]
    public void V1_cpu_bandwidth_stat_and_shares()
    {
        using var cg = new RealCgroup("cpu");
        var dir = cg.Dir("cpu");
        var reader = new CgroupFileReader();

        var initial = reader.ReadCfsBandwidth(dir)!.Value;
        Assert.True(initial.IsUnlimited);

        File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), "20000");
        var m = reader.ReadCfsBandwidth(dir)!.Value;
        Assert.Equal(long.Parse(File.ReadAllText(Path.Combine(dir, "cpu.cfs_quota_us")).Trim()), m.QuotaUsec);
        Assert.Equal(20000L, m.QuotaUsec);
        Assert.Equal((long)Raw(dir, "cpu.cfs_period_us"), m.PeriodUsec);
        Assert.Equal(20000.0 / m.PeriodUsec, m.Cores);

        var stat = reader.ReadCpuStat(dir, CgroupVersion.V1)!.Value;
        var raw = File.ReadAllLines(Path.Combine(dir, "cpu.stat")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => ulong.Parse(p[1]));
        Assert.Equal(raw["nr_periods"], stat.NrPeriods);
        Assert.Equal(raw["nr_throttled"], stat.NrThrottled);
        Assert.Equal(raw["throttled_time"], stat.ThrottledNs);
        Assert.Null(stat.UsageNs);

        Assert.Equal(new CpuShares(Raw(dir, "cpu.shares")), reader.ReadCpuShares(dir));
    }

    [KernelFact]
    public void V1_cpuacct_memory_and_pids_match_the_raw_files()
    {
        using var cg = new RealCgroup("cpuacct", "memory", "pids");
        // A short burst of work, finished before reading, so the counters are non-zero and stable.
        var p = cg.Start("i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; x=$(seq 1 20000 | tail -1)");
        Assert.True(p.WaitForExit(60_000));
        var reader = new CgroupFileReader();

        var cpuacct = cg.Dir("cpuacct");
        ulong usage = reader.ReadCpuacctUsage(cpuacct)!.Value;
        Assert.Equal(Raw(cpuacct, "cpuacct.usage"), usage);
        Assert.True(usage > 0);
        var perCpu = reader.ReadCpuacctUsagePerCpu(cpuacct)!;
        Assert.Equal(File.ReadAllText(Path.Combine(cpuacct, "cpuacct.usage_percpu")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ulong.Parse), perCpu);
        var all = reader.ReadCpuacctUsageAll(cpuacct)!;
        Assert.Equal(perCpu.Length, all.Cpus.Count);
        Assert.NotNull(reader.ReadCpuacctStat(cpuacct));

        var memory = cg.Dir("memory");
        var memUsage = Settled(Path.Combine(memory, "memory.usage_in_bytes"), () => reader.ReadCounter(memory, "memory.usage_in_bytes"));
        Assert.Equal(ulong.Parse(memUsage.Raw.Trim()), memUsage.Read);
        Assert.Equal(Raw(memory, "memory.failcnt"), reader.ReadCounter(memory, "memory.failcnt"));
        Assert.True(reader.ReadLimit(memory, "memory.limit_in_bytes").IsUnlimited);
        File.WriteAllText(Path.Combine(memory, "memory.limit_in_bytes"), "67108864");
        Assert.Equal(LimitRead.Of(67108864), reader.ReadLimit(memory, "memory.limit_in_bytes"));
        Assert.Equal(Raw(memory, "memory.limit_in_bytes"), reader.ReadLimit(memory, "memory.limit_in_bytes").Value);

        var (statText, stat) = Settled(Path.Combine(memory, "memory.stat"), () => reader.ReadMemoryStat(memory)!);
        foreach (var line in statText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = line.Split(' ');
            Assert.True(stat.TryGet(kv[0], out var v), kv[0]);
            Assert.Equal(ulong.Parse(kv[1]), v);
        }
        Assert.NotNull(stat.InactiveFileBytes(CgroupVersion.V1));
        Assert.Equal(LimitRead.Of(67108864), stat.HierarchicalMemoryLimitBytes);

        var oom = reader.ReadMemoryOomControl(memory)!.Value;
        Assert.False(oom.OomKillDisable);
        Assert.Equal(0UL, oom.OomKill);

        var pids = cg.Dir("pids");
        Assert.Equal(Raw(pids, "pids.current"), reader.ReadCounter(pids, "pids.current"));
        Assert.Equal(LimitRead.Unlimited, reader.ReadLimit(pids, "pids.max"));
        File.WriteAllText(Path.Combine(pids, "pids.max"), "50");
        Assert.Equal(LimitRead.Of(50), reader.ReadLimit(pids, "pids.max"));
        Assert.Equal(new PidsEvents(0), reader.ReadPidsEvents(pids));
    }

    [KernelFact]
    public void V1_cpuset_and_blkio()
    {
        using var cg = new RealCgroup("cpuset", "blkio");
        var reader = new CgroupFileReader();
        var cpuset = cg.Dir("cpuset");
        foreach (var file in new[] { "cpuset.cpus", "cpuset.effective_cpus", "cpuset.mems", "cpuset.effective_mems" })
            Assert.Equal(File.ReadAllText(Path.Combine(cpuset, file)).Trim(), reader.ReadCpuList(cpuset, file)!.ToString());
        Assert.Equal(Environment.ProcessorCount, reader.ReadCpuList(cpuset, "cpuset.effective_cpus")!.Count);

        var blkio = cg.Dir("blkio");
        Assert.Equal(default(IoTotals), reader.ReadBlkioThrottle(blkio));
        Assert.Equal(default(IoTotals), reader.ReadBlkioThrottle(blkio, recursive: false));
    }

    [KernelFact]
    public void V2_unified_pressure_and_cpu_stat()
    {
        Assert.True(Directory.Exists(Unified), $"{Unified} (cgroup2 of the hybrid layout) is missing");
        var dir = Path.Combine(Unified, $"ctop-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(dir);
        try
        {
            var reader = new CgroupFileReader();
            foreach (var resource in new[] { "cpu", "memory", "io" })
            {
                var p = reader.ReadPressure(dir, resource)!.Value;
                // An empty new cgroup has never stalled: everything is zero, so reads are stable.
                Assert.Equal(new PressureLine(0, 0, 0, 0), p.Some);
                Assert.Equal(new PressureLine(0, 0, 0, 0), p.Full);
                Assert.Equal(File.ReadAllText(Path.Combine(dir, resource + ".pressure")).TrimEnd(), p.ToString());
            }
            var stat = reader.ReadCpuStat(dir, CgroupVersion.V2)!.Value;
            var raw = File.ReadAllLines(Path.Combine(dir, "cpu.stat")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => ulong.Parse(p[1]));
            Assert.Equal(raw["usage_usec"] * 1000, stat.UsageNs);
            Assert.Equal(raw["user_usec"] * 1000, stat.UserNs);
            Assert.Equal(raw["system_usec"] * 1000, stat.SystemNs);

            var host = reader.ReadPressureFile("/proc/pressure/cpu")!.Value;
            Assert.NotNull(host.Some);
            Assert.Null(reader.ReadPressure(dir, "nonexistent"));
        }
        finally
        {
            RealCgroup.RemoveTree(dir);
        }
    }
}
