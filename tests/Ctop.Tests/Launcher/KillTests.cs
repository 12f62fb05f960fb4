using System.Diagnostics;
using System.Globalization;
using Ctop.Launcher;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

/// <summary>
/// A SIGKILLed `ctop run` leaves nothing: the launcher is stopped at each set-up step (CTOP_TEST_PAUSE_AT, which only
/// makes it wait there) or killed while the box runs, and within a second no cgroup, process or mount of the box is
/// left, nor its record under /run/ctop. The same for a cgroup `ctop attach` made, once the attached process exits.
/// </summary>
[Collection(KernelCollection.Name)]
public class KillTests
{
    private const string RecordDir = "/run/ctop/containers";

    // Record written, guard started, no directory yet.
    [KernelFact] public void SigkillWhenClaimedLeavesNothing() => SigkillDuringSetUpLeavesNothing("claimed");

    // Directories made, no limits yet.
    [KernelFact] public void SigkillWhenCreatedLeavesNothing() => SigkillDuringSetUpLeavesNothing("created");

    // Init started in its namespaces, not placed.
    [KernelFact] public void SigkillWhenSpawnedLeavesNothing() => SigkillDuringSetUpLeavesNothing("spawned");

    // Init in the cgroup, not released.
    [KernelFact] public void SigkillWhenPlacedLeavesNothing() => SigkillDuringSetUpLeavesNothing("placed");

    // Init has made its mounts (rootfs, /proc, /dev), not exec'd.
    [KernelFact] public void SigkillWhenMountedLeavesNothing() => SigkillDuringSetUpLeavesNothing("mounted");

    private static void SigkillDuringSetUpLeavesNothing(string step)
    {
        using var box = new TestBox();
        string rootfs = Path.Combine(Path.GetTempPath(), box.Name + "-rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "proc"));
        Directory.CreateDirectory(Path.Combine(rootfs, "dev"));
        try
        {
            var p = box.Track(LauncherHost.Start(new Dictionary<string, string> { ["CTOP_TEST_PAUSE_AT"] = step },
                "run", "--name", box.Name, "--pids", "20", "--memory", "64M", "--rootfs", rootfs, "--", "/bin/sleep", "60"));
            WaitForStderr(p, "ctop: paused at " + step);
            if (step is not "claimed") Assert.True(box.AnyDirectoryLeft, "the cgroup exists at " + step);
            KillAndAssertNothingLeft(p, box);
        }
        finally { Directory.Delete(rootfs, recursive: true); }
    }

    /// <summary>
    /// SIGTERM after the launcher's last look for an early signal and before it moves the init into the cgroup: the
    /// signal kills the init, so the move fails (ESRCH). That is the stop the user asked for, not a failed launch.
    /// </summary>
    [KernelFact]
    public void SigtermWhileTheInitIsPlacedEndsWith143AndLeavesNothing()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start(new Dictionary<string, string> { [InitProcess.PauseVariable] = "spawned+2" },
            "run", "--name", box.Name, "--", "sh", "-c", "echo should-not-run " + box.Name));
        WaitForStderr(p, "ctop: paused at spawned");
        Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGTERM);
        Assert.True(p.WaitForExit(15_000), "ctop did not end after SIGTERM");
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.ExitCode == 143, $"exit {p.ExitCode}: {stderr}");
        Assert.DoesNotContain("should-not-run", stdout);
        TestBox.AssertNothingLeft(box, box.Name);
    }

    // The command is PID 1: its pid namespace dies with it.
    [KernelFact] public void SigkillWhileTheBoxRunsLeavesNothing() => SigkillWhileRunning("pid,mnt,uts,ipc");

    // An ordinary process tree: the guard kills the orphans through the cgroup.
    [KernelFact] public void SigkillWhileABoxWithoutNamespacesRunsLeavesNothing() => SigkillWhileRunning("none");

    private static void SigkillWhileRunning(string ns)
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--ns", ns, "--",
            "sh", "-c", "sleep 60 & sleep 60 & echo ready; wait", box.Name));
        LauncherHost.ReadUntil(p, "ready");
        Assert.Equal(3, box.Procs().Count);
        KillAndAssertNothingLeft(p, box);
    }

    [KernelFact]
    public void ACgroupAttachMadeGoesWhenTheAttachedProcessExits()
    {
        using var box = new TestBox();
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("sleep 60 & sleep 60 & wait");
        psi.ArgumentList.Add(box.Name);
        var sh = box.Track(Process.Start(psi)!);
        TestProcesses.WaitForChildren(sh.Id, 2, "sleep");

        var r = LauncherHost.Run("attach", sh.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name, "--pids", "10");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"removed when {sh.Id} exits", r.Stdout);
        var inside = box.Procs();
        Assert.Equal(3, inside.Count);
        WaitForGuard(box.Name, "poll");

        var sw = Stopwatch.StartNew();
        Mono.Unix.Native.Syscall.kill(sh.Id, Mono.Unix.Native.Signum.SIGKILL);
        WaitUntil(() => !box.AnyDirectoryLeft && inside.All(pid => !TestProcesses.IsAlive(pid)), TimeSpan.FromSeconds(1),
            () => $"after {sw.ElapsedMilliseconds} ms: directories left {box.AnyDirectoryLeft}, alive {string.Join(",", inside.Where(TestProcesses.IsAlive))}");
        WaitUntil(() => TestBox.ProcessesMentioning(box.Name).Count == 0, TimeSpan.FromSeconds(5), () => "the guard did not exit");
    }

    [KernelFact]
    public void AttachIntoAnExistingCgroupStartsNoGuard()
    {
        using var box = new TestBox();
        var psi = new ProcessStartInfo("/bin/sleep") { UseShellExecute = false };
        psi.ArgumentList.Add("60");
        var first = box.Track(Process.Start(psi)!);
        var second = box.Track(Process.Start(psi)!);
        var r1 = LauncherHost.Run("attach", first.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name);
        Assert.True(r1.ExitCode == 0, r1.ToString());
        var r2 = LauncherHost.Run("attach", second.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name);
        Assert.True(r2.ExitCode == 0, r2.ToString());
        Assert.DoesNotContain("removed when", r2.Stdout);
        // One guard, the first attach's.
        WaitForGuard(box.Name, "poll");
        Assert.Single(Guards(box.Name));
    }

    private static void KillAndAssertNothingLeft(Process launcher, TestBox box)
    {
        // The guard is a process of its own; under a loaded test host its start-up (JIT here, ~1 ms NativeAOT) must not
        // count against the second the clean-up has once it runs.
        WaitForGuard(box.Name, "pipe_read");
        var inside = box.Procs();
        var sw = Stopwatch.StartNew();
        Mono.Unix.Native.Syscall.kill(launcher.Id, Mono.Unix.Native.Signum.SIGKILL);
        Assert.True(launcher.WaitForExit(5000));
        WaitUntil(() => !box.AnyDirectoryLeft && inside.All(pid => !TestProcesses.IsAlive(pid)) && BoxProcesses(box.Name).Count == 0 && !Mounted(box.Name)
                        && Records(launcher.Id).Count == 0,
            TimeSpan.FromSeconds(1),
            () => $"after {sw.ElapsedMilliseconds} ms: directories left {box.AnyDirectoryLeft}, alive {string.Join(",", inside.Where(TestProcesses.IsAlive))}, " +
                  $"processes {string.Join(",", BoxProcesses(box.Name))}, mounted {Mounted(box.Name)}, " +
                  $"records {string.Join(",", Records(launcher.Id))}");
        // The guard itself leaves once done.
        WaitUntil(() => Guards(box.Name).Count == 0, TimeSpan.FromSeconds(5), () => "the guard did not exit");
        TestBox.AssertNothingLeft(box, box.Name);
    }

    private static List<string> Records(int launcherPid) =>
        Directory.Exists(RecordDir) ? Directory.EnumerateFiles(RecordDir, launcherPid.ToString(CultureInfo.InvariantCulture) + "-*").ToList() : [];

    private static void WaitForStderr(Process p, string line)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var seen = new List<string>();
        while (true)
        {
            var read = p.StandardError.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !read.Wait(left)) Assert.Fail($"no '{line}' on stderr; got: {string.Join(" | ", seen)}");
            if (read.Result is null) Assert.Fail($"ctop ended before '{line}'; stderr: {string.Join(" | ", seen)}");
            if (read.Result == line) return;
            seen.Add(read.Result);
        }
    }

    /// <summary>Waits until the box's guard sleeps in the kernel function named <paramref name="wchan"/> (it is up and watching).</summary>
    private static void WaitForGuard(string name, string wchan)
    {
        WaitUntil(() => Guards(name).Any(pid => Read($"/proc/{pid}/wchan").Contains(wchan, StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
            () => $"no guard of {name} waiting in {wchan}: {string.Join(",", Guards(name).Select(pid => Read($"/proc/{pid}/wchan")))}");
    }

    private static List<int> Guards(string name) =>
        TestBox.ProcessesMentioning(name).Where(pid => Read($"/proc/{pid}/cmdline").Contains("guard", StringComparison.Ordinal)).ToList();

    /// <summary>Processes that carry the box's name and are not its guard (the box's commands get it as an argument).</summary>
    private static List<int> BoxProcesses(string name) =>
        TestBox.ProcessesMentioning(name).Where(pid => TestProcesses.IsAlive(pid) && !Read($"/proc/{pid}/cmdline").Contains("guard", StringComparison.Ordinal)).ToList();

    /// <summary>Whether any process on the host sees a mount naming the box (its rootfs, /proc and /dev under it).</summary>
    private static bool Mounted(string name)
    {
        foreach (var d in Directory.GetDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(d), out _) && Read(Path.Combine(d, "mountinfo")).Contains(name, StringComparison.Ordinal))
                return true;
        return false;
    }

    private static void WaitUntil(Func<bool> done, TimeSpan within, Func<string> why)
    {
        var deadline = DateTime.UtcNow + within;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(why());
                return;
            }
            Thread.Sleep(10);
        }
    }

    private static string Read(string file)
    {
        try { return File.ReadAllText(file); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
