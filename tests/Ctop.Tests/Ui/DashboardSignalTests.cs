using static Ctop.Tests.Support.TmuxSession;
using System.Diagnostics;
using System.Globalization;
using Ctop.Tests.Model;
using Mono.Unix.Native;

namespace Ctop.Tests.Ui;

/// <summary>
/// The real binary's dashboard in a real terminal (tmux), ended by a stop signal from outside as a service manager or a
/// shell's kill would: it leaves the alternate screen, shows the cursor again, turns the mouse and keypad modes off,
/// writes nothing to stderr and exits 128 + the signal (143 SIGTERM, 130 SIGINT), as after q it exits 0.
/// </summary>
[Collection(KernelCollection.Name)]
public class DashboardSignalTests
{
    [Theory]
    [InlineData(Signum.SIGTERM, 143)]
    [InlineData(Signum.SIGINT, 130)]
    public void AStopSignalRestoresTheTerminalAndExitsWith128PlusIt(Signum signal, int expected)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        string dir = Directory.CreateTempSubdirectory("ctop-test-signal-").FullName;
        string session = $"ctop-test-signal-{Environment.ProcessId}-{(int)signal}";
        // The inner shell writes its PID and becomes ctop (exec), so the signal goes to ctop itself; the outer one records
        // the exit code and then keeps the pane, so the screen after ctop can be read. The test process set
        // DisableRealDriverIO for the headless tests; the binary must get the real terminal. An empty config directory.
        string script = $"sh -c 'echo $$ > {dir}/pid; exec env -u DisableRealDriverIO TERM=xterm-256color XDG_CONFIG_HOME={dir} dotnet {dll}' "
            + $"2>{dir}/err; echo $? > {dir}/code; echo shell-after-ctop; sleep 600";
        Tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "sh", "-c", script);
        try
        {
            // Drawn, and in the alternate screen with the cursor hidden: what the signal must undo.
            Wait(() => Tmux("capture-pane", "-p", "-t", session).Contains("F10Quit", StringComparison.Ordinal)
                && Flags(session) is ["1", "0", _, _], "the dashboard", session);
            int pid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid")).Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(0, Syscall.kill(pid, signal));

            string code = Path.Combine(dir, "code");
            Wait(() => File.Exists(code) && File.ReadAllText(code).Trim().Length > 0, $"the exit after {signal}", session);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), File.ReadAllText(code).Trim());
            Assert.Equal("", File.ReadAllText(Path.Combine(dir, "err")));
            Wait(() => Tmux("capture-pane", "-p", "-t", session).Contains("shell-after-ctop", StringComparison.Ordinal), "the shell's line", session);
            // alternate_on, cursor_flag, mouse_any_flag, keypad_cursor_flag: the normal screen, the cursor shown, no mouse
            // reporting, cursor keys in normal mode (the shell's arrows work).
            Assert.Equal(["0", "1", "0", "0"], Flags(session));
        }
        finally
        {
            Tmux("kill-session", "-t", session);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A dashboard whose terminal closes while SIGHUP is ignored (nohup; ctop as a PID namespace's init, where the
    /// kernel drops it) ends by itself, with 129, instead of polling and redrawing into the dead terminal.
    /// </summary>
    [Fact]
    public void ItsTerminalClosingEndsItWhenSighupIsIgnored()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        string dir = Directory.CreateTempSubdirectory("ctop-test-hangup-").FullName;
        string session = $"ctop-test-hangup-{Environment.ProcessId}";
        // trap '' HUP: SIG_IGN, which exec keeps. The exit code goes to a file: the pane is gone by then.
        string script = $"trap '' HUP; sh -c 'echo $$ > {dir}/pid; exec env -u DisableRealDriverIO TERM=xterm-256color XDG_CONFIG_HOME={dir} dotnet {dll}' "
            + $"2>/dev/null; echo $? > {dir}/code";
        Tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "sh", "-c", script);
        int pid = 0;
        try
        {
            Wait(() => Tmux("capture-pane", "-p", "-t", session).Contains("F10Quit", StringComparison.Ordinal), "the dashboard", session);
            pid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid")).Trim(), CultureInfo.InvariantCulture);
            string ignored = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))[7..].Trim();
            Assert.True((Convert.ToUInt64(ignored, 16) & 1) != 0, $"SIGHUP is not ignored (SigIgn {ignored}): the test would not test the hang-up");
            Tmux("kill-session", "-t", session);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Directory.Exists($"/proc/{pid}") && !IsZombie(pid) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), "the dashboard still runs 20 s after its terminal closed");
            string code = Path.Combine(dir, "code");
            deadline = DateTime.UtcNow.AddSeconds(10);
            while (!(File.Exists(code) && File.ReadAllText(code).Trim().Length > 0) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.Equal("129", File.ReadAllText(code).Trim());
        }
        finally
        {
            if (pid > 0 && Directory.Exists($"/proc/{pid}")) Syscall.kill(pid, Signum.SIGKILL);
            Tmux("kill-session", "-t", session);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    private static string[] Flags(string session) =>
        Tmux("display-message", "-p", "-t", session, "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_cursor_flag}")
            .Trim().Split(' ');

    private static void Wait(Func<bool> done, string what, string session)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40); // a loaded machine starts dotnet slowly
        while (DateTime.UtcNow < deadline)
        {
            if (done()) return;
            Thread.Sleep(250);
        }
        Assert.Fail($"{what} did not come; screen:\n{Tmux("capture-pane", "-p", "-t", session)}\nflags: {string.Join(' ', Flags(session))}");
    }
}
