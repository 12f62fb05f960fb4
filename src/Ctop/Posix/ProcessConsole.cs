using System.Runtime.InteropServices;
using System.Text;

namespace Ctop.Posix;

/// <summary>The process's real stdout and its stop signals, for Program.</summary>
public static class ProcessConsole
{
    /// <summary>
    /// Stdout as a writer that throws IOException once the reader is gone (see <see cref="FdWriteStream"/>),
    /// so batch mode ends like top | head. Buffered; the batch runner flushes once per frame.
    /// </summary>
    public static TextWriter OpenStdout() =>
        new StreamWriter(new FdWriteStream(1), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024)
        {
            AutoFlush = false,
        };

    /// <summary>
    /// The first stop signal the handlers of <see cref="CancelOnStopSignals"/> took (2 SIGINT, 3 SIGQUIT, 15 SIGTERM).
    /// Commands that install their own handlers later (ctop run, exec) read it: a signal that came before theirs
    /// existed only cancelled a token they do not watch, and must not be lost.
    /// </summary>
    public static int? StopSignal { get; private set; }

    /// <summary>
    /// A token cancelled by Ctrl-C (SIGINT) or SIGTERM, so batch mode stops after the frame in hand and exits 0.
    /// A second Ctrl-C is left to the default handler, which kills a process that is stuck.
    /// </summary>
    public static IDisposable CancelOnStopSignals(CancellationTokenSource cts)
    {
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            StopSignal ??= e.SpecialKey == ConsoleSpecialKey.ControlBreak ? 3 : 2;
            e.Cancel = !cts.IsCancellationRequested;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { StopSignal ??= 15; ctx.Cancel = true; cts.Cancel(); });
        return new Registration(() => { Console.CancelKeyPress -= onCancel; term.Dispose(); });
    }

    /// <summary>
    /// The exit code of a command that runs until it is stopped (the dashboard; serve and record likewise): after a stop
    /// signal ended it cleanly, 128 + the signal's number (130 SIGINT, 143 SIGTERM), as a shell reports a program that
    /// signal ended; otherwise <paramref name="code"/>. Such a command watches the token of <see cref="CancelOnStopSignals"/>,
    /// stops on it, restores what it changed (the terminal), returns, and Program exits with this.
    /// </summary>
    public static int ExitCodeAfterStop(int code) => StopSignal is int signal ? 128 + signal : code;

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
