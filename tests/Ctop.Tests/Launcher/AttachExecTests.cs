using System.Diagnostics;
using System.Globalization;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

[Collection(KernelCollection.Name)]
public class AttachExecTests
{
    [KernelFact]
    public void AttachMovesABusyLoopAndItsChildrenUnderAFifthOfACore()
    {
        using var box = new TestBox();
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("while :; do :; done & while :; do :; done & wait");
        var sh = box.Track(Process.Start(psi)!);
        TestProcesses.WaitForChildren(sh.Id, 2, "sh");

        var r = LauncherHost.Run("attach", sh.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name, "--cpus", "0.2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("in new cgroup " + box.CgroupPath, r.Stdout);
        var procs = box.Procs("cpu");
        Assert.Equal(3, procs.Count);
        Assert.Contains(sh.Id, procs);
        Assert.Equal(procs, box.Procs("cpuacct"));
        Assert.Equal(procs, box.Procs("memory"));

        Thread.Sleep(300);
        QuotaUse.Measure(box.Dir("cpu"), box.Dir("cpuacct"), TimeSpan.FromSeconds(2)).AssertHoldsAt(0.2, 0.03);

        // Again with the same name: the existing cgroup is used and its limits changed.
        var again = LauncherHost.Run("attach", sh.Id.ToString(CultureInfo.InvariantCulture), "--name", box.Name, "--cpus", "0.1");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("existing cgroup", again.Stdout);
        Assert.Equal("10000", box.Read("cpu", "cpu.cfs_quota_us"));
    }

    [KernelFact]
    public void ExecRunsACommandInTheContainersNamespacesAndCgroups()
    {
        using var box = new TestBox();
        var run = box.Track(LauncherHost.Start("run", "--name", box.Name, "--hostname", "exbox", "--", "sh", "-c", "echo ready; read x"));
        LauncherHost.ReadUntil(run, "ready");
        int target = box.WaitForProcess();

        var r = LauncherHost.Run("exec", target.ToString(CultureInfo.InvariantCulture), "--",
            "sh", "-c", "echo host=$(hostname); echo pid=$$; echo procs=$(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '); grep :cpu: /proc/self/cgroup; exit 4");
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("host=exbox", r.Stdout);
        var lines = r.Stdout.Split('\n');
        int pid = int.Parse(lines.Single(l => l.StartsWith("pid=", StringComparison.Ordinal))[4..], CultureInfo.InvariantCulture);
        Assert.InRange(pid, 2, 50); // a PID of the container's namespace, not the host's
        var procs = lines.Single(l => l.StartsWith("procs=", StringComparison.Ordinal))[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("1", procs);
        Assert.Contains(pid.ToString(CultureInfo.InvariantCulture), procs);
        Assert.Contains(":cpu:" + box.CgroupPath, r.Stdout);

        var missing = LauncherHost.Run("exec", target.ToString(CultureInfo.InvariantCulture), "--", "no-such-command-ctop");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("no-such-command-ctop: command not found", missing.Stderr);

        run.StandardInput.WriteLine("go");
        Assert.True(run.WaitForExit(10_000));
        Assert.Equal(0, run.ExitCode);
    }
}
