using System.Globalization;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

[Collection(KernelCollection.Name)]
public class RootfsAndFailureTests
{
    private const string Busybox = "/usr/bin/busybox"; // busybox-static, installed by .ci/run

    /// <summary>A tiny root filesystem: a static busybox and its applet links, empty /proc, /dev and /tmp.</summary>
    private static TempTree BusyboxRoot()
    {
        Assert.True(File.Exists(Busybox), "needs busybox-static (apt-get install -y busybox-static)");
        var t = new TempTree();
        foreach (var d in new[] { "bin", "proc", "dev", "tmp", "etc" }) Directory.CreateDirectory(t.Path(d));
        File.Copy(Busybox, t.Path("bin/busybox")); // keeps the executable mode
        foreach (var applet in new[] { "sh", "ls", "cat", "echo", "hostname", "grep" })
            File.CreateSymbolicLink(t.Path("bin/" + applet), "busybox");
        return t;
    }

    [KernelFact]
    public void RootfsPivotsIntoTheTreeWithProcAndWithoutTheOldRoot()
    {
        using var box = new TestBox();
        using var root = BusyboxRoot();
        var r = LauncherHost.Run("run", "--name", box.Name, "--rootfs", root.Root, "--",
            "/bin/sh", "-c", "echo pid=$$; echo root=$(ls /); echo procs=$(ls /proc | grep -E '^[0-9]+$'); cat /proc/self/mountinfo; echo x > /dev/null && echo devnull-ok");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Contains("pid=1", lines);
        Assert.Contains("root=bin dev etc proc tmp", lines);
        Assert.Contains("devnull-ok", lines);
        var mountPoints = lines.Where(l => l.Contains(" - ", StringComparison.Ordinal)).Select(l => l.Split(' ')[4]).ToList();
        Assert.Contains("/", mountPoints);
        Assert.Contains("/proc", mountPoints);
        // The old root is detached: no host mount (/sys, /usr, the host's /proc submounts) is reachable.
        Assert.All(mountPoints, mp => Assert.True(mp is "/" || mp.StartsWith("/proc", StringComparison.Ordinal) || mp.StartsWith("/dev", StringComparison.Ordinal), mp));
        TestBox.AssertNothingLeft(box, root.Root);
    }

    [KernelFact]
    public void ExecEntersAContainerWithItsOwnRoot()
    {
        using var box = new TestBox();
        using var root = BusyboxRoot();
        var run = box.Track(LauncherHost.Start("run", "--name", box.Name, "--rootfs", root.Root, "--", "/bin/sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(run, "ready");
        int target = box.WaitForProcess();

        // The helper is a .NET process: everything it needs after setns into a foreign root must be loaded before.
        var r = LauncherHost.Run("exec", target.ToString(CultureInfo.InvariantCulture), "--", "/bin/sh", "-c", "echo root=$(ls /); echo pid=$$");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("root=bin dev etc proc tmp", r.Stdout);
        var missing = LauncherHost.Run("exec", target.ToString(CultureInfo.InvariantCulture), "--", "/usr/bin/env");
        Assert.True(missing.ExitCode == 127, missing.ToString()); // the host's /usr is not in there

        run.StandardInput.WriteLine("go");
        Assert.True(run.WaitForExit(10_000));
        TestBox.AssertNothingLeft(box, root.Root);
    }

    [KernelFact]
    public void FailuresExplainThemselvesAndLeaveNothingBehind()
    {
        using var box = new TestBox();
        using var root = BusyboxRoot();
        using var noProc = new TempTree();
        noProc.Write("bin/placeholder", "");
        using var noShell = new TempTree();
        Directory.CreateDirectory(noShell.Path("proc"));

        var cases = new (string[] Args, int Code, string Stderr, string Marker)[]
        {
            (["run", "--name", box.Name, "--rootfs", "/no/such/rootfs-ctop", "--", "true"], 125, "--rootfs /no/such/rootfs-ctop: no such directory", box.Name),
            (["run", "--name", box.Name, "--rootfs", noProc.Root, "--", "true"], 125, "has no /proc directory", noProc.Root),
            (["run", "--name", box.Name, "--rootfs", noShell.Root, "--", "/bin/sh"], 127, "/bin/sh: no such file or directory", noShell.Root),
            (["run", "--name", box.Name, "--rootfs", root.Root, "--", "no-such-command-ctop"], 127, "command not found", root.Root),
            (["run", "--name", box.Name, "--", "no-such-command-ctop"], 127, "no-such-command-ctop: command not found", box.Name),
            (["run", "--name", box.Name, "--cpu-quota", "500", "--", "true"], 125, "cpu.cfs_quota_us: 500 refused: the quota must be at least 1000", box.Name),
            (["run", "--name", box.Name, "--cpuset", "0-999", "--", "true"], 125, "cpuset.cpus: 0-999 refused", box.Name),
            (["run", "--name", box.Name, "--memory", "12x", "--", "true"], 125, "--memory 12x: 'x' is not a size unit", box.Name),
            (["attach", "4194303", "--name", box.Name, "--cpus", "0.5"], 125, "no such process 4194303", box.Name),
            (["exec", "4194303", "--", "true"], 125, "no such process 4194303", "4194303"),
            (["attach", "1", "--name", box.Name], 125, "PID 1 is the machine's init", box.Name),
        };
        foreach (var (args, code, stderr, marker) in cases)
        {
            var r = LauncherHost.Run(args);
            string what = string.Join(' ', args);
            Assert.True(r.ExitCode == code, $"{what}: {r}");
            Assert.Contains(stderr, r.Stderr);
            Assert.DoesNotContain("Unhandled exception", r.Stderr);
            TestBox.AssertNothingLeft(box, marker);
        }
    }

    [KernelFact]
    public void ARunWithoutNameGetsAGeneratedOneUnderTheGivenParent()
    {
        string parent = "ctop-test-parent-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var r = LauncherHost.Run("run", "--parent", parent, "--", "sh", "-c", "echo host=$(hostname); grep :pids: /proc/self/cgroup");
            Assert.True(r.ExitCode == 0, r.ToString());
            var host = r.Stdout.Split('\n').Single(l => l.StartsWith("host=", StringComparison.Ordinal))[5..];
            Assert.Matches("^ctop-[0-9a-f]{6}$", host);
            Assert.Contains($":pids:/{parent}/{host}", r.Stdout);
            Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/{parent}/{host}"));
        }
        finally
        {
            foreach (var c in TestBox.Controllers) RealCgroup.RemoveTree(Path.Combine(RealCgroup.V1Root, c, parent));
        }
    }
}
