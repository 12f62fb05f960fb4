using Ctop.Model;
using ProcFs.Cgroups;
using ProcFs.Proc;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>Host or container, and the container's capacity, on fixture hosts: PID 777 is "self", in the hybrid host's /ctop/box.</summary>
public class ScopeDetectorTests
{
    private const string Box = "/ctop/box";

    /// <summary>The hybrid fixture with /proc/self → 777, which sits in the box (0.2 CPU, 256 MiB); ns links as given.</summary>
    private static TempTree Fixture(string? cgroupNs = null, string? pidNs = null, bool inBox = true)
    {
        var t = HostFixtures.HybridHost().WithProc((777, "ctop", 100, 50), (778, "worker", 10, 5));
        if (!inBox) t.Write("proc/777/cgroup", "9:name=systemd:/\n8:pids:/\n7:blkio:/\n4:memory:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n");
        File.Copy(t.Path("proc/self/mountinfo"), t.Path("proc/777/mountinfo"));
        Directory.Delete(t.Path("proc/self"), recursive: true);
        File.CreateSymbolicLink(t.Path("proc/self"), "777");
        Directory.CreateDirectory(t.Path("proc/777/ns"));
        File.CreateSymbolicLink(t.Path("proc/777/ns/cgroup"), cgroupNs ?? "cgroup:[4026531835]");
        File.CreateSymbolicLink(t.Path("proc/777/ns/pid"), pidNs ?? "pid:[4026531836]");
        t.Write("sys/fs/cgroup/cpu" + Box + "/cgroup.procs", "777\n778\n");
        t.Write("sys/fs/cgroup/memory" + Box + "/memory.memsw.limit_in_bytes", "402653184\n"); // 256 MiB memory + 128 MiB swap
        t.Write("sys/fs/cgroup/memory" + Box + "/memory.memsw.usage_in_bytes", "1048576\n");
        foreach (var pid in new[] { 777, 778 })
            t.Write($"proc/{pid}/task/{pid}/stat", File.ReadAllText(t.Path($"proc/{pid}/stat")).Replace(") R ", pid == 777 ? ") R " : ") S "));
        t.Write("proc/meminfo", File.ReadAllText(t.Path("proc/meminfo")).Replace("SwapTotal:             0 kB", "SwapTotal:       1048576 kB"));
        return t;
    }

    private static ScopeDetector Detector(TempTree t, double boot = 80.0)
    {
        var layout = CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot());
        return new ScopeDetector(t.ProcRoot(), layout, new CgroupReader(layout), () => boot);
    }

    private static HostSample Host(TempTree t)
    {
        var proc = new ProcReader(t.ProcRoot());
        var stat = proc.ReadSystemStat();
        return new HostSample(stat.Cpu, stat.Cpus.Count, proc.ReadMemInfo().MemTotal!.Value, null, proc.ReadLoadAvg(), proc.ReadUptime());
    }

    [Fact]
    public void AProcessInACgroupNamespaceWithAQuotaSeesTheBoxAsItsScope()
    {
        using var t = Fixture(cgroupNs: "cgroup:[4026532999]");
        var d = Detector(t);
        Assert.Contains("cgroup namespace", d.Reason);
        var scope = d.Detect(Host(t));
        Assert.Equal(ScopeKind.Container, scope.Kind);
        Assert.Equal(0.2, scope.Cpus, 9);
        Assert.Equal(268435456L, scope.MemoryBytes);
        Assert.Equal(Box, scope.CgroupPath);
        Assert.Equal(128L << 20, scope.SwapBytes);           // memsw − memory, below the host's 1 GiB of swap
        Assert.Equal(80.0 - 50.0, scope.UptimeSeconds!.Value, 6); // the box's oldest process started 5000 ticks after boot
        Assert.Equal((1, 2), (scope.Load!.Running, scope.Load.Total)); // 777 runs, 778 sleeps
        Assert.InRange(scope.Load.Load1, 0.07, 0.09); // one 5 s tick with one running task: 1 − 1884/2048
    }

    [Fact]
    public void LimitsBelowTheHostsMakeAContainerEvenWithoutNamespaces()
    {
        using var t = Fixture();
        var d = Detector(t);
        Assert.StartsWith("effective limits below the host's (CPU quota 0.2 of 2 CPUs", d.Reason);
        Assert.Contains("memory limit 268435456", d.Reason);
        var scope = d.Detect(Host(t));
        Assert.Equal(ScopeKind.Container, scope.Kind);
        Assert.Equal(0.2, scope.Cpus, 9);
    }

    [Fact]
    public void AnUnlimitedProcessOnTheHostHasTheHostsScope()
    {
        using var t = Fixture(inBox: false);
        var d = Detector(t);
        Assert.Null(d.Reason);
        var scope = d.Detect(Host(t));
        Assert.Equal(new Scope(ScopeKind.Host, 2, 24683620L * 1024), scope);
    }

    [Fact]
    public void InItsOwnPidNamespaceTheUptimeIsPid1sAge()
    {
        using var t = Fixture(pidNs: "pid:[4026532777]");
        t.Write("proc/1/stat", "1 (init) S 0 1 1 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 7000 10000000 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
        t.Write("proc/1/cgroup", File.ReadAllText(t.Path("proc/777/cgroup")));
        var scope = Detector(t, boot: 100).Detect(Host(t));
        Assert.Equal(ScopeKind.Container, scope.Kind);
        Assert.Equal(100.0 - 70.0, scope.UptimeSeconds!.Value, 6);
    }
}
