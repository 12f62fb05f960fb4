using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ctop.Posix;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.ViewBase;

namespace Ctop.Ui;

/// <summary>
/// Lets Terminal.Gui's loops sleep while there is nothing to do. Left alone, its main loop iterates 25 times a second
/// (a <c>Task.Delay</c> after every iteration) and its input thread polls stdin 50 times a second (a <c>Task.Delay(20)</c>
/// between polls): on an idle host those ~75 wake-ups a second, each a timer thread, a pool thread and the waiter, were
/// a third of the dashboard's CPU. Here the input thread blocks in poll() on the terminal until a byte arrives, and
/// writes to a wake pipe once it has queued what it read; the main loop, at the start of an iteration with nothing to
/// do (no input queued, no view needing layout or drawing, no timer due), blocks in poll() on that pipe until the next
/// timer is due or <see cref="Cap"/> has passed; anything added to the timer list from another thread (every
/// <see cref="IApplication.Invoke(Action)"/>, so every frame) and a resize (SIGWINCH) write to the pipe too. A key is
/// therefore handled as soon as it is read instead of up to 60 ms later. While busy, iterations keep Terminal.Gui's
/// pace (<see cref="Application.MaximumIterationsPerSecond"/>); for a second after any input the waits stay that
/// short too, so Terminal.Gui's own input timing (a lone Esc released after 50 ms, click counting, terminal replies)
/// is as before. <c>CTOP_IDLE_LOOP=0</c> turns it off.
/// </summary>
public sealed class IdleLoop : IDisposable
{
    public const string Switch = "CTOP_IDLE_LOOP";

    /// <summary>The longest sleep: a safety net for a change that reached no wake-up (state set from another thread).</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after input the loop keeps Terminal.Gui's short period (escape and click timeouts are shorter).</summary>
    private static readonly TimeSpan InputGrace = TimeSpan.FromSeconds(1);

    /// <summary>The input thread's longest sleep; it needs no wake-up but its stop.</summary>
    private static readonly TimeSpan InputCap = TimeSpan.FromSeconds(1);

    private readonly Pipe _wake = new(), _stop = new();
    private readonly int _periodMs;
    private readonly ushort _rate;
    private IApplication? _app;
    private PosixSignalRegistration? _winch;
    private long _lastIteration, _lastInput;
    private volatile bool _stopped, _hungUp;
    /// <summary>The terminal Terminal.Gui reads (stdin when it is one), or -1.</summary>
    private int _terminal = -1;

    /// <summary>Why the last <see cref="WaitForWork"/> returned, and the timeout it waited with (tests read them).</summary>
    public Wake LastWake { get; private set; }
    public int LastTimeoutMs { get; private set; }

    public enum Wake { Busy, Timeout, Woken, Input, Stopped, HangUp }

    public IdleLoop()
    {
        // Another idle loop's setting is not the pace to keep (tests may run two).
        _rate = Application.MaximumIterationsPerSecond is var r && r != ushort.MaxValue ? r : Application.DefaultMaximumIterationsPerSecond;
        _periodMs = 1000 / Math.Max((ushort)1, _rate);
        _lastInput = Stopwatch.GetTimestamp(); // start-up: the terminal's replies to Terminal.Gui's queries arrive now
    }

    /// <summary>Off when <c>CTOP_IDLE_LOOP=0</c>.</summary>
    public static bool Enabled(string? value) => value?.Trim() != "0";

    /// <summary>
    /// Attaches an idle loop to <paramref name="app"/>, which must not be initialised yet (its input is made here); null
    /// when switched off or when the app will not use the ANSI driver (a forced other driver keeps its own loop).
    /// </summary>
    public static IdleLoop? Attach(IApplication app)
    {
        if (!Enabled(Environment.GetEnvironmentVariable(Switch))) return null;
        if (app.ForceDriver is { Length: > 0 } forced && forced != DriverRegistry.Names.ANSI) return null;
        var loop = new IdleLoop();
        try
        {
            // Terminal.Gui 2.5 takes no component factory from outside (its constructor for one is internal), and only
            // a factory can hand it an input of ours; the field is what that constructor sets.
            ComponentFactory(app) = new IdleComponentFactory(loop);
        }
        catch (Exception e) when (e is MissingMemberException or TypeLoadException or InvalidCastException)
        {
            loop.Dispose();
            return null;
        }
        loop.Hook(app);
        return loop;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_componentFactory")]
    private static extern ref IComponentFactory? ComponentFactory([UnsafeAccessorType("Terminal.Gui.App.ApplicationImpl, Terminal.Gui")] object app);

    /// <summary>Subscribes to the app's iterations and timer additions, and to SIGWINCH.</summary>
    internal void Hook(IApplication app)
    {
        _app = app;
        app.Iteration += OnIteration;
        if (app.TimedEvents is { } timers) timers.Added += OnTimerAdded;
        if (!OperatingSystem.IsWindows()) _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Signal());
        // The pace is kept here (WaitForWork), so Terminal.Gui's Task.Delay after each iteration is turned off.
        Application.MaximumIterationsPerSecond = ushort.MaxValue;
    }

    /// <summary>Wakes the main loop from any thread (a lost byte on a full pipe is fine: one is enough).</summary>
    public void Signal() => _wake.Write();

    private void OnTimerAdded(object? sender, TimeoutEventArgs e)
    {
        // On the UI thread the next iteration sees the new timer anyway.
        if (Environment.CurrentManagedThreadId != _app?.MainThreadId) Signal();
    }

    private void OnIteration(object? sender, EventArgs<IApplication?> e) => WaitForWork();

    /// <summary>
    /// At the start of an iteration: returns at once when there is work, after Terminal.Gui's period at most since the
    /// previous iteration; otherwise sleeps until a wake-up, the next timer or the cap.
    /// </summary>
    public Wake WaitForWork()
    {
        if (_stopped || _app is not { } app) return LastWake = Wake.Stopped;
        // The input thread may not be in its poll() when the terminal goes (Terminal.Gui's own read fails first), so the
        // main loop looks too: one poll() without waiting per iteration.
        if (HangsUp(_terminal)) return LastWake = Wake.HangUp;
        long now = Stopwatch.GetTimestamp();
        int timeout = (int)Cap.TotalMilliseconds;
        if (Stopwatch.GetElapsedTime(_lastInput, now) < InputGrace) timeout = _periodMs;
        if (app.TimedEvents is TimedEvents timers && timers.CheckTimers(out int due)) timeout = Math.Min(timeout, due);
        if (timeout <= 0 || InputQueued(app) || NeedsDrawing(app))
        {
            int left = _periodMs - (int)Stopwatch.GetElapsedTime(_lastIteration, now).TotalMilliseconds;
            if (left > 0) Thread.Sleep(left);
            LastWake = Wake.Busy;
        }
        else
        {
            LastTimeoutMs = timeout;
            LastWake = _wake.Wait(timeout) ? Wake.Woken : Wake.Timeout;
        }
        _lastIteration = Stopwatch.GetTimestamp();
        return LastWake;
    }

    private bool InputQueued(IApplication app)
    {
        if (app.Driver?.GetInputProcessor() is not InputProcessorImpl<char> input) return false;
        if (input.InputQueue.IsEmpty && input.GetParser().State == AnsiResponseParserState.Normal) return false;
        _lastInput = Stopwatch.GetTimestamp();
        return true;
    }

    private static bool NeedsDrawing(IApplication app)
    {
        if (app.ClearScreenNextIteration) return true;
        if (app.Popovers?.GetActivePopover() is View popover && Pending(popover)) return true;
        if (app.SessionStack is { } sessions)
            foreach (var s in sessions)
                if (s.Runnable is View v && Pending(v)) return true;
        return false;
    }

    /// <summary>Terminal.Gui keeps "a subview needs drawing" internal, so the visible tree is walked.</summary>
    private static bool Pending(View v)
    {
        if (!v.Visible) return false;
        if (v.NeedsLayout || v.NeedsDraw) return true;
        foreach (var sub in v.SubViews)
            if (Pending(sub)) return true;
        return false;
    }

    /// <summary>
    /// The input thread's sleep: until <paramref name="fd"/> is readable, <see cref="Stop"/>, or <see cref="InputCap"/>.
    /// </summary>
    public Wake WaitForInput(int fd)
    {
        if (_stopped) return Wake.Stopped;
        int ready = _stop.WaitWith(fd, (int)InputCap.TotalMilliseconds);
        if (ready == 3) return HangUp();
        return ready switch { 2 => Wake.Input, 1 => Wake.Stopped, _ => Wake.Timeout };
    }

    /// <summary>
    /// True (and the run asked to end) if <paramref name="fd"/>, the terminal, hung up: one poll() without waiting. The
    /// input thread asks before Terminal.Gui's own read, which on a hung-up terminal reads nothing for ever (its poll says
    /// readable), and the main loop at each iteration.
    /// </summary>
    internal bool HangsUp(int fd)
    {
        if (_hungUp) return true;
        if (fd < 0 || _stop.WaitWith(fd, 0) != 3) return false;
        HangUp();
        return true;
    }

    /// <summary>
    /// The terminal is gone and SIGHUP did not end ctop (ignored: nohup, or ctop is a PID namespace's init). Left alone,
    /// Terminal.Gui would read the dead terminal and redraw into it for ever; the run ends as q ends it.
    /// </summary>
    private Wake HangUp()
    {
        _hungUp = true;
        if (_app is { } app) app.Invoke(() => app.RequestStop());
        Signal();
        return Wake.HangUp;
    }

    /// <summary>The terminal hung up (<see cref="Wake.HangUp"/>): the run was asked to end.</summary>
    public bool HungUp => _hungUp;

    /// <summary>The input thread queued what it read.</summary>
    internal void InputRead()
    {
        _lastInput = Stopwatch.GetTimestamp();
        Signal();
    }

    public bool Stopped => _stopped;

    /// <summary>Tests: the start-up's "just after input" is over.</summary>
    internal void ForgetInput() => _lastInput = 0;

    /// <summary>
    /// Back to Terminal.Gui's own pace, before the app is disposed: the input thread leaves its sleep (the app's
    /// disposal waits for it) and polls as Terminal.Gui does until it is cancelled.
    /// </summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        _stop.Write();
        Signal();
        Application.MaximumIterationsPerSecond = _rate;
        if (_app is { } app)
        {
            app.Iteration -= OnIteration;
            if (app.TimedEvents is { } timers) timers.Added -= OnTimerAdded;
        }
        _winch?.Dispose();
    }

    /// <summary>After the app's disposal (its input thread, which polls <see cref="_stop"/>, has ended).</summary>
    public void Dispose()
    {
        Stop();
        _wake.Dispose();
        _stop.Dispose();
    }

    /// <summary>A non-blocking pipe whose read end is polled: written to wake, drained on waking.</summary>
    private sealed unsafe class Pipe : IDisposable
    {
        private const int O_NONBLOCK = 0x800;
        private readonly int _read, _write;

        public Pipe()
        {
            int* fds = stackalloc int[2];
            if (Native.Pipe2(fds, Native.O_CLOEXEC | O_NONBLOCK) < 0)
                throw new IOException("pipe: " + Native.StrError(Native.LastError));
            _read = fds[0];
            _write = fds[1];
        }

        public void Write()
        {
            byte b = 1;
            Mono.Unix.Native.Syscall.write(_write, &b, 1); // EAGAIN: full, a wake-up is pending anyway
        }

        /// <summary>Polls the pipe; true if it was written, then drained.</summary>
        public bool Wait(int timeoutMs) => WaitWith(-1, timeoutMs) == 1 && Drain();

        /// <summary>
        /// 0: timeout; 1: the pipe is readable (not drained); 2: <paramref name="fd"/> is readable; 3: <paramref name="fd"/>
        /// hung up or failed (a closed terminal: no more input will come).
        /// </summary>
        public int WaitWith(int fd, int timeoutMs)
        {
            var fds = stackalloc Native.PollFd[2];
            fds[0] = new Native.PollFd { Fd = _read, Events = Native.POLLIN };
            fds[1] = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
            int n = Native.Poll(fds, fd >= 0 ? 2u : 1u, timeoutMs);
            if (n <= 0) return 0; // timeout, or EINTR (a signal): the caller's loop comes back
            if (fd >= 0 && (fds[1].Revents & (Native.POLLHUP | Native.POLLERR | Native.POLLNVAL)) != 0) return 3;
            if (fd >= 0 && (fds[1].Revents & Native.POLLIN) != 0) return 2;
            return fds[0].Revents != 0 ? 1 : 0;
        }

        private bool Drain()
        {
            byte* buf = stackalloc byte[64];
            while (Mono.Unix.Native.Syscall.read(_read, buf, 64) > 0) { }
            return true;
        }

        public void Dispose()
        {
            Mono.Unix.Native.Syscall.close(_read);
            Mono.Unix.Native.Syscall.close(_write);
        }
    }

    /// <summary>Terminal.Gui's ANSI driver with <see cref="IdleInput"/> as its input.</summary>
    private sealed class IdleComponentFactory(IdleLoop loop) : AnsiComponentFactory
    {
        public override IInput<char> CreateInput()
        {
            int fd = Mono.Unix.Native.Syscall.isatty(0) ? 0 : -1;
            loop._terminal = fd;
            return new IdleInput(loop, fd);
        }
    }
}

/// <summary>
/// Terminal.Gui's ANSI input, whose thread sleeps in poll() on the terminal instead of polling it every 20 ms, and wakes
/// the main loop once it has queued what it read. <paramref name="fd"/> is the descriptor Terminal.Gui reads (stdin when
/// it is a terminal); -1: it is not known, so the input polls as Terminal.Gui's does.
/// </summary>
internal sealed class IdleInput(IdleLoop loop, int fd) : AnsiInput
{
    public override bool Peek()
    {
        if (loop.HangsUp(fd)) return false;
        if (base.Peek()) return true;
        // Nothing yet: sleep until there is (then Read), or return false, after which Terminal.Gui waits 20 ms.
        if (fd < 0 || loop.Stopped) return false;
        return loop.WaitForInput(fd) == IdleLoop.Wake.Input && base.Peek();
    }

    public override IEnumerable<char> Read()
    {
        foreach (char c in base.Read()) yield return c;
        // Terminal.Gui's input loop queues each character before asking for the next, so all are queued by now.
        loop.InputRead();
    }
}
