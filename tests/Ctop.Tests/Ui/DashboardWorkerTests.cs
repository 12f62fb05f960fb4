using System.Diagnostics;
using Ctop.Model;
using Ctop.Tests.Tuning;
using Ctop.Tuning;
using Ctop.Ui;
using Mono.Unix.Native;
using ProcFs.Tests.Support;
using Terminal.Gui.Input;
using Xunit.Abstractions;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Ui;

/// <summary>
/// The dashboard's writes and reads of cgroupfs run on its worker, never on the UI thread: a control file that blocks
/// (a FIFO with no writer, as a frozen cgroup's file can) leaves the keys and the screen working, the status bar says
/// what runs, and the outcome comes back through the UI scheduler onto the UI thread.
/// </summary>
[Collection(UiCollection.Name)]
public class DashboardWorkerTests(ITestOutputHelper output)
{
    private const string Box = "/ctop/box";

    private static Frame Sample() => F.Frame(
    [
        F.Cg("/", cores: 1.0, mem: 1L << 30),
        F.Cg(Box, cores: 0.3, limit: 0.5, mem: 10L << 20, pids: 1),
    ], [F.P(200, "sh -c while :; do :; done", Box, cpu: 30)]);

    [Fact]
    public void AFrozenCpuMaxBlocksOnlyTheWorkerAndItsOutcomeComesBackOnTheUiThread()
    {
        using var t = V2Host();
        t.AddV2Cgroup(Box, "50000 100000");
        string cpuMax = t.Path("sys/fs/cgroup/ctop/box/cpu.max");
        File.Delete(cpuMax);
        Assert.Equal(0, Syscall.mkfifo(cpuMax, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));

        var ui = new PumpScheduler();
        using var worker = UiWork.NewWorker() as IDisposable;
        using var h = new Harness(120, 30, tuner: new Tuner(t.Layout()), worker: (System.Reactive.Concurrency.IScheduler)worker!, ui: ui);
        h.Feed(Sample());
        h.View.Cgroups.Select(h.View.CgroupModel.IndexOf(Box));
        h.Draw();

        var sw = Stopwatch.StartNew();
        h.Key(new Key('+')); // the worker now waits in open(2) of the FIFO
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"the key took {sw.Elapsed}");
        output.WriteLine(h.Screen);
        Assert.Contains("CPU limit +0.1 core on /ctop/box…", h.Lines[^1]);

        // The UI thread still takes keys and draws while the worker is stuck.
        h.Key(new Key('h'));
        Assert.Contains("ctop help", h.Screen);
        h.Key(Key.Esc);
        h.Feed(Sample());
        Assert.Contains("CPU limit +0.1 core on /ctop/box…", h.Lines[^1]);
        Assert.Equal(0, ui.Pending);

        // Unfreeze with text the tuner cannot take: it fails, writes nothing, and the failure is posted to the UI thread.
        using (var writer = new FileStream(cpuMax, FileMode.Open, FileAccess.Write)) writer.Write("garbage\n"u8);
        Assert.True(ui.PumpWhenPosted(TimeSpan.FromSeconds(20)), "the worker's outcome was not posted back");
        h.Draw();
        output.WriteLine(h.Screen);
        Assert.Contains("Failed", h.Screen);
        Assert.Contains("CPU limit +0.1 core on /ctop/box failed", h.Screen.Replace("\n", " "));
        Assert.IsType<MessageOverlay>(h.View.ActiveOverlay);
        Assert.Empty(h.View.Tuning.ChangeLogText().Split('\n').Where(l => l.StartsWith('#')));
    }

    [Fact]
    public void TheLimitDialogChecksAndWritesOffTheUiThread()
    {
        using var t = V2Host();
        t.AddV2Cgroup(Box, "50000 100000");
        var ui = new PumpScheduler();
        using var worker = UiWork.NewWorker() as IDisposable;
        int uiThread = Environment.CurrentManagedThreadId;
        var tuner = new Tuner(t.Layout());
        int? wroteOn = null;
        tuner.Logged += _ => wroteOn = Environment.CurrentManagedThreadId;
        using var h = new Harness(120, 30, tuner: tuner, worker: (System.Reactive.Concurrency.IScheduler)worker!, ui: ui);
        h.Feed(Sample());
        h.View.Cgroups.Select(h.View.CgroupModel.IndexOf(Box));
        h.Key(new Key('c'));
        h.Key(Key.Backspace);
        h.Type("0.25");
        Assert.True(ui.PumpWhenPosted(TimeSpan.FromSeconds(20)));
        h.Draw();
        Assert.Contains("Enter writes cpu.max 50000 100000 → 25000 100000", h.Screen.Replace("\n", " "));
        h.Key(Key.Enter);
        Assert.True(ui.PumpWhenPosted(TimeSpan.FromSeconds(20)));
        h.Draw();
        Assert.Equal("25000 100000", t.Read("sys/fs/cgroup/ctop/box/cpu.max"));
        Assert.Contains("cpu.max 50000 100000 → 25000 100000", h.Lines[^1]);
        Assert.NotNull(wroteOn);
        Assert.NotEqual(uiThread, wroteOn);
    }
}

/// <summary>The plain classes behind the keys, without a terminal.</summary>
public class DashboardControllerTests
{
    private static ProcessTableModel Processes()
    {
        var m = new ProcessTableModel();
        m.Update([F.P(1, "/sbin/init", "/", cpu: 0.1), F.P(100, "nginx: master", "/", cpu: 1), F.P(101, "nginx: worker", "/", cpu: 4, user: "www-data")]);
        return m;
    }

    [Fact]
    public void SearchJumpsFromWhereItBeganAndEscRestoresTheOldSearch()
    {
        var p = Processes();
        var s = new SearchFilter(p);
        s.BeginSearch(0);
        var jump = s.SearchTyped("nginx");
        Assert.Equal("nginx: worker", p.Rows[jump.Row].View.Command); // sorted by CPU: the worker first
        Assert.Null(s.CommitSearch("nginx"));
        Assert.Equal("nginx: master", p.Rows[s.Next(jump.Row).Row].View.Command);
        s.BeginSearch(0);
        Assert.Equal("not found: zzz", s.SearchTyped("zzz").Message);
        s.CancelSearch();
        Assert.Equal("nginx", s.Search);
        Assert.Contains("search \"nginx\"", s.Describe());
        Assert.Equal("no search: press / first", new SearchFilter(p).Next(0).Message);
    }

    [Fact]
    public void FiltersApplyAsTypedCancelRestoresAndEscClearsBoth()
    {
        var p = Processes();
        var s = new SearchFilter(p);
        s.BeginFilter();
        s.FilterTyped("NGINX");
        Assert.Equal(2, p.Rows.Count);
        s.CancelFilter();
        Assert.Equal(3, p.Rows.Count);
        Assert.Equal("www-data", s.UserPromptStart("www-data"));
        s.SetUser(" www-data ");
        Assert.Single(p.Rows);
        Assert.Equal("www-data", s.UserPromptStart("root"));
        s.ClearFilters();
        Assert.Equal(3, p.Rows.Count);
    }

    [Fact]
    public void TuningWithoutATunerSaysSoAndStepAndUndoWriteTheFixture()
    {
        var work = new UiWork(System.Reactive.Concurrency.Scheduler.Immediate, System.Reactive.Concurrency.Scheduler.Immediate);
        TuningOutcome? got = null;
        new TuningController(null, work).Undo(F.Cg("/x"), o => got = o);
        Assert.Equal(TuningController.Unavailable, got!.BoxMessage);

        using var t = HostFixtures.V2Host();
        t.AddV2Cgroup("/ctop/box", "50000 100000");
        var tuning = new TuningController(new Tuner(t.Layout()), work);
        var box = F.Cg("/ctop/box", cores: 0.3, limit: 0.5);
        tuning.Step(box, +0.1, o => got = o);
        Assert.Equal("60000 100000", t.Read("sys/fs/cgroup/ctop/box/cpu.max"));
        Assert.Contains("(u: undo)", got!.Status);
        tuning.Undo(box, o => got = o);
        Assert.StartsWith("undone: ", got!.Status);
        Assert.Equal("50000 100000", t.Read("sys/fs/cgroup/ctop/box/cpu.max"));
        Assert.Contains("undo of #1", tuning.ChangeLogText());
        Assert.Empty(work.Running);
    }

    [Fact]
    public void SettingsWithoutAPlaceToSaveSayWhereAndAnUnwritableOneSaysWhy()
    {
        var work = new UiWork(System.Reactive.Concurrency.Scheduler.Immediate, System.Reactive.Concurrency.Scheduler.Immediate);
        var settings = new SettingsController(new CgroupTableModel(), new ProcessTableModel(), TimeSpan.FromSeconds(1), work);
        string? failed = null, saved = null;
        settings.Save(settings.Capture(), "", s => saved = s, f => failed = f);
        Assert.Equal(SettingsController.NoPlace, failed);
        var dir = Directory.CreateTempSubdirectory("ctop-test-settings-").FullName;
        try
        {
            settings.ConfigPath = Path.Combine(dir, "config.json");
            settings.Save(settings.Capture(), " (later)", s => saved = s, f => failed = f);
            Assert.Equal($"settings saved to {settings.ConfigPath} (later)", saved);
            Assert.Equal(1.0, Ctop.Config.CtopConfig.Read(settings.ConfigPath).Config.RefreshSeconds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
