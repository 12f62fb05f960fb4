using System.Diagnostics;
using System.Globalization;
using Ctop.Tests.Launcher;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Reliability;

/// <summary>
/// A SIGKILLed ctop run cannot remove its cgroup; its guard does (Launcher/KillTests). When the guard is gone too (it could
/// not start, or was killed first, as here), the next ctop run does, and only that: not the cgroup of a run that
/// is still alive (even when it is empty, as during set-up), not a cgroup ctop run did not make, not a killed run's
/// cgroup that still holds processes (until they are gone).
/// </summary>
[Collection(KernelCollection.Name)]
public class StaleCgroupTests
{
    [KernelFact]
    public void TheNextRunRemovesWhatAKilledRunLeftAndNothingElse()
    {
        using var killed = new TestBox();
        using var alive = new TestBox();
        using var crowded = new TestBox();
        using var foreign = new TestBox();
        using var hold = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        try
        {
            // Each ctop run sweeps when it starts, so the run killed last is the one the next run must clean up.
            // 1. A killed run whose command left a process behind (no pid namespace): not empty, so not removed.
            var c = crowded.Track(LauncherHost.Start("run", "--name", crowded.Name, "--ns", "none", "--", "sh", "-c", "sleep 60 & echo ready; wait"));
            LauncherHost.ReadUntil(c, "ready");
            Kill9WithGuard(c, crowded.Name);
            WaitUntil(() => crowded.Procs().Count == 1, "only the orphaned sleep to remain");

            // 2. A live run whose cgroup is empty, as while it is being set up: its command is moved out for the moment.
            var a = alive.Track(LauncherHost.Start("run", "--name", alive.Name, "--", "sh", "-c", "echo ready; read x; echo bye"));
            LauncherHost.ReadUntil(a, "ready");
            int command = alive.WaitForProcess();
            foreach (var ctl in hold.Controllers) hold.Write(ctl, "cgroup.procs", command.ToString(CultureInfo.InvariantCulture));
            Assert.Empty(alive.Procs());

            // 3. A run killed with SIGKILL: its command dies with it (pid namespace), its empty cgroup stays.
            var k = killed.Track(LauncherHost.Start("run", "--name", killed.Name, "--", "sh", "-c", "echo ready; sleep 60"));
            LauncherHost.ReadUntil(k, "ready");
            Kill9WithGuard(k, killed.Name);
            WaitUntil(() => killed.Procs().Count == 0, "the killed run's command to die");
            Assert.True(killed.AnyDirectoryLeft, "SIGKILL left the cgroup behind (what this test is about)");

            // 4. An empty cgroup under /ctop that no ctop run made (ctop attach leaves these on purpose).
            foreach (var ctl in new[] { "cpu", "cpuacct", "memory", "pids" }) Directory.CreateDirectory(foreign.Dir(ctl));

            // The next run, under the killed run's own name, which is free again.
            var next = LauncherHost.Run("run", "--name", killed.Name, "--", "true");
            Assert.True(next.ExitCode == 0, next.ToString());
            Assert.Contains($"removed /ctop/{killed.Name} (ctop run {k.Id}), left behind when that run was killed", next.Stderr);
            Assert.False(killed.AnyDirectoryLeft, "the killed run's cgroup is gone");
            Assert.DoesNotContain(alive.Name, next.Stderr);
            Assert.DoesNotContain(crowded.Name, next.Stderr);
            Assert.DoesNotContain(foreign.Name, next.Stderr);
            foreach (var ctl in new[] { "cpu", "cpuacct", "memory", "pids" })
            {
                Assert.True(Directory.Exists(alive.Dir(ctl)), $"the live run's empty {ctl} cgroup was removed");
                Assert.True(Directory.Exists(crowded.Dir(ctl)), $"the {ctl} cgroup holding an orphan was removed");
                Assert.True(Directory.Exists(foreign.Dir(ctl)), $"a {ctl} cgroup ctop run did not make was removed");
            }

            // The live run goes on and cleans up after itself.
            foreach (var ctl in hold.Controllers) File.WriteAllText(Path.Combine(alive.Dir(ctl), "cgroup.procs"), command.ToString(CultureInfo.InvariantCulture));
            a.StandardInput.WriteLine("go");
            LauncherHost.ReadUntil(a, "bye");
            Assert.True(a.WaitForExit(10_000));
            Assert.Equal(0, a.ExitCode);
            Assert.False(alive.AnyDirectoryLeft);

            // Once the orphan is gone, the crowded cgroup is removed by the run after.
            foreach (var pid in crowded.Procs()) Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
            WaitUntil(() => crowded.Procs().Count == 0, "the orphan to die");
            var after = LauncherHost.Run("run", "--name", killed.Name, "--", "true");
            Assert.True(after.ExitCode == 0, after.ToString());
            Assert.Contains($"removed /ctop/{crowded.Name} (ctop run {c.Id})", after.Stderr);
            Assert.False(crowded.AnyDirectoryLeft);
            Assert.True(Directory.Exists(foreign.Dir("pids")));
        }
        finally
        {
            // The live run's command, if the test failed while it was parked here.
            foreach (var line in File.ReadAllLines(Path.Combine(hold.Dir("pids"), "cgroup.procs")))
                if (int.TryParse(line, out int pid)) Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
            foreach (var ctl in new[] { "cpu", "cpuacct", "memory", "pids" }) RealCgroup.RemoveTree(foreign.Dir(ctl));
        }
    }

    /// <summary>SIGKILLs the run's guard first (found by the box's name and "guard" in its command line), then the run.</summary>
    private static void Kill9WithGuard(Process run, string name)
    {
        List<int> Guards() => TestBox.ProcessesMentioning(name)
            .Where(pid => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("guard", StringComparison.Ordinal)).ToList();
        WaitUntil(() => Guards().Count > 0, $"the guard of {name}");
        foreach (var pid in Guards()) Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
        WaitUntil(() => Guards().Count == 0, $"the guard of {name} to die");
        Kill9(run);
    }

    private static void Kill9(Process p)
    {
        Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGKILL);
        Assert.True(p.WaitForExit(5000));
    }

    private static void WaitUntil(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }
}
