using System.Diagnostics;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace ProcFs.Tests.Cgroups.Writing;

[CollectionDefinition("real cgroup writers", DisableParallelization = true)]
public sealed class RealCgroupWritersCollection { }

/// <summary>
/// The writers against this host's v1 hierarchies (and its controller-less cgroup2): every cgroup is a
/// ctop-test-* one created here and removed in Dispose/finally, every process is one started here.
/// </summary>
[Collection("real cgroup writers")]
public sealed class CgroupWriterKernelTests(ITestOutputHelper output)
{
    private const int EINVAL = 22, EBUSY = 16, ERANGE = 34, EACCES = 13, ENOSPC = 28, ESRCH = 3, ENOENT = 2, EEXIST = 17;
    private const string UnlimitedV1Memory = "9223372036854771712";
    private readonly CgroupWriter _w = new();
    private readonly CgroupLifecycle _lc = new();

    private static string NewName() => $"ctop-test-{Guid.NewGuid():N}"[..28];

    [KernelFact]
    public void Cpu_quota_and_period_are_written_and_read_back()
    {
        using var cg = new RealCgroup("cpu");
        string dir = cg.Dir("cpu");
        var r = _w.SetCpuLimit(dir, CgroupVersion.V1, 50_000, 100_000);
        Assert.Equal(("100000", "50000"), (cg.Read("cpu", "cpu.cfs_period_us"), cg.Read("cpu", "cpu.cfs_quota_us")));
        Assert.Equal(new[] { ("100000", "100000"), ("-1", "50000") }, r.Select(x => (x.Before, x.After)));

        r = _w.SetCpuLimit(dir, CgroupVersion.V1, 20_000, 50_000);
        Assert.Equal(("50000", "20000"), (cg.Read("cpu", "cpu.cfs_period_us"), cg.Read("cpu", "cpu.cfs_quota_us")));
        Assert.Equal(new[] { ("100000", "50000"), ("50000", "20000") }, r.Select(x => (x.Before, x.After)));

        _w.SetCpuLimit(dir, CgroupVersion.V1, null, 1_000_000);
        Assert.Equal(("1000000", "-1"), (cg.Read("cpu", "cpu.cfs_period_us"), cg.Read("cpu", "cpu.cfs_quota_us")));
        _w.SetCpuLimit(dir, CgroupVersion.V1, CgroupWriter.MaxCfsQuotaUsec, 1000);
        Assert.Equal(CgroupWriter.MaxCfsQuotaUsec.ToString(), cg.Read("cpu", "cpu.cfs_quota_us"));
    }

    [KernelFact]
    public void Bad_cpu_values_are_refused_before_writing_and_the_old_values_stay()
    {
        using var cg = new RealCgroup("cpu");
        string dir = cg.Dir("cpu");
        _w.SetCpuLimit(dir, CgroupVersion.V1, 50_000, 100_000);

        var q = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(dir, CgroupVersion.V1, 999, 100_000));
        Assert.Equal("cpu.cfs_quota_us: 999 refused: the quota must be at least 1000 µs (1 ms)", q.Message);
        var p = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(dir, CgroupVersion.V1, 50_000, 1_000_001));
        Assert.Equal("cpu.cfs_period_us: 1000001 refused: the period must be between 1000 µs (1 ms) and 1000000 µs (1 s)", p.Message);
        Assert.Null(p.Errno);
        Assert.Equal(("100000", "50000"), (cg.Read("cpu", "cpu.cfs_period_us"), cg.Read("cpu", "cpu.cfs_quota_us")));
    }

    [KernelFact]
    public void A_child_quota_above_the_parent_is_refused_with_the_parent_rule()
    {
        using var cg = new RealCgroup("cpu");
        string parent = cg.Dir("cpu"), child = Path.Combine(parent, NewName());
        try
        {
            _w.SetCpuLimit(parent, CgroupVersion.V1, 50_000, 100_000);
            Directory.CreateDirectory(child);
            var ex = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(child, CgroupVersion.V1, 60_000, 100_000));
            output.WriteLine(ex.Message);
            Assert.Equal(EINVAL, ex.Errno);
            Assert.Contains($"a child's quota/period may not exceed its parent's: {cg.Name} allows 50000/100000 µs (0.5 CPUs)", ex.Rule);
            Assert.EndsWith("; the old limit -1 stays", ex.Rule);
            Assert.Equal("-1", File.ReadAllText(Path.Combine(child, "cpu.cfs_quota_us")).Trim());

            // And the other way round: a parent may not go below its child.
            _w.SetCpuLimit(child, CgroupVersion.V1, 40_000, 100_000);
            var down = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(parent, CgroupVersion.V1, 30_000, 100_000));
            output.WriteLine(down.Message);
            Assert.Equal(EINVAL, down.Errno);
            Assert.Contains("may not go below a child's", down.Rule);
            Assert.Equal("50000", cg.Read("cpu", "cpu.cfs_quota_us"));
        }
        finally { RealCgroup.RemoveTree(child); }
    }

    [KernelFact]
    public void A_refused_second_v1_write_rolls_the_first_back()
    {
        using var cg = new RealCgroup("cpu");
        string parent = cg.Dir("cpu"), child = Path.Combine(parent, NewName());
        try
        {
            _w.SetCpuLimit(parent, CgroupVersion.V1, 50_000, 100_000);
            Directory.CreateDirectory(child);
            _w.SetCpuLimit(child, CgroupVersion.V1, 40_000, 100_000);
            // 0.4 → 0.6 CPU: period 150000 goes first (0.27 CPU is fine), then quota 90000 exceeds the parent's 0.5.
            var ex = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(child, CgroupVersion.V1, 90_000, 150_000));
            output.WriteLine(ex.Message);
            Assert.Equal(EINVAL, ex.Errno);
            Assert.Equal("cpu.cfs_quota_us", Path.GetFileName(ex.FilePath));
            Assert.Contains("may not exceed its parent's", ex.Rule);
            Assert.EndsWith("; the old limit 40000 stays; cpu.cfs_period_us was rolled back to 100000", ex.Rule);
            Assert.Equal("100000", File.ReadAllText(Path.Combine(child, "cpu.cfs_period_us")).Trim());
            Assert.Equal("40000", File.ReadAllText(Path.Combine(child, "cpu.cfs_quota_us")).Trim());

            // The other order: 0.4 → 0.6 CPU by 30000/50000 writes quota 30000 first (0.3 CPU), then the period is refused.
            var ex2 = Assert.Throws<CgroupWriteException>(() => _w.SetCpuLimit(child, CgroupVersion.V1, 30_000, 50_000));
            output.WriteLine(ex2.Message);
            Assert.Equal("cpu.cfs_period_us", Path.GetFileName(ex2.FilePath));
            Assert.EndsWith("; the old period 100000 stays; cpu.cfs_quota_us was rolled back to 40000", ex2.Rule);
            Assert.Equal("100000", File.ReadAllText(Path.Combine(child, "cpu.cfs_period_us")).Trim());
            Assert.Equal("40000", File.ReadAllText(Path.Combine(child, "cpu.cfs_quota_us")).Trim());
        }
        finally { RealCgroup.RemoveTree(child); }
    }

    [KernelFact]
    public void A_busy_loop_under_a_0_2_cpu_quota_uses_0_2_cores()
    {
        using var cg = new RealCgroup("cpu", "cpuacct");
        _w.SetCpuLimit(cg.Dir("cpu"), CgroupVersion.V1, 20_000, 100_000);
        cg.Favour();
        cg.StartBusyLoop();
        Thread.Sleep(300);
        long u0 = long.Parse(cg.Read("cpuacct", "cpuacct.usage"));
        var sw = Stopwatch.StartNew();
        Thread.Sleep(2000);
        long u1 = long.Parse(cg.Read("cpuacct", "cpuacct.usage"));
        double cores = (u1 - u0) / 1e9 / sw.Elapsed.TotalSeconds;
        output.WriteLine($"busy loop under 20000/100000: {cores:0.0000} cores over {sw.Elapsed.TotalSeconds:0.000} s");
        Assert.InRange(cores, 0.17, 0.23);
    }

    [KernelFact]
    public void Memory_limit_is_rounded_down_to_pages_and_read_back()
    {
        using var cg = new RealCgroup("memory");
        string dir = cg.Dir("memory");
        var r = _w.SetMemoryMax(dir, CgroupVersion.V1, 256L << 20);
        Assert.Equal((UnlimitedV1Memory, "268435456"), (r.Before, r.After));
        Assert.Equal("268435456", cg.Read("memory", "memory.limit_in_bytes"));

        r = _w.SetMemoryMax(dir, CgroupVersion.V1, 10_000_001);
        long page = Environment.SystemPageSize;
        Assert.Equal((10_000_001 / page * page).ToString(), r.After);
        Assert.Equal(r.After, cg.Read("memory", "memory.limit_in_bytes"));

        if (File.Exists(Path.Combine(dir, "memory.memsw.limit_in_bytes")))
        {
            Assert.Equal("20971520", _w.SetMemorySwapMax(dir, CgroupVersion.V1, 20L << 20).After);
            var ex = Assert.Throws<CgroupWriteException>(() => _w.SetMemoryMax(dir, CgroupVersion.V1, 30L << 20));
            Assert.Contains("may not exceed memory.memsw.limit_in_bytes (20971520", ex.Rule);
            Assert.Equal(r.After, cg.Read("memory", "memory.limit_in_bytes"));
            _w.SetMemorySwapMax(dir, CgroupVersion.V1, null);
        }
        Assert.Equal(UnlimitedV1Memory, _w.SetMemoryMax(dir, CgroupVersion.V1, null).After);
    }

    [KernelFact]
    public void A_memory_limit_below_usage_is_EBUSY_on_v1_and_the_old_limit_stays()
    {
        using var cg = new RealCgroup("memory");
        string dir = cg.Dir("memory");
        _w.SetMemoryMax(dir, CgroupVersion.V1, 256L << 20);
        cg.Start("x=$(head -c 50000000 /dev/zero | tr '\\0' a); sleep 60");
        long usage = 0;
        for (var sw = Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(10) && usage < 45_000_000; Thread.Sleep(50))
            usage = long.Parse(cg.Read("memory", "memory.usage_in_bytes"));
        output.WriteLine($"usage {usage}");
        Assert.True(usage >= 45_000_000, $"the holder reached only {usage} bytes");

        var time = Stopwatch.StartNew();
        var ex = Assert.Throws<CgroupWriteException>(() => _w.SetMemoryMax(dir, CgroupVersion.V1, 10L << 20));
        output.WriteLine($"{ex.Message} ({time.ElapsedMilliseconds} ms)");
        Assert.Equal(EBUSY, ex.Errno);
        Assert.Equal("memory.limit_in_bytes: 10485760 refused by the kernel (EBUSY: usage cannot be reclaimed below the new limit; the old limit 268435456 stays)", ex.Message);
        Assert.Equal("268435456", cg.Read("memory", "memory.limit_in_bytes"));
    }

    [KernelFact]
    public void Pids_max_and_cpu_shares_are_written_and_read_back()
    {
        using var cg = new RealCgroup("pids", "cpu");
        var p = _w.SetPidsMax(cg.Dir("pids"), 10);
        Assert.Equal(("max", "10"), (p.Before, p.After));
        Assert.Equal("10", cg.Read("pids", "pids.max"));
        Assert.Equal("max", _w.SetPidsMax(cg.Dir("pids"), null).After);
        Assert.Equal("max", cg.Read("pids", "pids.max"));

        var s = _w.SetCpuShares(cg.Dir("cpu"), CgroupVersion.V1, 512);
        Assert.Equal(("1024", "512"), (s.Before, s.After));
        Assert.Equal("2048", _w.SetCpuWeight(cg.Dir("cpu"), CgroupVersion.V1, 200).After);
        Assert.Equal("2048", cg.Read("cpu", "cpu.shares"));
        var bad = Assert.Throws<CgroupWriteException>(() => _w.SetCpuShares(cg.Dir("cpu"), CgroupVersion.V1, 1));
        Assert.Null(bad.Errno);
        Assert.Equal("2048", cg.Read("cpu", "cpu.shares"));
    }

    [KernelFact]
    public void Cpuset_cpus_are_written_and_kernel_refusals_are_explained()
    {
        using var cg = new RealCgroup("cpuset");
        string dir = cg.Dir("cpuset");
        var r = _w.SetCpusetCpus(dir, "0");
        Assert.Equal("0", r.After);
        Assert.Equal("0", cg.Read("cpuset", "cpuset.cpus"));

        var range = Assert.Throws<CgroupWriteException>(() => _w.SetCpusetCpus(dir, "0-8191"));
        output.WriteLine(range.Message);
        Assert.Equal(ERANGE, range.Errno);
        Assert.Contains("a CPU number is beyond what this machine can have (possible: ", range.Rule);
        Assert.EndsWith("the old value 0 stays", range.Rule);
        Assert.Equal("0", cg.Read("cpuset", "cpuset.cpus"));

        if (Environment.ProcessorCount < 2) return;
        string child = Path.Combine(dir, NewName());
        try
        {
            Directory.CreateDirectory(child);
            var subset = Assert.Throws<CgroupWriteException>(() => _w.SetCpusetCpus(child, "1"));
            output.WriteLine(subset.Message);
            Assert.Equal(EACCES, subset.Errno);
            Assert.Equal($"the CPUs must be a subset of the parent's cpuset.cpus ({cg.Name}: 0); the old value (empty) stays", subset.Rule);
            Assert.Equal("", File.ReadAllText(Path.Combine(child, "cpuset.cpus")).Trim());
        }
        finally { RealCgroup.RemoveTree(child); }
    }

    [KernelFact]
    public void Create_initialises_cpusets_moves_a_process_and_Remove_cleans_up()
    {
        string name = NewName();
        string[] controllers = { "cpu", "cpuacct", "memory", "pids", "cpuset" };
        var dirs = controllers.Select(c => (c, Path.Combine(RealCgroup.V1Root, c, name))).ToList();
        Process? p = null;
        try
        {
            var created = _lc.Create(dirs);
            Assert.Equal(dirs.Select(d => d.Item2), created);
            Assert.All(created, d => Assert.True(Directory.Exists(d)));
            string cpusetDir = Path.Combine(RealCgroup.V1Root, "cpuset", name);
            foreach (var f in new[] { "cpuset.cpus", "cpuset.mems" })
                Assert.Equal(File.ReadAllText(Path.Combine(RealCgroup.V1Root, "cpuset", f)), File.ReadAllText(Path.Combine(cpusetDir, f)));

            p = Process.Start("sleep", "30");
            foreach (var (_, d) in dirs) _lc.MovePid(d, p.Id);
            var lines = File.ReadAllLines($"/proc/{p.Id}/cgroup");
            foreach (var c in controllers)
                Assert.Contains(lines, l => l.Split(':') is [_, var cs, var path] && cs.Split(',').Contains(c) && path == "/" + name);

            var busy = Assert.Throws<CgroupWriteException>(() => _lc.Remove(created));
            output.WriteLine(busy.Message);
            Assert.Equal(EBUSY, busy.Errno);
            Assert.Contains($"the cgroup {busy.FilePath} still has 1 process (cgroup.procs); stop or move them first", busy.Rule);
            Assert.Contains("also not removed", busy.Rule);
            Assert.All(created, d => Assert.True(Directory.Exists(d)));

            p.Kill();
            p.WaitForExit();
            WaitEmpty(created);
            _lc.Remove(created);
            Assert.All(created, d => Assert.False(Directory.Exists(d)));
            _lc.Remove(created); // already gone counts as removed
        }
        finally
        {
            if (p is { HasExited: false }) { p.Kill(); p.WaitForExit(); }
            p?.Dispose();
            foreach (var (_, d) in dirs) RealCgroup.RemoveTree(d);
        }
    }

    [KernelFact]
    public void A_failed_Create_leaves_nothing_behind_and_never_adopts_an_existing_cgroup()
    {
        using var existing = new RealCgroup("memory");
        string a = Path.Combine(RealCgroup.V1Root, "cpu", NewName());
        string missingParent = Path.Combine(RealCgroup.V1Root, "pids", NewName(), "child");
        try
        {
            var noParent = Assert.Throws<CgroupWriteException>(() => _lc.Create(new[] { ("cpu", a), ("pids", missingParent) }));
            Assert.Equal(ENOENT, noParent.Errno);
            Assert.Contains("the parent cgroup", noParent.Rule);
            Assert.False(Directory.Exists(a));

            var taken = Assert.Throws<CgroupWriteException>(() => _lc.Create(new[] { ("cpu", a), ("memory", existing.Dir("memory")) }));
            output.WriteLine(taken.Message);
            Assert.Equal(EEXIST, taken.Errno);
            Assert.False(Directory.Exists(a));
            Assert.True(Directory.Exists(existing.Dir("memory")));
        }
        finally
        {
            RealCgroup.RemoveTree(a);
            RealCgroup.RemoveTree(Path.GetDirectoryName(missingParent)!);
        }
    }

    [KernelFact]
    public void Moving_into_an_uninitialised_cpuset_or_a_missing_pid_is_explained()
    {
        string raw = Path.Combine(RealCgroup.V1Root, "cpuset", NewName());
        Process? p = null;
        try
        {
            Directory.CreateDirectory(raw); // deliberately without cpuset.cpus/mems
            p = Process.Start("sleep", "30");
            var ex = Assert.Throws<CgroupWriteException>(() => _lc.MovePid(raw, p.Id));
            output.WriteLine(ex.Message);
            Assert.Equal(ENOSPC, ex.Errno);
            Assert.Contains("needs cpuset.cpus and cpuset.mems set first", ex.Rule);

            var gone = Assert.Throws<CgroupWriteException>(() => _lc.MovePid(Path.Combine(RealCgroup.V1Root, "cpuset"), 4_194_304));
            Assert.Equal(ESRCH, gone.Errno);
            Assert.Equal("cgroup.procs: 4194304 refused by the kernel (ESRCH: no such process 4194304)", gone.Message);
        }
        finally
        {
            if (p is { HasExited: false }) { p.Kill(); p.WaitForExit(); }
            p?.Dispose();
            RealCgroup.RemoveTree(raw);
        }
    }

    // Only where nothing would be written to the root's subtree_control (not ours to change): the attribute skips
    // with the reason elsewhere.
    [UnifiedKernelFact]
    public void CreateV2_on_the_controller_less_unified_hierarchy()
    {
        const string unified = UnifiedKernelFactAttribute.Unified;
        var offered = File.ReadAllText(Path.Combine(unified, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Empty(offered.Intersect(CgroupLifecycle.WantedV2Controllers));

        string dir = Path.Combine(unified, NewName());
        Process? p = null;
        try
        {
            Assert.Empty(_lc.CreateV2(dir));
            Assert.True(File.Exists(Path.Combine(dir, "cgroup.procs")));
            p = Process.Start("sleep", "30");
            _lc.MovePid(dir, p.Id);
            Assert.Contains($"0::/{Path.GetFileName(dir)}", File.ReadAllLines($"/proc/{p.Id}/cgroup"));
            p.Kill();
            p.WaitForExit();
            WaitEmpty(new[] { dir });
            _lc.Remove(new[] { dir });
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            if (p is { HasExited: false }) { p.Kill(); p.WaitForExit(); }
            p?.Dispose();
            RealCgroup.RemoveTree(dir);
        }
    }

    /// <summary>A killed task leaves cgroup.procs shortly after it is reaped.</summary>
    private static void WaitEmpty(IEnumerable<string> dirs)
    {
        for (int i = 0; i < 50 && dirs.Any(d => File.ReadAllText(Path.Combine(d, "cgroup.procs")).Trim().Length > 0); i++)
            Thread.Sleep(20);
    }
}
