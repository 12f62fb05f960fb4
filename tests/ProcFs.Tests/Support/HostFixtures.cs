namespace ProcFs.Tests.Support;

/// <summary>
/// Whole-host fixture trees in the kernel docs' formats: proc/self/mountinfo, proc/PID/cgroup and
/// sys/fs/cgroup/... under a TempTree. Point readers at Tree.Path("proc") and Tree.Path("sys/fs/cgroup").
/// </summary>
public static class HostFixtures
{
    public const string DockerId = "4f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";
    public const string PodUid = "0b8f5c3e_1d2a_4e6f_9a8b_7c6d5e4f3a2b";
    public const string CriId = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";
    public const string DockerScope = "/system.slice/docker-" + DockerId + ".scope";
    public const string PodSlice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + PodUid + ".slice";
    public const string CriScope = PodSlice + "/cri-containerd-" + CriId + ".scope";

    public static string ProcRoot(this TempTree t) => t.Path("proc");
    public static string CgroupRoot(this TempTree t) => t.Path("sys/fs/cgroup");

    private const string MountPrefix =
        "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n";

    /// <summary>A cgroup v2 host as systemd lays it out: slices, a docker scope and a kubepods pod.</summary>
    public static TempTree V2Host()
    {
        var t = new TempTree();
        t.Write("proc/self/mountinfo", MountPrefix +
            "31 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
        t.Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        t.Write("sys/fs/cgroup/cgroup.subtree_control", "cpuset cpu io memory pids\n");
        t.Write("sys/fs/cgroup/cpu.stat", "usage_usec 98765432\nuser_usec 60000000\nsystem_usec 38765432\nnice_usec 0\n");
        t.Write("sys/fs/cgroup/cpu.pressure", "some avg10=1.50 avg60=0.80 avg300=0.20 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        t.Write("sys/fs/cgroup/memory.stat", "anon 104857600\nfile 209715200\ninactive_file 52428800\nactive_file 157286400\n");
        t.Write("sys/fs/cgroup/cpuset.cpus.effective", "0-1\n");
        foreach (var (path, quota, mem, pidsMax) in new[]
        {
            ("/system.slice", "max 100000", "max", "max"),
            (DockerScope, "50000 100000", "268435456", "100"),
            ("/kubepods.slice", "max 100000", "8589934592", "max"),
            ("/kubepods.slice/kubepods-burstable.slice", "max 100000", "max", "max"),
            (PodSlice, "150000 100000", "536870912", "max"),
            (CriScope, "max 100000", "max", "max"),
            ("/user.slice", "max 100000", "max", "max"),
            ("/user.slice/user-1000.slice/session-1.scope", "max 100000", "max", "max"),
        })
        {
            var d = "sys/fs/cgroup" + path + "/";
            t.Write(d + "cgroup.controllers", "cpuset cpu io memory pids\n");
            t.Write(d + "cgroup.procs", "");
            t.Write(d + "cpu.max", quota + "\n");
            t.Write(d + "cpu.weight", "100\n");
            t.Write(d + "cpu.stat", "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\nnice_usec 0\nnr_periods 200\nnr_throttled 150\nthrottled_usec 3000000\nnr_bursts 0\nburst_usec 0\n");
            t.Write(d + "memory.max", mem + "\n");
            t.Write(d + "memory.high", "max\n");
            t.Write(d + "memory.current", "134217728\n");
            t.Write(d + "memory.stat", "anon 100663296\nfile 33554432\ninactive_file 16777216\nactive_file 16777216\n");
            t.Write(d + "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
            t.Write(d + "pids.current", "12\n");
            t.Write(d + "pids.max", pidsMax + "\n");
            t.Write(d + "cpuset.cpus.effective", "0-1\n");
            t.Write(d + "io.stat", "8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=0 dios=0\n");
            t.Write(d + "cpu.pressure", "some avg10=12.50 avg60=5.00 avg300=1.00 total=987654\nfull avg10=10.00 avg60=4.00 avg300=0.50 total=876543\n");
            t.Write(d + "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
            t.Write(d + "io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        }
        t.Write("proc/4242/cgroup", "0::" + DockerScope + "\n");
        t.Write("proc/4343/cgroup", "0::" + CriScope + "\n");
        return t;
    }

    /// <summary>A pure v1 host with cpu,cpuacct co-mounted (and the usual symlinks) and docker at /docker/ID.</summary>
    public static TempTree V1Host()
    {
        var t = new TempTree();
        t.Write("proc/self/mountinfo", MountPrefix +
            "30 22 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n" +
            "31 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd\n" +
            "32 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n" +
            "33 30 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory\n" +
            "34 30 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,pids\n" +
            "35 30 0:32 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpuset\n" +
            "36 30 0:33 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,blkio\n");
        Directory.CreateDirectory(t.Path("sys/fs/cgroup/cpu,cpuacct"));
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/cpu"), "cpu,cpuacct");
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/cpuacct"), "cpu,cpuacct");
        Directory.CreateDirectory(t.Path("sys/fs/cgroup/systemd"));
        foreach (var path in new[] { "/", "/docker", "/docker/" + DockerId })
        {
            bool box = path.EndsWith(DockerId, StringComparison.Ordinal);
            var cpu = "sys/fs/cgroup/cpu,cpuacct" + path.TrimEnd('/') + "/";
            t.Write(cpu + "cpu.cfs_quota_us", box ? "25000\n" : "-1\n");
            t.Write(cpu + "cpu.cfs_period_us", "100000\n");
            t.Write(cpu + "cpu.shares", "1024\n");
            t.Write(cpu + "cpu.stat", "nr_periods 100\nnr_throttled 60\nthrottled_time 1500000000\nnr_bursts 0\nburst_time 0\n");
            t.Write(cpu + "cpuacct.usage", "2500000000\n");
            t.Write(cpu + "cgroup.procs", "");
            var mem = "sys/fs/cgroup/memory" + path.TrimEnd('/') + "/";
            t.Write(mem + "memory.limit_in_bytes", box ? "134217728\n" : "9223372036854771712\n");
            t.Write(mem + "memory.usage_in_bytes", "67108864\n");
            t.Write(mem + "memory.failcnt", "0\n");
            t.Write(mem + "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
            t.Write(mem + "memory.stat", "cache 8388608\nrss 58720256\ninactive_file 4194304\nhierarchical_memory_limit " + (box ? "134217728" : "9223372036854771712") +
                "\ntotal_cache 8388608\ntotal_rss 58720256\ntotal_inactive_file 4194304\ntotal_active_file 4194304\n");
            var pids = "sys/fs/cgroup/pids" + path.TrimEnd('/') + "/";
            t.Write(pids + "pids.current", "3\n");
            t.Write(pids + "pids.max", box ? "50\n" : "max\n");
            var cpuset = "sys/fs/cgroup/cpuset" + path.TrimEnd('/') + "/";
            t.Write(cpuset + "cpuset.cpus", box ? "1\n" : "0-1\n");
            t.Write(cpuset + "cpuset.effective_cpus", box ? "1\n" : "0-1\n");
            var blk = "sys/fs/cgroup/blkio" + path.TrimEnd('/') + "/";
            t.Write(blk + "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n");
            t.Write(blk + "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 3\n8:0 Discard 0\n8:0 Total 3\nTotal 3\n");
        }
        var dockerLines = "12:pids:/docker/" + DockerId + "\n11:blkio:/docker/" + DockerId + "\n10:memory:/docker/" + DockerId +
                          "\n4:cpu,cpuacct:/docker/" + DockerId + "\n3:cpuset:/docker/" + DockerId + "\n1:name=systemd:/docker/" + DockerId + "\n";
        t.Write("proc/4242/cgroup", dockerLines);
        return t;
    }

    /// <summary>A hybrid host like this machine: separate cpu and cpuacct hierarchies, and a controller-less cgroup2 at unified.</summary>
    public static TempTree HybridHost()
    {
        var t = new TempTree();
        t.Write("proc/self/mountinfo", MountPrefix +
            "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
            "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n" +
            "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n" +
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
            "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n" +
            "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n" +
            "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n" +
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
        const string box = "/ctop/box";
        foreach (var path in new[] { "/", "/ctop", box })
        {
            string P(string c) => "sys/fs/cgroup/" + c + path.TrimEnd('/') + "/";
            bool isBox = path == box;
            t.Write(P("cpu") + "cpu.cfs_quota_us", isBox ? "20000\n" : "-1\n");
            t.Write(P("cpu") + "cpu.cfs_period_us", "100000\n");
            t.Write(P("cpu") + "cpu.shares", "1024\n");
            t.Write(P("cpu") + "cpu.stat", "nr_periods 50\nnr_throttled 45\nthrottled_time 4000000000\n");
            t.Write(P("cpuacct") + "cpuacct.usage", "1000000000\n");
            t.Write(P("memory") + "memory.limit_in_bytes", path == "/ctop" ? "1073741824\n" : isBox ? "268435456\n" : "9223372036854771712\n");
            t.Write(P("memory") + "memory.usage_in_bytes", "1048576\n");
            t.Write(P("memory") + "memory.stat", "total_inactive_file 0\ntotal_cache 0\ntotal_rss 1048576\n");
            t.Write(P("memory") + "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
            t.Write(P("memory") + "memory.failcnt", "0\n");
            t.Write(P("pids") + "pids.current", "1\n");
            t.Write(P("pids") + "pids.max", "max\n");
            t.Write(P("cpuset") + "cpuset.effective_cpus", "0-1\n");
            t.Write(P("unified") + "cgroup.controllers", path == "/" ? "hugetlb\n" : "");
            t.Write(P("unified") + "cpu.stat", "usage_usec 1000000\nuser_usec 900000\nsystem_usec 100000\nnice_usec 0\n");
            t.Write(P("unified") + "cpu.pressure", "some avg10=42.00 avg60=20.00 avg300=5.00 total=5000000\nfull avg10=40.00 avg60=19.00 avg300=4.00 total=4800000\n");
            t.Write(P("unified") + "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        }
        Directory.CreateDirectory(t.Path("sys/fs/cgroup/systemd"));
        t.Write("proc/777/cgroup", "9:name=systemd:/\n8:pids:" + box + "\n7:blkio:/\n4:memory:" + box + "\n3:cpuset:/\n2:cpuacct:" + box + "\n1:cpu:" + box + "\n0::" + box + "\n");
        return t;
    }

    /// <summary>Adds the host-wide /proc files and one process per given (pid, comm, cgroup lines) to a host fixture.</summary>
    public static TempTree WithProc(this TempTree t, params (int Pid, string Comm, ulong UTime, ulong STime)[] processes)
    {
        t.Write("proc/stat",
            "cpu  10000 200 3000 500000 100 0 50 0 0 0\n" +
            "cpu0 5000 100 1500 250000 50 0 25 0 0 0\n" +
            "cpu1 5000 100 1500 250000 50 0 25 0 0 0\n" +
            "intr 0\nctxt 123456\nbtime 1764140000\nprocesses 4567\nprocs_running 2\nprocs_blocked 0\n");
        t.Write("proc/meminfo", "MemTotal:       24683620 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nBuffers:            1000 kB\nCached:          1000000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n");
        t.Write("proc/loadavg", "0.50 0.40 0.30 2/345 6789\n");
        t.Write("proc/uptime", "1000.00 1900.00\n");
        foreach (var (pid, comm, ut, st) in processes)
        {
            t.Write($"proc/{pid}/stat", $"{pid} ({comm}) R 1 {pid} {pid} 0 -1 4194304 100 0 0 0 {ut} {st} 0 0 20 0 1 0 5000 10000000 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
            t.Write($"proc/{pid}/status", $"Name:\t{comm}\nState:\tR (running)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\nVmRSS:\t1024 kB\n");
            t.Write($"proc/{pid}/cmdline", comm + "\0--flag\0");
        }
        return t;
    }
}
