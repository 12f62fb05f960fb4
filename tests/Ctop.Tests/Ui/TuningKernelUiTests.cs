using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Model;
using Ctop.Pipeline;
using Ctop.Tests.Model;
using Ctop.Tuning;
using Ctop.Ui;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Xunit.Abstractions;

namespace Ctop.Tests.Ui;

/// <summary>
/// Issue 5's "done when": the dashboard, fed real frames by a real sampler through the UI scheduler as
/// <see cref="Dashboard.Run"/> does, throttles a busy ctop-test-* cgroup with c 0.1 Enter, and u restores it.
/// (In the kernel collection: busy loops must not compete with other real-kernel tests. Both collections run alone.)
/// </summary>
[Collection(KernelCollection.Name)]
public class TuningKernelUiTests(ITestOutputHelper output)
{
    [KernelFact]
    public void CTypedPointOneThrottlesABusyLoopWithinThreeSamplesAndUUndoesIt()
    {
        using var cg = new RealCgroup("cpu", "cpuacct");
        cg.StartBusyLoop();
        Assert.Equal("-1", cg.Read("cpu", "cpu.cfs_quota_us"));
        string period = cg.Read("cpu", "cpu.cfs_period_us");

        var options = new SamplingOptions { Interval = TimeSpan.FromSeconds(0.5) };
        var tuner = new Tuner(CgroupLayout.Discover(options.ProcRoot, options.CgroupRoot));
        using IApplication app = Application.Create();
        app.Init(DriverRegistry.Names.ANSI);
        app.Driver!.SetScreenSize(160, 40);
        using var view = new DashboardView(app, FrameSource.Create(options), new UiScheduler(app), null, options.Interval, tuner);

        var row = new Regex(@"^T\s+(\d+\.\d\d)/0\.10\s+\d+%[ |]*\s+(\d+)%.*" + Regex.Escape(cg.CgroupPath));
        string? failure = null, shown = null;
        int step = 0, frameNo = 0, samplesSince = 0;
        DateTimeOffset appliedAt = default;
        var log = new List<string>();
        bool done = false;
        void Stop(string? why) { failure ??= why; done = true; }
        void OnFrame(Frame frame)
        {
            frameNo++;
            app.LayoutAndDraw(true);
            string screen = app.Driver.ToString() ?? "";
            string line = screen.Split('\n').FirstOrDefault(l => l.Contains(cg.CgroupPath, StringComparison.Ordinal))?.Trim() ?? "";
            log.Add($"frame {frameNo} sampled {frame.Time:HH:mm:ss.fff}: {line}");
            switch (step)
            {
                case 0: // the cgroup's row exists once two samples made a frame: select it, c, 0.1, Enter
                    int index = view.CgroupModel.IndexOf(cg.CgroupPath);
                    if (index < 0) return;
                    view.Cgroups.View.SetFocus();
                    view.Cgroups.Select(index);
                    app.InjectKey(new Key('c'));
                    if (view.ActiveOverlay is not LimitOverlay { Kind: LimitKind.Cpu } dialog) { Stop("c opened no CPU limit dialog:\n" + screen); return; }
                    app.InjectKey(Key.End);
                    for (int i = 0; i < 8; i++) app.InjectKey(Key.Backspace);
                    foreach (char ch in "0.1") app.InjectKey(new Key(ch));
                    app.InjectKey(Key.Enter);
                    // The write runs on the dashboard's worker; the dialog closes when its outcome is back.
                    step = 10;
                    return;
                case 10: // the write's outcome came back on the UI thread: the dialog closed, the kernel holds the quota
                    if (view.ActiveOverlay is LimitOverlay open)
                    {
                        if (++samplesSince > 20) Stop($"the write did not finish within 20 frames: {open.Message}; log {tuner.Log.Count}, quota {cg.Read("cpu", "cpu.cfs_quota_us")}, status line {view.StatusText ?? "-"}");
                        return;
                    }
                    if (cg.Read("cpu", "cpu.cfs_quota_us") != "10000") { Stop($"cpu.cfs_quota_us is {cg.Read("cpu", "cpu.cfs_quota_us")}"); return; }
                    appliedAt = DateTimeOffset.Now;
                    samplesSince = 0;
                    log.Add($"applied {appliedAt:HH:mm:ss.fff}");
                    step = 1;
                    return;
                case 1: // within three samples taken after the write: about 0.10 cores of a 0.10 limit, throttled
                    // (Frames sampled before it may still be queued for the UI thread, e.g. while it warms up.)
                    if (frame.Time <= appliedAt) return;
                    samplesSince++;
                    var m = row.Match(line);
                    var c = view.CgroupModel.Find(cg.CgroupPath);
                    if (m.Success && c?.Cpu.UsedCores is >= 0.07 and <= 0.13 && c.Cpu.ThrottledRatio > 0.5
                        && double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is >= 0.07 and <= 0.13
                        && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) > 50)
                    {
                        shown = line;
                        app.InjectKey(new Key('u'));
                        step = 2;
                        samplesSince = 0;
                    }
                    else if (samplesSince >= 3) Stop($"three samples after c 0.1 Enter the row does not show about 0.10 cores, throttled");
                    return;
                case 2: // the undo, on the worker too: done once the status line says so
                    if (view.StatusText?.StartsWith("undone: ", StringComparison.Ordinal) == true) Stop(null);
                    else if (++samplesSince > 20) Stop($"u did not finish within 20 frames: {view.StatusText}");
                    return;
            }
        }

        // The script runs once per frame the view has taken in, on the UI thread, as a user reacting to the screen.
        view.FrameShown += f =>
        {
            try { OnFrame(f); }
            catch (Exception e) { Stop(e.ToString()); } // an exception here would end app.Run without saying why
        };
        // RequestStop from a timer: requested from the frame callback (an Invoke), the loop went on for seconds.
        app.AddTimeout(TimeSpan.FromMilliseconds(100), () =>
        {
            if (done) app.RequestStop();
            return !done;
        });
        app.AddTimeout(TimeSpan.FromSeconds(40), () => { Stop("timed out"); app.RequestStop(); return false; }); // never hang the suite
        app.Run(view);

        foreach (var l in log) output.WriteLine(l);
        Assert.True(failure is null, failure);
        output.WriteLine($"shown: {shown}");
        Assert.Equal(2, step);
        Assert.Equal("-1", cg.Read("cpu", "cpu.cfs_quota_us")); // u restored exactly the old value
        Assert.Equal(period, cg.Read("cpu", "cpu.cfs_period_us"));
        Assert.Equal(2, tuner.Log.Count);
        Assert.Equal(ChangeKind.Undo, tuner.Log[1].Kind);
    }
}
