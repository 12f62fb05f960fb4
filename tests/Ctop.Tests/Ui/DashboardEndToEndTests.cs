using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Tests.Model;
using Ctop.Tests.Support;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Ui;

/// <summary>
/// The real binary in a real terminal (tmux) against a real ctop-test-* cgroup with a quota and a busy loop:
/// `ctop` with no arguments on a terminal opens the dashboard.
/// </summary>
[Collection(KernelCollection.Name)]
public class DashboardEndToEndTests
{
    [KernelFact]
    public void TheRealBinaryShowsTheQuotaAndTheThrottlingOfABusyCgroup()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000"); // 0.2 CPU
        cg.Favour();
        cg.StartBusyLoop();
        using var tmux = new TmuxSession("ctop-e2e", 160, 45);
        // The row needs two samples and the busy loop a few throttled periods; the machine may be busy: be patient.
        string screen = "", row = "";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var pattern = new Regex(@"T\s+0\.\d\d/0\.20\s+\d+% \|+\s+(\d+)%.*" + Regex.Escape(cg.CgroupPath));
        while (DateTime.UtcNow < deadline)
        {
            screen = tmux.Screen();
            row = screen.Split('\n').FirstOrDefault(pattern.IsMatch) ?? "";
            // Until the loop has run a few periods the share can be lower: wait for the throttling, not for the row alone.
            if (row.Length > 0 && int.Parse(pattern.Match(row).Groups[1].Value, CultureInfo.InvariantCulture) >= 50) break;
            Thread.Sleep(500);
        }
        Assert.True(row.Length > 0, $"no throttled row with a 0.20 limit for {cg.CgroupPath}:\n{screen}");
        int throttled = int.Parse(pattern.Match(row).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(throttled >= 50, $"a busy loop under 0.2 CPU is throttled in most periods: {row}");
        tmux.QuitAndAssertGone();
    }

    /// <summary>
    /// The real binary reads the config from $XDG_CONFIG_HOME, shows the tables as it says, and F2 saves back into the
    /// same file, keeping the user's comment and a key ctop does not know. -p narrows the dashboard as it does batch output.
    /// </summary>
    [Fact]
    public void TheRealBinaryAppliesTheConfigFileAndF2SavesIntoIt()
    {
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
        try
        {
            using var tmux = TmuxSession.WithConfig(xdg, "ctop-e2e-cfg", 120, 40, "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            var header = new Regex(@"^\s*NAME\s+PIDS▼\s+CPU%\s*$", RegexOptions.Multiline);
            // The first frame: the cgroup of this test process, and only it.
            var screen = tmux.WaitForScreen(s => header.IsMatch(s) && Regex.IsMatch(s, @"^\s*PID\s+COMMAND\s*$", RegexOptions.Multiline)
                && s.Contains("Cgroups (1, flat, by PIDS)") && s.Contains(" (1, flat, by CPU%)"), "the configured columns and the first frame");
            Assert.Matches($@"(?m)^\s*{Environment.ProcessId}\s+\S", screen);
            Assert.DoesNotContain("CORES/LIM", screen);
            Assert.Contains("myTheme", screen); // the unknown key is named in the key bar

            tmux.Keys("F2");
            tmux.WaitForScreen(s => s.Contains($"Enter saves to {file}"), "the setup dialog");
            tmux.Keys("Right"); // refresh 1 s → 1.5 s
            tmux.WaitForScreen(s => Regex.IsMatch(s, @"Refresh interval\s+1\.5 s"), "the new interval");
            tmux.Keys("Enter");
            tmux.WaitForScreen(s => s.Contains("settings saved to") && s.Contains("every 1.5s"), "the saved message and the new interval");

            tmux.QuitAndAssertGone();

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
            Directory.Delete(xdg, recursive: true);
        }
    }
}
