using System.Runtime.InteropServices;
using Ctop.Posix;
using Mono.Unix.Native;

namespace Ctop.Ui;

/// <summary>Signals and priorities for the process table's kill and renice keys. Results are messages for the status line.</summary>
public static class ProcessControl
{
    /// <summary>The signals offered by kill, most used first; SIGTERM is the default.</summary>
    public static readonly IReadOnlyList<(Signum Signal, string Name)> Signals =
    [
        (Signum.SIGTERM, "SIGTERM"), (Signum.SIGKILL, "SIGKILL"), (Signum.SIGINT, "SIGINT"), (Signum.SIGHUP, "SIGHUP"),
        (Signum.SIGQUIT, "SIGQUIT"), (Signum.SIGSTOP, "SIGSTOP"), (Signum.SIGCONT, "SIGCONT"), (Signum.SIGUSR1, "SIGUSR1"),
        (Signum.SIGUSR2, "SIGUSR2"),
    ];

    public static int Number(Signum s) => NativeConvert.FromSignum(s);

    public static (bool Ok, string Message) Kill(int pid, Signum signal)
    {
        string name = Signals.FirstOrDefault(s => s.Signal == signal).Name ?? signal.ToString();
        if (Syscall.kill(pid, signal) == 0) return (true, $"sent {name} to {pid}");
        var errno = Stdlib.GetLastError();
        return (false, $"kill {pid} {name}: {errno} ({Syscall.strerror(errno)})");
    }

    /// <summary>Adds <paramref name="delta"/> to the nice value (F7: −1, more priority; F8: +1), as htop does.</summary>
    public static (bool Ok, string Message) Renice(int pid, int delta)
    {
        int now = Native.GetPriority(Native.PRIO_PROCESS, pid);
        int errno = Marshal.GetLastPInvokeError();
        // getpriority can legitimately return -1, so errno (cleared by the stub) tells failure apart.
        if (now == -1 && errno != 0) return (false, $"renice {pid}: {Describe(errno)}");
        int target = Math.Clamp(now + delta, -20, 19);
        if (Native.SetPriority(Native.PRIO_PROCESS, pid, target) != 0) return (false, $"renice {pid} {now} → {target}: {Describe(Marshal.GetLastPInvokeError())}");
        return (true, $"nice of {pid}: {now} → {target}");
    }

    private static string Describe(int errno) =>
        NativeConvert.TryToErrno(errno, out var e) ? $"{e} ({Syscall.strerror(e)})" : $"errno {errno}";
}

/// <summary>
/// The process table's kill and renice keys, off the UI thread: the signal or priority call runs on the worker of
/// <see cref="UiWork"/> and its message comes back for the status bar.
/// </summary>
public sealed class ProcessController(UiWork work)
{
    public void Kill(int pid, Mono.Unix.Native.Signum signal, Action<string> done) =>
        Run($"kill {pid}…", () => ProcessControl.Kill(pid, signal), done);

    /// <summary>F7 (−1) and F8 (+1).</summary>
    public void Renice(int pid, int delta, Action<string> done) =>
        Run($"renice {pid}…", () => ProcessControl.Renice(pid, delta), done);

    private void Run(string what, Func<(bool Ok, string Message)> call, Action<string> done) =>
        work.Run(what, call, r => done(r.Message), ex => done($"{what.TrimEnd('…')}: {ex.Message}"));
}
