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
        // This test process set DisableRealDriverIO for the headless tests; the binary must get a real terminal. An empty
        // config directory: the user's own config file must not hide the columns this test reads.
        var config = Directory.CreateTempSubdirectory("ctop-e2e-config-").FullName;
        Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", "env", "-u", "DisableRealDriverIO", "TERM=xterm-256color",
            $"XDG_CONFIG_HOME={config}", "dotnet", dll);
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
            Directory.Delete(config, recursive: true);
        }
    }

    private static string WaitForScreen(string session, Func<string, bool> ready, string what)
    {
        string screen = "";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            screen = Tmux("capture-pane", "-p", "-t", session);
            if (ready(screen)) return screen;
            Thread.Sleep(300);
        }
        throw new Xunit.Sdk.XunitException($"{what} did not appear:\n{screen}");
    }

    /// <summary>
    /// The real binary reads the config from $XDG_CONFIG_HOME, shows the tables as it says, and F2 saves back into the
    /// same file, keeping the user's comment and a key ctop does not know. -p narrows the dashboard as it does batch output.
    /// </summary>
    [Fact]
    public void TheRealBinaryAppliesTheConfigFileAndF2SavesIntoIt()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        string session = $"ctop-e2e-cfg-{Environment.ProcessId}";
        var xdg = Directory.CreateTempSubdirectory("ctop-e2e-config-").FullName;
        var file = Path.Combine(xdg, "ctop", "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, """
            // written by hand
            {
              "columns": ["NAME", "PIDS", "CPU%"],
              "sort": "PIDS",
              "processColumns": ["PID", "COMMAND"],
              "myTheme": "dark"
            }
            """);
        Tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "env", "-u", "DisableRealDriverIO", "TERM=xterm-256color",
            $"XDG_CONFIG_HOME={xdg}", "dotnet", dll, "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            var header = new Regex(@"^\s*NAME\s+PIDS▼\s+CPU%\s*$", RegexOptions.Multiline);
            // The first frame: the cgroup of this test process, and only it.
            var screen = WaitForScreen(session, s => header.IsMatch(s) && Regex.IsMatch(s, @"^\s*PID\s+COMMAND\s*$", RegexOptions.Multiline)
                && s.Contains("Cgroups (1, flat, by PIDS)") && s.Contains(" (1, flat, by CPU%)"), "the configured columns and the first frame");
            Assert.Matches($@"(?m)^\s*{Environment.ProcessId}\s+\S", screen);
            Assert.DoesNotContain("CORES/LIM", screen);
            Assert.Contains("myTheme", screen); // the unknown key is named in the key bar

            Tmux("send-keys", "-t", session, "F2");
            WaitForScreen(session, s => s.Contains($"Enter saves to {file}"), "the setup dialog");
            Tmux("send-keys", "-t", session, "Right"); // refresh 1 s → 1.5 s
            WaitForScreen(session, s => Regex.IsMatch(s, @"Refresh interval\s+1\.5 s"), "the new interval");
            Tmux("send-keys", "-t", session, "Enter");
            WaitForScreen(session, s => s.Contains("settings saved to") && s.Contains("every 1.5s"), "the saved message and the new interval");

            Tmux("send-keys", "-t", session, "q");
            var quitBy = DateTime.UtcNow.AddSeconds(10);
            while (SessionExists(session) && DateTime.UtcNow < quitBy) Thread.Sleep(200);
            Assert.False(SessionExists(session), "q did not quit");

            var saved = File.ReadAllText(file);
            Assert.StartsWith("// written by hand\n{\n  \"columns\": [\"NAME\", \"PIDS\", \"CPU%\"],\n", saved);
            Assert.Contains("\"myTheme\": \"dark\"", saved);
            Assert.Contains("\"refreshSeconds\": 1.5", saved);
            Assert.Contains("\"processColumns\": [\"PID\", \"COMMAND\"]", saved);
            var (config, problem) = Ctop.Config.CtopConfig.Read(file);
            Assert.Equal(1.5, config.RefreshSeconds);
            Assert.Equal("PIDS", config.Sort);
            Assert.Contains("myTheme", problem);
        }
        finally
        {
            if (SessionExists(session)) Tmux("kill-session", "-t", session);
            Directory.Delete(xdg, recursive: true);
        }
    }
}
