using System.Globalization;
using System.Text.Json;
using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// The published ctop (`ctop -b -n 2 -d 3 --json`) on the v2 guest, against the raw files the same payload read.
/// Tolerances allow for TCG: the guest's clock is the host's, so a quota holds in wall time, but everything is slow.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class SamplingOnV2Tests(V2Run vm, Xunit.Abstractions.ITestOutputHelper log)
{
    private const string Busy = "/ctop-v2/busy", Idle = "/ctop-v2/idle", Oom = "/ctop-v2/oom";

    /// <summary>The last frame: the first may cover a short interval.</summary>
    private JsonDocument Frame()
    {
        Assert.Equal("0", vm.Facts["ctop_host_rc"]);
        var frames = vm.Frames("ctop-host");
        Assert.Equal(2, frames.Count);
        return frames[^1];
    }

    [V2Fact]
    public void Host_scope_is_the_whole_vm()
    {
        var scope = Frame().RootElement.GetProperty("scope");
        log.WriteLine(vm.Timings);
        Assert.Equal("host", scope.String("kind"));
        Assert.Equal(double.Parse(vm.Facts["nproc"], CultureInfo.InvariantCulture), scope.Double("cpus"));
        var memTotalKb = vm.Text("meminfo").Split('\n').First(l => l.StartsWith("MemTotal:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Equal(long.Parse(memTotalKb, CultureInfo.InvariantCulture) * 1024, scope.Long("memoryBytes"));
    }

    [V2Fact]
    public void Busy_loop_under_cpu_max_35000_100000_reads_about_035_cores()
    {
        var busy = Raw.Cgroup(Frame(), Busy);
        double used = busy.Double("cpu.usedCores")!.Value;

        // The kernel's own figure over the same run: Δusage_usec / Δuptime.
        var before = Raw.KeyValues(vm.Text("busy.before").Replace("uptime ", "uptime_cs ").Replace(".", ""));
        var after = Raw.KeyValues(vm.Text("busy.after").Replace("uptime ", "uptime_cs ").Replace(".", ""));
        double kernel = (after["usage_usec"] - before["usage_usec"]) / 1e6 / ((after["uptime_cs"] - before["uptime_cs"]) / 100.0);

        // Under TCG the emulated CPUs can fall behind the guest's clock, so the loop may get less than its quota; what
        // proves the reading is that it matches the kernel's own counters over the same run, and never exceeds the quota.
        Assert.InRange(used, 0.15, 0.42);
        Assert.InRange(used, kernel - 0.08, kernel + 0.08);
        Assert.Equal(0.35, busy.Double("cpu.limitCores"));
        Assert.Equal(35000, busy.Long("cpu.quotaUsec"));
        Assert.Equal(100000, busy.Long("cpu.periodUsec"));
        Assert.InRange(busy.Double("cpu.percentOfLimit")!.Value, used / 0.35 * 100 - 0.5, used / 0.35 * 100 + 0.5);
        // A loop that wants a whole CPU is throttled in many periods (fewer when emulation starves it below its quota).
        Assert.InRange(busy.Double("cpu.throttledRatio")!.Value, 0.2, 1.0);
        Assert.True(busy.Double("cpu.throttledSeconds") > 0);
        Assert.Equal(0.35, busy.Double("effective.cpuLimitCores"));
        Assert.Equal(Busy, busy.String("effective.cpuLimitSetBy"));
    }

    [V2Fact]
    public void Busy_loop_process_shows_the_quota_as_its_cpu_percent()
    {
        var loop = Frame().RootElement.GetProperty("processes").EnumerateArray()
            .Single(p => p.String("cgroup") == Busy);
        Assert.InRange(loop.Double("cpuPercent")!.Value, 15, 42);
    }

    [V2Fact]
    public void Limits_match_the_files()
    {
        var frame = Frame();
        foreach (var path in new[] { Busy, Idle, Oom })
        {
            var c = Raw.Cgroup(frame, path);
            var (quota, period) = Raw.CpuMax(vm.Raw(path, "cpu.max")!);
            Assert.Equal(quota, c.Long("cpu.quotaUsec"));
            Assert.Equal(period, c.Long("cpu.periodUsec"));
            Assert.Equal(long.Parse(vm.Raw(path, "cpu.weight")!.Trim(), CultureInfo.InvariantCulture), c.Long("cpu.weight"));
            Assert.Equal((long?)Raw.Limit(vm.Raw(path, "memory.max")!), c.Long("memory.limitBytes"));
            Assert.Equal((long?)Raw.Limit(vm.Raw(path, "memory.high")!), c.Long("memory.highBytes"));
            Assert.Equal((long?)Raw.Limit(vm.Raw(path, "pids.max")!), c.Long("pids.max"));
            Assert.Equal((long?)Raw.Limit(vm.Raw(path, "pids.current")!), c.Long("pids.current"));
            Assert.Equal(Raw.CpuCount(vm.Raw(path, "cpuset.cpus.effective")!), c.Long("cpu.cpusetCpus"));
        }
        var busy = Raw.Cgroup(frame, Busy);
        Assert.Equal(256L << 20, busy.Long("memory.limitBytes"));
        Assert.Equal(192L << 20, busy.Long("memory.highBytes"));
        Assert.Equal(50, busy.Long("cpu.weight"));
        Assert.Equal(64, busy.Long("pids.max"));
        Assert.Equal(1, busy.Long("pids.current"));
        Assert.Equal(256L << 20, busy.Long("effective.memoryLimitBytes"));
        // The inner cgroup sets no limit of its own.
        var inner = Raw.Cgroup(frame, "/ctop-v2");
        Assert.Null(inner.Long("memory.limitBytes"));
        Assert.Null(inner.Long("cpu.quotaUsec"));
    }

    [V2Fact]
    public void Oom_kill_over_memory_max_is_counted()
    {
        // dd was SIGKILLed by the OOM killer, and the kernel counted it.
        Assert.Equal("137", vm.Facts["oom_dd_rc"]);
        var events = Raw.KeyValues(vm.Raw(Oom, "memory.events")!);
        Assert.True(events["oom_kill"] >= 1, vm.Raw(Oom, "memory.events"));

        var oom = Raw.Cgroup(Frame(), Oom);
        Assert.Equal((long)events["oom_kill"], oom.Long("memory.oomKills"));
        Assert.Equal(32L << 20, oom.Long("memory.limitBytes"));
        // memory.events is hierarchical: the parent counts its child's kill.
        Assert.True(Raw.Cgroup(Frame(), "/ctop-v2").Long("memory.oomKills") >= 1);
        Assert.Equal(0, Raw.Cgroup(Frame(), Busy).Long("memory.oomKills"));
    }

    [V2Fact]
    public void Memory_usage_and_working_set_match_memory_current_and_stat()
    {
        var idle = Raw.Cgroup(Frame(), Idle);
        long before = long.Parse(vm.Text("idle.memory.before").Trim(), CultureInfo.InvariantCulture);
        long after = long.Parse(vm.Text("idle.memory.after").Trim(), CultureInfo.InvariantCulture);
        long usage = idle.Long("memory.usageBytes")!.Value;
        // A sleeper's charge barely moves; ctop read it between the two cats.
        Assert.InRange(usage, Math.Min(before, after) - (256 << 10), Math.Max(before, after) + (256 << 10));
        Assert.InRange(idle.Long("memory.workingSetBytes")!.Value, 1, usage);
        Assert.Equal(64L << 20, idle.Long("memory.limitBytes"));
        Assert.InRange(idle.Double("memory.percentOfLimit")!.Value, usage * 100.0 / (64 << 20) - 0.01, usage * 100.0 / (64 << 20) + 0.01);
    }

    [V2Fact]
    public void Pressure_is_psi_some_avg10()
    {
        var frame = Frame();
        foreach (var path in new[] { Idle, Busy })
        {
            var c = Raw.Cgroup(frame, path);
            foreach (var r in new[] { "cpu", "memory", "io" })
            {
                var raw = Raw.Pressure(vm.Text($"{path.Split('/')[^1]}.{r}.pressure.after"))["some"]["avg10"];
                // avg10 is recomputed every 2 s: ctop's read and the cat after it may straddle an update.
                Assert.InRange(c.Double("pressure." + r)!.Value, raw - 15, raw + 15);
            }
        }
        // A sleeper stalls on nothing; what is left is the moment it waited to start (TCG is slow), decaying.
        Assert.InRange(Raw.Cgroup(frame, Idle).Double("pressure.cpu")!.Value, 0, 5);
        // A throttled loop waits runnable: CPU pressure is high.
        Assert.True(Raw.Cgroup(frame, Busy).Double("pressure.cpu") > 10);
    }
}
