using System.Diagnostics;
using Ctop.Ui;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Xunit;

namespace Ctop.Tests.Ui;

/// <summary>
/// <see cref="IdleLoop"/> over real pipes and a real (headless) Terminal.Gui app: the main loop's sleep ends on an
/// Invoke from another thread and on the next timer, the input thread's on a byte to read, and never while work is
/// pending. No test asserts an upper bound on time: each waits for an outcome and checks why the sleep ended.
/// </summary>
[Collection(UiCollection.Name)]
public class IdleLoopTests
{
    /// <summary>An initialised app with an idle loop attached; the test thread is its main thread.</summary>
    private static (IApplication App, IdleLoop Loop) Start()
    {
        var app = Application.Create();
        var loop = IdleLoop.Attach(app) ?? throw new InvalidOperationException("the idle loop did not attach");
        app.Init(DriverRegistry.Names.ANSI);
        return (app, loop);
    }

    private static void OnAnotherThread(Action action)
    {
        var t = new Thread(() => action());
        t.Start();
        t.Join();
    }

    private static void End(IApplication app, IdleLoop loop)
    {
        loop.Stop();
        app.Dispose();
        loop.Dispose();
    }

    [Fact]
    public void AttachesItsInputToTerminalGuisAnsiDriver()
    {
        var (app, loop) = Start();
        try
        {
            // Terminal.Gui took the factory (a private field set from outside): an upgrade that breaks it fails here.
            var input = Assert.IsAssignableFrom<InputProcessorImpl<char>>(app.Driver!.GetInputProcessor());
            Assert.IsType<IdleInput>(input.InputImpl);
            Assert.Equal(ushort.MaxValue, Application.MaximumIterationsPerSecond);
        }
        finally { End(app, loop); }
        Assert.NotEqual(ushort.MaxValue, Application.MaximumIterationsPerSecond);
    }

    [Fact]
    public void AnInvokeFromAnotherThreadWakesTheSleepingLoop()
    {
        var (app, loop) = Start();
        try
        {
            loop.ForgetInput();
            bool ran = false;
            OnAnotherThread(() => app.Invoke(() => ran = true));
            // The invoke is due at once: the loop does not sleep over it.
            Assert.Equal(IdleLoop.Wake.Busy, loop.WaitForWork());
            app.TimedEvents!.RunTimers();
            Assert.True(ran);
            // It also wrote to the wake pipe, which ends a sleep at once (here one that began after it).
            Assert.Equal(IdleLoop.Wake.Woken, loop.WaitForWork());
            // Drained: the next sleep lasts until the cap.
            Assert.Equal(IdleLoop.Wake.Timeout, loop.WaitForWork());
            Assert.Equal((int)IdleLoop.Cap.TotalMilliseconds, loop.LastTimeoutMs);
        }
        finally { End(app, loop); }
    }

    [Fact]
    public void TheSleepEndsWhenTheNextTimerIsDue()
    {
        var (app, loop) = Start();
        try
        {
            loop.ForgetInput();
            // A thread stalled for 200 ms (a loaded machine) finds the timer due already and does not sleep: try again.
            IdleLoop.Wake wake = IdleLoop.Wake.Busy;
            for (int attempt = 0; attempt < 5 && wake != IdleLoop.Wake.Timeout; attempt++)
            {
                bool fired = false;
                app.AddTimeout(TimeSpan.FromMilliseconds(200), () => { fired = true; return false; });
                wake = loop.WaitForWork();
                if (wake == IdleLoop.Wake.Timeout) Assert.InRange(loop.LastTimeoutMs, 1, 200); // slept for the timer, not for the cap
                while (!fired) { loop.WaitForWork(); app.TimedEvents!.RunTimers(); }
            }
            Assert.Equal(IdleLoop.Wake.Timeout, wake);
        }
        finally { End(app, loop); }
    }

    [Fact]
    public void InputKeepsTerminalGuisShortPeriodForASecond()
    {
        var (app, loop) = Start();
        try
        {
            loop.ForgetInput();
            OnAnotherThread(loop.InputRead); // the input thread queued what it read
            Assert.Equal(IdleLoop.Wake.Woken, loop.WaitForWork());
            Assert.Equal(IdleLoop.Wake.Timeout, loop.WaitForWork());
            Assert.True(loop.LastTimeoutMs <= 1000 / Application.DefaultMaximumIterationsPerSecond, $"{loop.LastTimeoutMs} ms");
        }
        finally { End(app, loop); }
    }

    [Fact]
    public unsafe void TheInputThreadSleepsUntilAByteArrives()
    {
        var (app, loop) = Start();
        int* fds = stackalloc int[2];
        Assert.Equal(0, Ctop.Posix.Native.Pipe2(fds, Ctop.Posix.Native.O_CLOEXEC));
        int read = fds[0], write = fds[1];
        try
        {
            var wake = IdleLoop.Wake.Timeout;
            var reader = new Thread(() => { while ((wake = loop.WaitForInput(read)) == IdleLoop.Wake.Timeout) { } });
            reader.Start();
            Thread.Sleep(100);
            byte b = (byte)'q';
            Assert.Equal(1, Mono.Unix.Native.Syscall.write(write, &b, 1));
            reader.Join();
            Assert.Equal(IdleLoop.Wake.Input, wake);
        }
        finally
        {
            End(app, loop);
            Mono.Unix.Native.Syscall.close(read);
            Mono.Unix.Native.Syscall.close(write);
        }
    }

    [Fact]
    public unsafe void AHangUpEndsTheInputThreadsSleepAndAsksTheRunToEnd()
    {
        var (app, loop) = Start();
        int* fds = stackalloc int[2];
        Assert.Equal(0, Ctop.Posix.Native.Pipe2(fds, Ctop.Posix.Native.O_CLOEXEC));
        int read = fds[0];
        try
        {
            var wake = IdleLoop.Wake.Timeout;
            var reader = new Thread(() => { while ((wake = loop.WaitForInput(read)) == IdleLoop.Wake.Timeout) { } });
            reader.Start();
            Thread.Sleep(50);
            Assert.False(loop.HungUp);
            // The writer's end closing is what a terminal's closing looks like to poll(): POLLHUP, no data.
            Mono.Unix.Native.Syscall.close(fds[1]);
            reader.Join();
            Assert.Equal(IdleLoop.Wake.HangUp, wake);
            Assert.True(loop.HungUp);
        }
        finally
        {
            End(app, loop);
            Mono.Unix.Native.Syscall.close(read);
        }
    }

    [Fact]
    public unsafe void StopEndsTheInputThreadsSleep()
    {
        var (app, loop) = Start();
        int* fds = stackalloc int[2];
        Assert.Equal(0, Ctop.Posix.Native.Pipe2(fds, Ctop.Posix.Native.O_CLOEXEC));
        try
        {
            int read = fds[0];
            var wake = IdleLoop.Wake.Timeout;
            var reader = new Thread(() => { while ((wake = loop.WaitForInput(read)) == IdleLoop.Wake.Timeout) { } });
            reader.Start();
            Thread.Sleep(50);
            loop.Stop();
            reader.Join();
            Assert.Equal(IdleLoop.Wake.Stopped, wake);
            Assert.Equal(IdleLoop.Wake.Stopped, loop.WaitForWork());
        }
        finally
        {
            End(app, loop);
            Mono.Unix.Native.Syscall.close(fds[0]);
            Mono.Unix.Native.Syscall.close(fds[1]);
        }
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData(" 0 ", false)]
    public void TheSwitchTurnsItOff(string? value, bool on) => Assert.Equal(on, IdleLoop.Enabled(value));
}
