using System.Reactive.Linq;
using Ctop.Config;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;
using Ctop.Tuning;
using ProcFs.Cgroups;
using Terminal.Gui.App;

namespace Ctop.Ui;

/// <summary>The interactive dashboard's entry point.</summary>
public static class Dashboard
{
    /// <summary>keypad mode off (DECCKM reset, DECKPNM): .NET's console code can leave it on, breaking the shell's arrow keys.</summary>
    private const string RestoreKeypad = "\x1b[?1l\x1b>";

    /// <summary>
    /// Runs the dashboard on the current terminal until the user quits. Samples on a background thread; frames reach the UI
    /// thread through <see cref="UiScheduler"/>. Returns 0 on quit, 1 if sampling failed (the error is printed to stderr
    /// after the terminal is restored). The config file's table settings and colours apply; F2 saves to its path. The
    /// command line's selection (-p, -u, --cgroup) narrows every frame, as in batch mode and as top's -u does.
    /// <paramref name="stop"/> (SIGINT, SIGTERM) ends it as q does: the stop goes through the UI loop, the terminal is
    /// restored; the caller turns the signal into the exit code.
    /// </summary>
    public static int Run(SamplingOptions options, FrameFilter filter, ConfigFile config, CancellationToken stop = default)
    {
        IObservable<Frame> Selected(IObservable<Frame> frames) => filter == FrameFilter.None ? frames : frames.Select(filter.Apply);
        // The neighbours view (n) needs each cgroup's run-queue wait, which only schedstat gives: one more file per thread
        // and sample, so it is read only while that view is open.
        var schedstat = new SchedstatDemand();
        options = options with { SchedstatDemand = schedstat };
        var history = new History();
        Exception? error = null;
        Tuner tuner;
        try
        {
            // The sampler discovers the same layout from the same roots, so both see the cgroups under the same paths.
            // Discovered here, before the UI loop, because it reads /proc/self/mountinfo.
            tuner = new Tuner(CgroupLayout.Discover(options.ProcRoot, options.CgroupRoot));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"ctop: {e.Message}");
            return 1;
        }
        var app = Application.Create();
        var idle = IdleLoop.Attach(app);
        try
        {
            app.Init();
            var frames = Selected(FrameSource.Create(options, history: history));
            using var view = new DashboardView(app, frames, new UiScheduler(app), history, options.Interval, tuner, schedstat)
            {
                ConfigPath = config.Path,
                Resample = interval => Selected(FrameSource.Create(options with { Interval = interval }, history: history)),
            };
            view.Configure(config.Config, config.Problem);
            // From the signal's thread into the UI loop, which ends the run as q does; disposed before the app is.
            using var stopping = stop.Register(() => app.Invoke(() => app.RequestStop()));
            if (!stop.IsCancellationRequested) app.Run(view);
            error = view.Error;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e;
        }
        finally
        {
            idle?.Stop();
            try
            {
                app.Dispose(); // restores the screen, cursor and input modes
                Console.Out.Write(RestoreKeypad);
                Console.Out.Flush();
            }
            catch (IOException) when (idle?.HungUp == true)
            {
                // No terminal left to restore.
            }
            idle?.Dispose();
        }
        // Ended by its terminal's hang-up: the exit a shell reports for SIGHUP, with nowhere to print a message.
        if (idle?.HungUp == true) return 128 + 1;
        if (error is null) return 0;
        Console.Error.WriteLine($"ctop: {error.Message}");
        return 1;
    }
}
