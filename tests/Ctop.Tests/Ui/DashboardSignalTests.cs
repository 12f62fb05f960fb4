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
        string dir = Directory.CreateTempSubdirectory("ctop-test-signal-").FullName;
        string session = $"ctop-test-signal-{Environment.ProcessId}-{(int)signal}";
        // The outer shell keeps the pane after ctop, so the screen after it can be read.
        StartInTmux(session, dir, "", $"2>{dir}/err; echo $? > {dir}/code; echo shell-after-ctop; sleep 600");
        try
        {
            // Drawn, and in the alternate screen with the cursor hidden: what the signal must undo.
            Wait(() => Tmux("capture-pane", "-p", "-t", session).Contains("F10Quit", StringComparison.Ordinal)
                && Flags(session) is ["1", "0", _, _], "the dashboard", session);
            int pid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid")).Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(0, Syscall.kill(pid, signal));

            Wait(() => ExitCode(dir) is not null, $"the exit after {signal}", session);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), ExitCode(dir));
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
        string dir = Directory.CreateTempSubdirectory("ctop-test-hangup-").FullName;
        string session = $"ctop-test-hangup-{Environment.ProcessId}";
        // trap '' HUP: SIG_IGN, which exec keeps. The exit code goes to a file: the pane is gone by then.
        StartInTmux(session, dir, "trap '' HUP; ", $"2>/dev/null; echo $? > {dir}/code");
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
            deadline = DateTime.UtcNow.AddSeconds(10);
            while (ExitCode(dir) is null && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.Equal("129", ExitCode(dir));
        }
        finally
        {
            if (pid > 0 && Directory.Exists($"/proc/{pid}")) Syscall.kill(pid, Signum.SIGKILL);
            Tmux("kill-session", "-t", session);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Starts the dashboard in a 120x30 tmux pane: an inner shell writes its PID to DIR/pid and becomes ctop (exec), so a
    /// signal goes to ctop itself; BEFORE and AFTER are the outer shell's around it. The test process set
    /// DisableRealDriverIO for the headless tests; the binary must get the real terminal. An empty config directory.
    /// </summary>
    private static void StartInTmux(string session, string dir, string before, string after)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        string script = $"{before}sh -c 'echo $$ > {dir}/pid; exec env -u DisableRealDriverIO TERM=xterm-256color XDG_CONFIG_HOME={dir} dotnet {dll}' {after}";
        Tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "sh", "-c", script);
    }

    /// <summary>The exit code the outer shell wrote to DIR/code, or null before it did.</summary>
    private static string? ExitCode(string dir)
    {
        string code = Path.Combine(dir, "code");
        return File.Exists(code) && File.ReadAllText(code).Trim() is { Length: > 0 } text ? text : null;
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
