using System.Diagnostics;
using System.Globalization;
using Ctop.Tests.Launcher;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Reliability;

/// <summary>
/// The launcher's failure paths that RootfsAndFailureTests does not reach, each made to happen for real: namespaces
/// refused (no CAP_SYS_ADMIN), the init refused by its cgroup (a real-time task and cpu.rt_runtime_us 0), ctop
/// interrupted or killed at every stage of a run, attach refused half-way through a tree or by a limit, exec's command
/// when ctop dies. After each: no cgroup, no process, no mount left, and nothing half-applied.
/// </summary>
[Collection(KernelCollection.Name)]
public class LauncherFailurePathTests
{
    private static readonly string[] BoxControllers = ["cpu", "cpuacct", "memory", "pids"];

    [KernelFact]
    public void RunWithoutCapSysAdminCannotUnshareAndRemovesItsCgroup()
    {
        using var box = new TestBox();
        // Root without CAP_SYS_ADMIN: cgroupfs still lets it create and write (file permissions), unshare does not.
        var r = Wrapped(["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", "--"],
            ["run", "--name", box.Name, "--cpus", "0.5", "--", "sh", "-c", "echo should-not-run " + box.Name]);
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains("ctop run: unshare(pid,mnt,uts,ipc): Operation not permitted", r.Stderr);
        Assert.DoesNotContain("should-not-run", r.Stdout);
        TestBox.AssertNothingLeft(box, box.Name);
    }

    [KernelFact]
    public void RunWhoseInitTheCgroupRefusesKillsItAndRemovesTheCgroup()
    {
        // The kernel refuses a real-time task in a cpu cgroup without real-time runtime (a new cgroup has 0): the init
        // inherits SCHED_FIFO from ctop, so moving it fails after the cgroup exists and the init runs.
        Assert.True(File.Exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"), "needs CONFIG_RT_GROUP_SCHED (cpu.rt_runtime_us)");
        using var box = new TestBox();
        var r = Wrapped(["chrt", "-f", "1"], ["run", "--name", box.Name, "--", "sh", "-c", "echo should-not-run " + box.Name]);
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains("ctop run: cgroup.procs: ", r.Stderr);
        Assert.Contains("a v1 real-time or cpuset rule", r.Stderr);
        Assert.DoesNotContain("should-not-run", r.Stdout);
        TestBox.AssertNothingLeft(box, box.Name);
    }

    [KernelFact]
    public void RunInterruptedAtAnyMomentLeavesNothing()
    {
        // SIGTERM at eight moments spread over a run's set-up (measured first, as the machine's load changes it):
        // before ctop handles signals, while it creates the cgroup, spawns, releases the init, and once the command runs.
        double setup = TimeToReady();
        for (int i = 0; i < 8; i++)
        {
            using var box = new TestBox();
            var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", $"echo ready; sleep 30; : {box.Name}"));
            Thread.Sleep(TimeSpan.FromSeconds(setup * i / 7));
            Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGTERM);
            Assert.True(p.WaitForExit(15_000), $"ctop did not end after SIGTERM at {setup * i / 7:F2} s");
            Assert.True(p.ExitCode == 143, $"SIGTERM at {setup * i / 7:F2} s: exit {p.ExitCode}, {p.StandardError.ReadToEnd()}");
            TestBox.AssertNothingLeft(box, box.Name);
        }
    }

    [KernelFact]
    public void RunKilledAtAnyMomentLeavesNothingTheNextRunDoesNotRemove()
    {
        double setup = TimeToReady();
        using var next = new TestBox();
        for (int i = 0; i < 8; i++)
        {
            using var box = new TestBox();
            var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", $"echo ready; sleep 30; : {box.Name}"));
            Thread.Sleep(TimeSpan.FromSeconds(setup * i / 7));
            Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGKILL);
            Assert.True(p.WaitForExit(5_000));
            // The init and the command die with ctop (PDEATHSIG, or EOF on the release pipe before it is released).
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (TestBox.ProcessesMentioning(box.Name).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
            var r = LauncherHost.Run("run", "--name", next.Name, "--", "true");
            Assert.True(r.ExitCode == 0, r.ToString());
            TestBox.AssertNothingLeft(box, box.Name);
        }
    }

    [KernelFact]
    public void ANameInUseIsRefusedAndItsCgroupKept()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--cpus", "0.5", "--", "sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(p, "ready");
        var r = LauncherHost.Run("run", "--name", box.Name, "--cpus", "0.25", "--", "true");
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains($"a container named {box.Name} already exists", r.Stderr);
        Assert.Equal("50000", box.Read("cpu", "cpu.cfs_quota_us"));
        Assert.Single(box.Procs());
        p.StandardInput.WriteLine("go");
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(0, p.ExitCode);
        TestBox.AssertNothingLeft(box, box.Name);
    }

    [KernelFact]
    public void AttachRefusedHalfwayThroughATreeMovesEveryoneBack()
    {
        // A tree in a ctop-test cgroup: a shell and a real-time child. The shell moves, the child is refused (no
        // real-time runtime in the new cpu cgroup): the shell must go back and the new cgroup must go.
        using var home = new RealCgroup(BoxControllers);
        using var box = new TestBox();
        home.Write("cpu", "cpu.rt_runtime_us", "10000"); // a little real-time runtime, so the child may be real-time at home
        var tree = home.Start("chrt -f 1 sleep 60 & wait");
        // Once the child is sleep, chrt made it real-time (before that it is the subshell or chrt, which the move accepts).
        TestProcesses.WaitForChildren(tree.Id, 1, "sleep");
        var before = File.ReadAllText($"/proc/{tree.Id}/cgroup");

        var r = LauncherHost.Run("attach", tree.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name, "--cpus", "0.5");
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains("a v1 real-time or cpuset rule", r.Stderr);
        Assert.Equal(before, File.ReadAllText($"/proc/{tree.Id}/cgroup"));
        Assert.False(box.AnyDirectoryLeft, "the cgroup attach created was left");
    }

    [KernelFact]
    public void AttachWithARefusedLimitChangesNothingNewOrExisting()
    {
        using var home = new RealCgroup(BoxControllers);
        using var box = new TestBox();
        var sleeper = home.Start("sleep 60");
        string pid = sleeper.Id.ToString(CultureInfo.InvariantCulture);
        var before = File.ReadAllText($"/proc/{pid}/cgroup");

        // New cgroup: the cpu limit is written, then the kernel refuses the cpuset; the cgroup goes, nobody moves.
        var r = LauncherHost.Run("attach", pid, "--name", box.Name, "--cpus", "0.5", "--cpuset", "0-999");
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains("cpuset.cpus: 0-999 refused", r.Stderr);
        Assert.False(box.AnyDirectoryLeft);
        Assert.Equal(before, File.ReadAllText($"/proc/{pid}/cgroup"));

        // Existing cgroup (attached once with 0.2 CPUs): the refused request leaves its limits as they were.
        var ok = LauncherHost.Run("attach", pid, "--name", box.Name, "--cpus", "0.2");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal("20000", box.Read("cpu", "cpu.cfs_quota_us"));
        var again = LauncherHost.Run("attach", pid, "--name", box.Name, "--cpus", "0.5", "--memory", "64M", "--cpuset", "0-999");
        Assert.True(again.ExitCode == 125, again.ToString());
        Assert.Contains("cpuset.cpus: 0-999 refused", again.Stderr);
        Assert.Equal("20000", box.Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", box.Read("cpu", "cpu.cfs_period_us"));
        Assert.NotEqual((64L << 20).ToString(CultureInfo.InvariantCulture), box.Read("memory", "memory.limit_in_bytes"));
        Assert.True(box.Procs().Contains(sleeper.Id), "the process attached before stays where it was put");
    }

    [KernelFact]
    public void ExecsCommandDiesWhenCtopIsKilled()
    {
        using var box = new TestBox();
        var run = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(run, "ready");
        int target = box.WaitForProcess();
        var exec = box.Track(LauncherHost.Start("exec", target.ToString(CultureInfo.InvariantCulture), "--", "sh", "-c", "echo ready; exec sleep 60"));
        LauncherHost.ReadUntil(exec, "ready");
        int sleeper = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (sleeper == 0 && DateTime.UtcNow < deadline)
        {
            sleeper = box.Procs().FirstOrDefault(p => TestProcesses.Comm(p) == "sleep");
            Thread.Sleep(20);
        }
        Assert.True(sleeper != 0, "exec's command did not show up in the container's cgroup");

        Mono.Unix.Native.Syscall.kill(exec.Id, Mono.Unix.Native.Signum.SIGKILL);
        Assert.True(exec.WaitForExit(5000));
        Assert.True(TestProcesses.AliveAfter([sleeper], TimeSpan.FromSeconds(5)).Count == 0, $"exec's command {sleeper} outlived ctop");
        // Only the container's own init is left in its cgroup (exec's helper is gone too).
        WaitForOnly(box, target);

        run.StandardInput.WriteLine("go");
        Assert.True(run.WaitForExit(10_000));
        Assert.Equal(0, run.ExitCode);
        TestBox.AssertNothingLeft(box, box.Name);
    }

    [KernelFact]
    public void ExecWithoutCapSysAdminCannotEnterAndLeavesNothing()
    {
        using var box = new TestBox();
        var run = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(run, "ready");
        int target = box.WaitForProcess();
        var r = Wrapped(["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", "--"],
            ["exec", target.ToString(CultureInfo.InvariantCulture), "--", "sh", "-c", "echo should-not-run"]);
        Assert.True(r.ExitCode == 125, r.ToString());
        Assert.Contains("Operation not permitted", r.Stderr);
        Assert.DoesNotContain("should-not-run", r.Stdout);
        // The helper, placed in the container's cgroups before it tried, is gone again.
        WaitForOnly(box, target);
        run.StandardInput.WriteLine("go");
        Assert.True(run.WaitForExit(10_000));
        TestBox.AssertNothingLeft(box, box.Name);
    }

    /// <summary>Seconds from starting `ctop run` until its command printed a line.</summary>
    private static double TimeToReady()
    {
        using var box = new TestBox();
        var sw = Stopwatch.StartNew();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(p, "ready");
        double seconds = sw.Elapsed.TotalSeconds;
        p.StandardInput.WriteLine("go");
        Assert.True(p.WaitForExit(10_000));
        return seconds;
    }

    /// <summary>Runs the ctop apphost through a wrapper command (setpriv, chrt).</summary>
    private static LauncherHost.Result Wrapped(string[] wrapper, string[] args)
    {
        var psi = new ProcessStartInfo(wrapper[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in wrapper.Skip(1)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(LauncherHost.FileName);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', wrapper)} ctop {string.Join(' ', args)} did not finish within 30 s");
        }
        p.WaitForExit();
        return new LauncherHost.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static void WaitForOnly(TestBox box, int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!box.Procs().SequenceEqual([pid]) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal([pid], box.Procs());
    }

}
