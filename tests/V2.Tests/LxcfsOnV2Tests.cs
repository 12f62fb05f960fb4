using System.Globalization;
using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// `ctop proc` (src/Ctop/Lxcfs) on the v2 guest, computed from v2 files: /ctop-v2/idle (memory.max 64 MiB, a sleeper),
/// /ctop-v2/ns (cpu.max 0.5 cores, both CPUs) and /ctop-v2/nsset (cpuset "0", cpu.max 1.5 cores).
/// </summary>
[Collection(V2Collection.Name)]
public sealed class LxcfsOnV2Tests(V2Run vm)
{
    private string Out(string name)
    {
        Assert.True(vm.Facts[$"proc_{name}_rc"] == "0", vm.TextOrNull($"proc-{name}.err"));
        return vm.Text($"proc-{name}.out");
    }

    private static long Kb(string meminfo, string key) => long.Parse(
        meminfo.Split('\n').First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
        CultureInfo.InvariantCulture);

    private static int Processors(string cpuinfo) => cpuinfo.Split('\n').Count(l => l.StartsWith("processor", StringComparison.Ordinal));

    [V2Fact]
    public void Meminfo_total_is_memory_max_and_free_is_limit_minus_usage()
    {
        var m = Out("meminfo-idle");
        Assert.Equal(65536, Kb(m, "MemTotal"));
        Assert.InRange(Kb(m, "MemFree"), 65536 - 8192, 65536 - 1); // a sleeper uses well under 8 MiB
        Assert.True(Kb(m, "MemAvailable") >= Kb(m, "MemFree"));
    }

    [V2Fact]
    public void Proc_shows_a_process_cgroup_and_limits()
    {
        // --pid of the sleeper (host pid namespace): its own cgroup, /ctop-v2/idle.
        Assert.Equal(65536, Kb(Out("meminfo-pid"), "MemTotal"));
    }

    [V2Fact]
    public void Cpuinfo_and_cpu_online_follow_the_cpuset_and_with_cfs_the_quota()
    {
        int online = int.Parse(vm.Facts["nproc"], CultureInfo.InvariantCulture);
        Assert.Equal(online, Processors(Out("cpuinfo-ns")));     // no cpuset of its own: every CPU
        Assert.Equal(1, Processors(Out("cpuinfo-ns-cfs")));      // ⌈0.5⌉
        Assert.Equal(1, Processors(Out("cpuinfo-nsset")));       // cpuset "0"
        Assert.Equal(online == 1 ? "0" : $"0-{online - 1}", Out("online-ns").Trim());
        Assert.Equal("0", Out("online-ns-cfs").Trim());
        Assert.Equal("0", Out("online-nsset").Trim());
    }

    [V2Fact]
    public void Stat_lists_the_cpuset_cpus_and_on_v2_ignores_cfs()
    {
        static string[] CpuLines(string stat) => stat.Split('\n').Where(l => l.StartsWith("cpu", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[0]).ToArray();
        Assert.Equal(["cpu", "cpu0"], CpuLines(Out("stat-nsset")));
        // v2 has no per-CPU usage (no cpuacct.usage_all), so there is nothing to fold onto fewer CPUs: by StatView's
        // design the cpuset's host lines are copied, --cfs or not (cpuinfo and cpu-online do follow the quota).
        int online = int.Parse(vm.Facts["nproc"], CultureInfo.InvariantCulture);
        Assert.Equal(["cpu", .. Enumerable.Range(0, online).Select(i => $"cpu{i}")], CpuLines(Out("stat-ns-cfs")));
    }

    [V2Fact]
    public void Uptime_is_the_age_of_the_cgroups_oldest_process()
    {
        var f = Out("uptime-idle").Trim().Split(' ');
        double age = double.Parse(f[0], CultureInfo.InvariantCulture);
        double host = double.Parse(vm.Text("uptime.after-proc").Split(' ')[0], CultureInfo.InvariantCulture);
        // The sleeper started after the payload began and before the snapshot; ctop proc ran seconds before the cat.
        double bootUptime = double.Parse(vm.Facts["boot_uptime"], CultureInfo.InvariantCulture);
        double snapshotUptime = double.Parse(vm.Facts["snapshot_uptime"], CultureInfo.InvariantCulture);
        Assert.InRange(age, host - snapshotUptime - 15, host - bootUptime);
        Assert.InRange(double.Parse(f[1], CultureInfo.InvariantCulture), 0, age);
    }
}
