using System.Diagnostics;
using System.Globalization;

namespace ProcFs.Tests.Support;

/// <summary>The busy loops real-kernel tests start must not outlive a test host that was killed.</summary>
public class RealCgroupLifelineTests
{
    [Fact]
    public void TheBusyLoopEndsWithinTwoSecondsOfItsHostBeingKilled()
    {
        // A stand-in test host: a shell that starts the loop exactly as RealCgroup does (a direct child running the
        // script) and prints its PID. SIGKILL gives it no chance to clean up, like a test host killed by a timeout.
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("/bin/sh -c \"$0\" & echo $!; wait");
        psi.ArgumentList.Add(RealCgroup.BusyLoopScript);
        using var host = Process.Start(psi)!;
        int loop = int.Parse(host.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        try
        {
            Thread.Sleep(300);
            Assert.True(TestProcesses.IsAlive(loop), $"the loop {loop} should spin while its host lives");
            Assert.Equal(host.Id, ParentOf(loop));
            host.Kill(); // SIGKILL, the host only
            host.WaitForExit();
            Assert.True(TestProcesses.AliveAfter([loop], TimeSpan.FromSeconds(2)).Count == 0,
                $"the loop {loop} still runs 2 s after its host was killed");
        }
        finally
        {
            if (TestProcesses.IsAlive(loop)) Process.GetProcessById(loop).Kill();
        }
    }

    private static int ParentOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
