using System.Diagnostics;
using System.Globalization;
using Ctop.Model;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

/// <summary>
/// ctop run against the real kernel: namespaces, limits from the first instruction, measured CPU, OOM, a bounded fork
/// bomb, exit statuses and signals. In the kernel collection, so busy loops do not overlap other CPU measurements.
/// </summary>
[Collection(KernelCollection.Name)]
public class RunTests
{
    [KernelFact]
    public void TheCommandIsPid1WithItsHostnameItsOwnProcAndItsLimits()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--cpus", "0.25", "--memory", "64M", "--pids", "20", "--hostname", "box",
            "--", "sh", "-c", "echo pid=$$; echo host=$(hostname); echo procs=$(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '); echo ready; read x; exit 0"));
        var lines = LauncherHost.ReadUntil(p, "ready");

        Assert.Contains("pid=1", lines);
        Assert.Contains("host=box", lines);
        var procs = lines.Single(l => l.StartsWith("procs=", StringComparison.Ordinal))[6..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        Assert.Contains(1, procs);
        // Only sh and the pipeline it forked: a handful of small PIDs, none of the host's.
        Assert.InRange(procs.Count, 1, 6);
        Assert.All(procs, pid => Assert.InRange(pid, 1, 50));

        Assert.Equal("25000", box.Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", box.Read("cpu", "cpu.cfs_period_us"));
        Assert.Equal((64L << 20).ToString(CultureInfo.InvariantCulture), box.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("20", box.Read("pids", "pids.max"));
        int hostPid = box.WaitForProcess();
        Assert.Contains(hostPid.ToString(CultureInfo.InvariantCulture), box.Read("cpuacct", "cgroup.procs").Split('\n'));
        // The dashboard names it as container NAME from its cgroup path.
        var cpuLine = File.ReadAllLines($"/proc/{hostPid}/cgroup").Single(l => l.Split(':')[1] == "cpu");
        Assert.Equal(box.CgroupPath, cpuLine.Split(':')[2]);
        Assert.Equal(new ContainerId("ctop", box.Name, box.Name), ContainerNames.FromPath(box.CgroupPath));

        p.StandardInput.WriteLine("go");
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(0, p.ExitCode);
        Assert.False(box.AnyDirectoryLeft, "the cgroup is removed after the command exits");
    }

    [KernelFact]
    public void ABusyLoopHoldsAtAQuarterCoreAndSigtermToCtopEndsItWith143()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--cpus", "0.25", "--", "sh", "-c", "echo ready; while :; do :; done"));
        LauncherHost.ReadUntil(p, "ready");
        Thread.Sleep(300);
        QuotaUse.Measure(box.Dir("cpu"), box.Dir("cpuacct"), TimeSpan.FromSeconds(2)).AssertHoldsAt(0.25, 0.03);

        // sh as PID 1 has no SIGTERM handler, so the kernel would drop it: ctop carries out the default action.
        Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGTERM);
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(143, p.ExitCode);
        Assert.False(box.AnyDirectoryLeft);
    }

    [KernelFact]
    public void SigtermReachesACommandThatHandlesIt()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", "trap 'echo got-term; exit 9' TERM; echo ready; while :; do sleep 0.1; done"));
        LauncherHost.ReadUntil(p, "ready");
        Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGTERM);
        LauncherHost.ReadUntil(p, "got-term", 10);
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(9, p.ExitCode);
    }

    [KernelFact]
    public void AMemoryHogPast64MIsOomKilledAndNothingElseIs()
    {
        using var box = new TestBox();
        // PID 1 (sh) survives the kill of its child dd and reports it; the cgroup is kept to read the OOM count.
        var r = LauncherHost.Run("run", "--name", box.Name, "--memory", "64M", "--keep", "--",
            "sh", "-c", "dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo dd=$?; exit 7");
        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.Contains("dd=137", r.Stdout);
        Assert.Contains("oom_kill 1", box.Read("memory", "memory.oom_control").Split('\n'));
        Assert.Contains("kept cgroup " + box.CgroupPath, r.Stderr);

        using var box2 = new TestBox();
        var r2 = LauncherHost.Run("run", "--name", box2.Name, "--memory", "64M", "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1");
        Assert.True(r2.ExitCode == 137, r2.ToString());
        Assert.False(box2.AnyDirectoryLeft);
    }

    [KernelFact]
    public void AForkBombStopsAt20Pids()
    {
        using var box = new TestBox();
        // Under pids.max=20 from its first instruction; PID 1 waits on stdin (a builtin, no fork needed).
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--pids", "20", "--",
            "sh", "-c", "bomb() { bomb | bomb & }; echo ready; bomb; read x"));
        LauncherHost.ReadUntil(p, "ready");
        int peak = 0;
        for (int i = 0; i < 15; i++)
        {
            Thread.Sleep(100);
            peak = Math.Max(peak, int.Parse(box.Read("pids", "pids.current"), CultureInfo.InvariantCulture));
        }
        Assert.InRange(peak, 2, 20);
        Assert.InRange(int.Parse(box.Read("pids", "pids.peak"), CultureInfo.InvariantCulture), 2, 20);
        var refused = box.Read("pids", "pids.events").Split('\n').Single(l => l.StartsWith("max ", StringComparison.Ordinal));
        Assert.True(long.Parse(refused[4..], CultureInfo.InvariantCulture) > 0, "forks past the limit were refused: " + refused);

        p.StandardInput.WriteLine("go");
        Assert.True(p.WaitForExit(10_000));
        Assert.False(box.AnyDirectoryLeft);
    }

    [KernelFact]
    public void ExitStatusesPassThroughLikeAShell()
    {
        using var box = new TestBox();
        using var tree = new TempTree();
        string notExecutable = tree.Write("script.sh", "#!/bin/sh\necho hi\n");

        var cases = new (string[] Args, int Expected, string? Stderr)[]
        {
            (["--", "sh", "-c", "exit 3"], 3, null),
            (["--", "no-such-command-ctop"], 127, "no-such-command-ctop: command not found"),
            (["--", "/no/such/file"], 127, "/no/such/file: no such file or directory"),
            (["--", notExecutable], 126, "permission denied"),
            (["--", tree.Root], 126, "permission denied"),
            // Without a pid namespace the command is an ordinary process, killed by the kernel's default action.
            (["--ns", "mnt,uts,ipc", "--", "sh", "-c", "kill -TERM $$"], 143, null),
            // An option ctop does not know is a usage error, not a command; after -- it is the command.
            (["--bogus", "--", "true"], 2, "unrecognized option '--bogus'"),
            (["--bogus", "true"], 2, "unrecognized option '--bogus'"),
            (["--", "--bogus"], 127, "--bogus: command not found"),
        };
        foreach (var (args, expected, stderr) in cases)
        {
            var r = LauncherHost.Run(["run", "--name", box.Name, .. args]);
            Assert.True(r.ExitCode == expected, $"{string.Join(' ', args)}: {r}");
            if (stderr is not null) Assert.Contains(stderr, r.Stderr);
            Assert.False(box.AnyDirectoryLeft, string.Join(' ', args));
        }
    }

    [KernelFact]
    public void KillingCtopKillsTheCommand()
    {
        using var box = new TestBox();
        var p = box.Track(LauncherHost.Start("run", "--name", box.Name, "--", "sh", "-c", "echo ready; sleep 60"));
        LauncherHost.ReadUntil(p, "ready");
        var inside = box.Procs();
        Assert.NotEmpty(inside);
        Mono.Unix.Native.Syscall.kill(p.Id, Mono.Unix.Native.Signum.SIGKILL);
        Assert.True(p.WaitForExit(5000));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (box.Procs().Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Empty(box.Procs());
        // Dead: gone, or a zombie until whoever inherited it reaps it.
        var survivors = TestProcesses.AliveAfter(inside, TimeSpan.FromSeconds(5));
        Assert.True(survivors.Count == 0, $"{string.Join(", ", survivors)} survived ctop");
    }
}
