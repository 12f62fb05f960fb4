using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Ui;

/// <summary>
/// The real binary in a real terminal (tmux) against a real ctop-test-* cgroup with a quota and a busy loop:
/// `ctop` with no arguments on a terminal opens the dashboard.
/// </summary>
[Collection(KernelCollection.Name)]
public class DashboardEndToEndTests
{
    private static string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(10_000);
        return output;
    }

    private static bool SessionExists(string session)
    {
        var psi = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("has-session");
        psi.ArgumentList.Add("-t");
        psi.ArgumentList.Add(session);
        using var p = Process.Start(psi)!;
        p.WaitForExit(10_000);
        return p.ExitCode == 0;
    }

    [KernelFact]
    public void TheRealBinaryShowsTheQuotaAndTheThrottlingOfABusyCgroup()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000"); // 0.2 CPU
        cg.StartBusyLoop();
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        string session = $"ctop-e2e-{Environment.ProcessId}";
        // This test process set DisableRealDriverIO for the headless tests; the binary must get a real terminal.
        Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", "env", "-u", "DisableRealDriverIO", "TERM=xterm-256color", "dotnet", dll);
        try
        {
            // The row needs two samples and the busy loop a few throttled periods; the machine may be busy: be patient.
            string screen = "", row = "";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var pattern = new Regex(@"T\s+0\.\d\d/0\.20\s+\d+% \|+\s+(\d+)%.*" + Regex.Escape(cg.CgroupPath));
            while (DateTime.UtcNow < deadline)
            {
                screen = Tmux("capture-pane", "-p", "-t", session);
                row = screen.Split('\n').FirstOrDefault(pattern.IsMatch) ?? "";
                if (row.Length > 0) break;
                Thread.Sleep(500);
            }
            Assert.True(row.Length > 0, $"no throttled row with a 0.20 limit for {cg.CgroupPath}:\n{screen}");
            int throttled = int.Parse(pattern.Match(row).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(throttled >= 50, $"a busy loop under 0.2 CPU is throttled in most periods: {row}");

            Tmux("send-keys", "-t", session, "q");
            var quitBy = DateTime.UtcNow.AddSeconds(10);
            while (SessionExists(session) && DateTime.UtcNow < quitBy) Thread.Sleep(200);
            Assert.False(SessionExists(session), "q did not quit");
        }
        finally
        {
            if (SessionExists(session)) Tmux("kill-session", "-t", session);
        }
    }
}
