using static Ctop.Tests.Support.TmuxSession;
using System.Diagnostics;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Reliability;

/// <summary>
/// The dashboard of the real binary in a real terminal (tmux) that misbehaves: resized hundreds of times a second down
/// to 1x1, 20x6 with every read-only key pressed, no TERM and TERM=dumb. It must keep drawing, quit on q with exit 0
/// and write nothing to stderr. Only keys that change nothing on the host are sent (no limit, kill or renice keys).
/// </summary>
[Collection(KernelCollection.Name)]
public class TerminalTests
{
    [KernelFact]
    public void AResizeStormDownTo1x1LeavesADashboardThatRedrawsAndQuits()
    {
        using var d = new TmuxDashboard(100, 30, "TERM=xterm-256color");
        d.WaitFor("CPU[");
        var rng = new Random(20261126);
        int resizes = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            d.Resize(rng.Next(1, 201), rng.Next(1, 61));
            resizes++;
        }
        foreach (var (w, h) in new[] { (1, 1), (2, 1), (1, 2), (5, 3), (20, 6), (200, 1), (1, 60) })
        {
            d.Resize(w, h);
            Thread.Sleep(200);
        }
        Assert.True(d.Alive, $"ctop ended during {resizes} resizes: {d.Ended()}");
        d.Resize(100, 30);
        // Redrawn at the full size after the storm: the header's CPU bar is back on one line.
        d.WaitFor("CPU[");
        Console.Out.WriteLine($"resize storm: {resizes} resizes in 10 s");
        d.QuitAndAssertClean();
    }

    [KernelFact]
    public void A20x6TerminalTakesEveryReadOnlyKey()
    {
        using var d = new TmuxDashboard(20, 6, "TERM=xterm-256color");
        d.WaitFor("ctop");
        string[] keys =
        [
            "F1", "Escape", "?", "Escape", "h", "Escape", "Tab", "Down", "Down", "Up", "BTab", "Down", "Enter", "Escape",
            "n", "Down", "Escape", "<", ">", "F6", "P", "M", "T", "t", "F5", "t", "F5", "/", "s", "h", "Escape", "F3", "Escape",
            "\\", "x", "Enter", "F4", "BSpace", "Enter", "a", "a", "L", "Escape", "NPage", "PPage", "End", "Home", "Left", "Right",
            "Tab", "Down", "Enter", "Escape", "Escape",
        ];
        foreach (var k in keys)
        {
            d.Keys(k);
            // A lone Escape followed quickly by a key reads as Alt+key; pause as a person would.
            Thread.Sleep(k == "Escape" ? 400 : 120);
        }
        Thread.Sleep(1500); // a few more frames at this size
        Assert.True(d.Alive, $"ctop ended at 20x6: {d.Ended()}");
        d.QuitAndAssertClean();
    }

    [KernelFact]
    public void WithoutTermOrWithADumbOneTheDashboardStillWorks()
    {
        foreach (var term in new[] { "-u TERM", "TERM=dumb" })
        {
            using var d = new TmuxDashboard(100, 30, term);
            d.WaitFor("CPU[");
            d.Resize(60, 15);
            Thread.Sleep(1500);
            Assert.True(d.Alive, $"{term}: {d.Ended()}");
            d.QuitAndAssertClean();
        }
    }

    /// <summary>
    /// `ctop` in a detached tmux session, started through a shell that records its exit code and stderr and then keeps
    /// the pane open, so a crash leaves its evidence. Dispose kills the session (and so ctop, by SIGHUP).
    /// </summary>
    private sealed class TmuxDashboard : IDisposable
    {
        private readonly string _session = $"ctop-test-term-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        private readonly string _dir = Directory.CreateTempSubdirectory("ctop-test-term-").FullName;

        public TmuxDashboard(int width, int height, string env)
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
            // The test process sets DisableRealDriverIO for the headless UI tests; the binary must get the real terminal.
            string script = $"env -u DisableRealDriverIO {env} dotnet '{dll}' 2>'{_dir}/err'; echo $? > '{_dir}/code'; sleep 600";
            Tmux("new-session", "-d", "-s", _session, "-x", width.ToString(), "-y", height.ToString(), "sh", "-c", script);
        }

        public bool Alive => !File.Exists(Path.Combine(_dir, "code"));

        public string Screen() => Tmux("capture-pane", "-p", "-t", _session);

        public void Resize(int width, int height) => Tmux("resize-window", "-t", _session, "-x", width.ToString(), "-y", height.ToString());

        public void Keys(string key) => Tmux("send-keys", "-t", _session, key);

        public void WaitFor(string text, int seconds = 30)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            string screen = "";
            while (DateTime.UtcNow < deadline)
            {
                screen = Screen();
                if (screen.Contains(text, StringComparison.Ordinal)) return;
                if (!Alive) break;
                Thread.Sleep(250);
            }
            Assert.Fail($"'{text}' did not appear; {Ended()}; screen:\n{screen}");
        }

        public string Ended() => Alive ? "still running" :
            $"exit {File.ReadAllText(Path.Combine(_dir, "code")).Trim()}, stderr: {File.ReadAllText(Path.Combine(_dir, "err"))}";

        public void QuitAndAssertClean()
        {
            Keys("q");
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (Alive && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.False(Alive, "q did not quit:\n" + Screen());
            Assert.Equal("0", File.ReadAllText(Path.Combine(_dir, "code")).Trim());
            Assert.Equal("", File.ReadAllText(Path.Combine(_dir, "err")));
        }

        public void Dispose()
        {
            Tmux("kill-session", "-t", _session);
            Directory.Delete(_dir, recursive: true);
        }
    }
}
