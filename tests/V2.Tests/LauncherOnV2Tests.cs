using System.Globalization;
using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// `ctop run`, `attach` and `exec` (src/Ctop/Launcher → CgroupLifecycle.CreateV2, MovePid) on the v2 guest. The
/// commands record what they see into /out; the payload records exit codes and whether cgroups were left behind.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class LauncherOnV2Tests(V2Run vm, Xunit.Abstractions.ITestOutputHelper log)
{
    /// <summary>Cores used between two "usage_usec N / uptime S" snapshots.</summary>
    private double Cores(string before, string after)
    {
        static (double Usec, double Uptime) Read(string text)
        {
            var kv = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            return (kv["usage_usec"], kv["uptime"]);
        }
        var (u0, t0) = Read(vm.Text(before));
        var (u1, t1) = Read(vm.Text(after));
        double cores = (u1 - u0) / 1e6 / (t1 - t0);
        log.WriteLine($"{before}: {cores:F3} cores over {t1 - t0:F2} s");
        return cores;
    }

    [V2Fact]
    public void Run_creates_a_leaf_cgroup_enabling_controllers_in_the_parent()
    {
        // The command's own exit status passes through; the cgroup is gone afterwards.
        Assert.True(vm.Facts["run1_rc"] == "7", vm.Text("run1.err"));
        Assert.Equal("no", vm.Facts["run1_left"]);
        // It was placed through cgroup.procs into /ctop/run1, whose parent enabled the controllers for it.
        Assert.Equal("0::/ctop/run1", vm.Text("run1/self.cgroup").Trim());
        var enabled = vm.Text("run1/parent.subtree_control").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var c in new[] { "cpu", "memory", "pids", "io", "cpuset" }) Assert.Contains(c, enabled);
        Assert.Contains("memory", vm.Text("run1/cgroup.controllers").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("25000 100000", vm.Text("run1/cpu.max").Trim());
        Assert.Equal("67108864", vm.Text("run1/memory.max").Trim());
        // New pid and mount namespaces: the command is PID 1 and /proc shows only the container.
        Assert.Equal("1", vm.Text("run1/pid").Trim());
        Assert.InRange(int.Parse(vm.Text("run1/nprocs").Trim(), CultureInfo.InvariantCulture), 1, 4);
        Assert.Equal("run1", vm.Text("run1/hostname").Trim()); // a new uts namespace is named after the container
    }

    [V2Fact]
    public void Run_holds_a_busy_loop_to_its_quota()
    {
        // cpu.max 25000/100000 over 3 s of wall time; TCG and a loaded host make it noisy, the quota is a ceiling.
        Assert.InRange(Cores("run1/busy.before", "run1/busy.after"), 0.15, 0.35);
        Assert.True(Raw.KeyValues(vm.Text("run1/cpu.stat"))["nr_throttled"] > 0, vm.Text("run1/cpu.stat"));
    }

    [V2Fact]
    public void Run_exit_status_127_for_a_missing_command_and_no_cgroup_left()
    {
        Assert.Equal("127", vm.Facts["run127_rc"]);
        Assert.Equal("no", vm.Facts["run127_left"]);
    }

    [V2Fact]
    public void Run_reports_no_internal_processes_and_cleans_up()
    {
        // /ctop-v2/idle holds a sleeper: v2 lets it enable no controllers for a child.
        Assert.Equal("125", vm.Facts["run_internal_rc"]);
        Assert.Contains("no internal processes", vm.Text("run-internal.err"));
        Assert.Equal("no", vm.Facts["run_internal_left"]);
    }

    [V2Fact]
    public void Run_in_a_cgroup_namespace_is_a_container_scope()
    {
        Assert.Equal("0::/", vm.Text("runns.cgroup").Trim());
        Assert.True(vm.Facts["runns_rc"] == "0", vm.TextOrNull("ctop-runns.err"));
        var frame = vm.Frames("ctop-runns")[^1];
        var scope = frame.RootElement.GetProperty("scope");
        Assert.Equal("container", scope.String("kind"));
        Assert.Equal(0.25, scope.Double("cpus"));
        Assert.Equal(64L << 20, scope.Long("memoryBytes"));
        Assert.Equal("/", scope.String("cgroupPath"));
        Assert.Equal(25000, Raw.Cgroup(frame, "/").Long("cpu.quotaUsec"));
    }

    [V2Fact]
    public void Attach_moves_a_running_busy_loop_under_its_quota()
    {
        Assert.True(vm.Facts["attach_rc"] == "0", vm.Text("attach.err"));
        Assert.Contains("/ctop/att", vm.Text("attach.out"));
        Assert.Equal("0::/ctop/att", vm.Text("attach.cgroup").Trim());
        Assert.Equal("20000 100000", vm.Text("attach.cpu.max").Trim());
        Assert.InRange(Cores("attach.before", "attach.after"), 0.1, 0.3);
    }

    [V2Fact]
    public void A_sigkilled_run_leaves_no_cgroup_and_no_process()
    {
        // Killed at two set-up steps and while the box runs; checked one second later.
        foreach (var step in new[] { "created", "placed", "running" })
        {
            Assert.True(vm.Facts[$"kill{step}_paused"] == "yes", $"{step}: {vm.TextOrNull($"kill{step}.err")}");
            // The second counts from a running guard; under TCG its start-up alone can take longer.
            Assert.True(vm.Facts[$"kill{step}_guard"] == "yes", $"{step}: the guard was not seen waiting on its pipe");
            Assert.True(vm.Facts[$"kill{step}_left"] == "no",
                $"{step}: the cgroup /ctop/kill{step} was left (still after 5 s: {vm.Facts[$"kill{step}_left_5s"]}; in it: {vm.TextOrNull($"kill{step}.procs")})");
            Assert.True(vm.Facts[$"kill{step}_procs"] == "0", $"{step}: {vm.Facts[$"kill{step}_procs"]} processes were left");
        }
    }

    [V2Fact]
    public void The_cgroup_attach_made_goes_when_the_process_exits()
    {
        Assert.Contains("removed when", vm.Text("attach.out"));
        Assert.Equal("no", vm.Facts["attach_left"]);
    }

    [V2Fact]
    public void Exec_enters_the_containers_uts_namespace_and_cgroup()
    {
        Assert.True(vm.Facts["exec_rc"] == "0", vm.Text("exec.err"));
        var lines = vm.Text("exec.out").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("box1", lines[0]);
        Assert.Equal("0::/ctop/ex1", lines[1]);
        // The container's PID 1 (sleep) ignores SIGTERM: ctop kills it and reports 128 + the signal it was sent.
        Assert.Equal("143", vm.Facts["ex1_rc"]);
        Assert.Equal("no", vm.Facts["ex1_left"]);
    }
}
