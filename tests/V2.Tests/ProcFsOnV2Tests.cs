using System.Text;
using ProcFs.Cgroups;
using ProcFs.Proc;
using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// ProcFs against files a real cgroup-v2-only kernel wrote: the guest's mountinfo and a snapshot of its cgroup
/// files come back to the host, where discovery and CgroupReader run on them (rebased with cgroupRoot, as for a
/// host's cgroupfs mounted elsewhere) and must agree with a naive reading of the same bytes.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class ProcFsOnV2Tests(V2Run vm)
{
    public static TheoryData<string> Cgroups => new() { "/", "/ctop-v2", "/ctop-v2/busy", "/ctop-v2/idle", "/ctop-v2/oom", "/ctop-v2/io" };

    private CgroupLayout Layout() =>
        CgroupLayout.FromMounts(MountInfo.Parse(Encoding.UTF8.GetBytes(vm.Text("mountinfo")), "mountinfo"), vm.RawRoot);

    [V2Fact]
    public void Discovery_finds_one_unified_hierarchy_and_no_v1()
    {
        var layout = Layout();

        Assert.Equal(CgroupMode.V2, layout.Mode);
        var unified = Assert.Single(layout.Hierarchies);
        Assert.Equal(CgroupVersion.V2, unified.Version);
        Assert.Equal("/", unified.Root);
        Assert.False(layout.SeesNamespaceBoundary);
        foreach (var c in new[] { "cpu", "cpuset", "io", "memory", "pids" })
        {
            Assert.Contains(c, unified.Controllers);
            Assert.Equal(CgroupVersion.V2, layout.VersionOf(c));
        }
        // cpuacct does not exist on v2: usage is in cpu.stat, so it maps to the cpu hierarchy.
        Assert.Same(unified, layout.HierarchyOf(Controllers.Cpuacct));
        // The guest's own cgroup is the v2 line "0::/".
        var self = ProcPidCgroup.Parse(Encoding.UTF8.GetBytes(vm.Text("self.cgroup")), "self.cgroup");
        Assert.Equal("/", layout.PathOf(self, Controllers.Memory));
    }

    [V2Theory]
    [MemberData(nameof(Cgroups))]
    public void CgroupReader_reads_what_the_kernel_wrote(string path)
    {
        var stats = new CgroupReader(Layout()).Read(path);
        Assert.NotNull(stats);

        // cpu.max, cpu.weight, cpu.stat
        var cpuMax = vm.Raw(path, "cpu.max");
        var cpuStat = Raw.KeyValues(vm.Raw(path, "cpu.stat")!); // every cgroup, the root included, has cpu.stat
        Assert.NotNull(stats.Cpu);
        Assert.Equal(cpuStat["usage_usec"] * 1000, stats.Cpu.UsageNs);
        if (cpuMax is null)
        {
            Assert.Null(stats.Cpu.QuotaUsec);
            Assert.Null(stats.Cpu.PeriodUsec);
        }
        else
        {
            var (quota, period) = Raw.CpuMax(cpuMax);
            Assert.Equal(quota, stats.Cpu.QuotaUsec);
            Assert.Equal(period, stats.Cpu.PeriodUsec);
            Assert.Equal(cpuStat["nr_periods"], stats.Cpu.NrPeriods);
            Assert.Equal(cpuStat["nr_throttled"], stats.Cpu.NrThrottled);
            Assert.Equal(cpuStat["throttled_usec"] * 1000, stats.Cpu.ThrottledNs);
        }
        Assert.Equal(vm.Raw(path, "cpu.weight") is { } w ? int.Parse(w.Trim()) : null, stats.Cpu.Weight);

        // memory.current/max/high/stat/events: the root has none of them (memory.current appeared at the root in 6.x later)
        if (vm.Raw(path, "memory.current") is { } current)
        {
            Assert.NotNull(stats.Memory);
            Assert.Equal(Raw.Limit(current), stats.Memory.UsageBytes);
            Assert.Equal(Raw.Limit(vm.Raw(path, "memory.max")!), stats.Memory.LimitBytes);
            Assert.Equal(Raw.Limit(vm.Raw(path, "memory.high")!), stats.Memory.HighBytes);
            Assert.Equal(Raw.KeyValues(vm.Raw(path, "memory.stat")!)["inactive_file"], stats.Memory.InactiveFileBytes);
            var events = Raw.KeyValues(vm.Raw(path, "memory.events")!);
            Assert.Equal(events["oom_kill"], stats.Memory.OomKills);
            Assert.Equal(events["max"], stats.Memory.Failcnt);
            Assert.Equal(vm.Raw(path, "memory.swap.max") is { } sw ? Raw.Limit(sw) : null, stats.Memory.SwapLimitBytes);
        }
        else Assert.Null(stats.Memory);

        // pids.current/max
        if (vm.Raw(path, "pids.current") is { } pids)
        {
            Assert.NotNull(stats.Pids);
            Assert.Equal(Raw.Limit(pids), stats.Pids.Current);
            Assert.Equal(Raw.Limit(vm.Raw(path, "pids.max")!), stats.Pids.Max);
        }
        else Assert.Null(stats.Pids);

        // cpuset.cpus.effective
        Assert.Equal(Raw.CpuCount(vm.Raw(path, "cpuset.cpus.effective")!), stats.EffectiveCpus?.Count);

        // io.stat (empty where nothing was read or written: all zero)
        var io = Raw.IoTotals(vm.Raw(path, "io.stat") ?? "");
        Assert.NotNull(stats.Io);
        Assert.Equal(io.GetValueOrDefault("rbytes"), stats.Io.Value.ReadBytes);
        Assert.Equal(io.GetValueOrDefault("wbytes"), stats.Io.Value.WriteBytes);
        Assert.Equal(io.GetValueOrDefault("rios"), stats.Io.Value.ReadIos);
        Assert.Equal(io.GetValueOrDefault("wios"), stats.Io.Value.WriteIos);

        // cpu/memory/io.pressure, both lines
        Assert.NotNull(stats.Pressure);
        AssertPressure(vm.Raw(path, "cpu.pressure"), stats.Pressure.Cpu);
        AssertPressure(vm.Raw(path, "memory.pressure"), stats.Pressure.Memory);
        AssertPressure(vm.Raw(path, "io.pressure"), stats.Pressure.Io);
    }

    [V2Fact]
    public void Io_stat_has_the_loop_device_traffic()
    {
        Assert.Equal("0", vm.Facts["io_rc"]);
        var raw = vm.Raw("/ctop-v2/io", "io.stat")!;
        Assert.Matches(@"^7:0 rbytes=\d+ wbytes=\d+ rios=\d+ wios=\d+", raw); // loop devices are major 7
        var io = new CgroupReader(Layout()).ReadIo("/ctop-v2/io");
        Assert.NotNull(io);
        // 4 MiB read and 2 MiB written with O_DIRECT, charged to the cgroup that did them.
        Assert.True(io.Value.ReadBytes >= 4 << 20, $"read {io.Value.ReadBytes}");
        Assert.True(io.Value.WriteBytes >= 2 << 20, $"written {io.Value.WriteBytes}");
        // and to its parent, hierarchically
        Assert.True(new CgroupReader(Layout()).ReadIo("/ctop-v2")!.Value.ReadBytes >= io.Value.ReadBytes);
    }

    private static void AssertPressure(string? raw, Pressure? parsed)
    {
        if (raw is null) { Assert.Null(parsed); return; }
        Assert.NotNull(parsed);
        var lines = Raw.Pressure(raw);
        Assert.Equal(lines.ContainsKey("full"), parsed.Value.Full is not null);
        foreach (var (kind, line) in new[] { ("some", parsed.Value.Some), ("full", parsed.Value.Full) })
        {
            if (!lines.TryGetValue(kind, out var want)) continue;
            Assert.NotNull(line);
            Assert.Equal(want["avg10"], line.Value.Avg10);
            Assert.Equal(want["avg60"], line.Value.Avg60);
            Assert.Equal(want["avg300"], line.Value.Avg300);
            Assert.Equal((ulong)want["total"], line.Value.TotalUsec);
        }
    }
}
