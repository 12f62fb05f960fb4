using System.Diagnostics;
using System.Drawing;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Ctop.Model;
using Ctop.Ui;
using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Terminal.Gui.Views;
using Xunit.Abstractions;

namespace Ctop.Tests.Ui;

/// <summary>The real views on the ANSI driver, fed frames by hand and driven by keys; assertions read the screen text.</summary>
[Collection(UiCollection.Name)]
public class DashboardViewTests(ITestOutputHelper output)
{
    private static CgroupView[] Cgroups(double busyCores = 0.3, double fatCores = 0.01) =>
    [
        F.Cg("/", cores: 1.2, mem: 3L << 30, pids: 200),
        F.Cg("/system.slice", cores: 0.2, mem: 500L << 20, pids: 40),
        F.Cg("/system.slice/nginx.service", cores: 0.05, mem: 60L << 20, pids: 5),
        F.Cg("/ctop", cores: 0.31, mem: 250L << 20, pids: 3),
        F.Cg("/ctop/busy", cores: busyCores, limit: 0.3, throttled: 0.9, mem: 10L << 20, memLimit: 256L << 20, pids: 2),
        F.Cg("/ctop/fat", cores: fatCores, limit: 1, mem: 240L << 20, memLimit: 256L << 20, pids: 1, oom: 2, memSetBy: "/ctop"),
    ];

    private static ProcessView[] Processes(params ProcessView[] extra) =>
    [
        F.P(1, "/sbin/init", "/", cpu: 0.1, rss: 8 << 20, ppid: 0, seconds: 100),
        F.P(100, "nginx: master", "/system.slice/nginx.service", cpu: 1, rss: 20 << 20),
        F.P(101, "nginx: worker", "/system.slice/nginx.service", cpu: 4, rss: 30 << 20, ppid: 100),
        F.P(200, "sh -c while :; do :; done", "/ctop/busy", cpu: 30, rss: 2 << 20),
        F.P(300, "python3 hog.py", "/ctop/fat", cpu: 0.5, rss: 230L << 20),
        .. extra,
    ];

    private static Frame Sample(int second = 0, double busyCores = 0.3, double fatCores = 0.01) =>
        F.Frame(Cgroups(busyCores, fatCores), Processes(), second);

    private Harness Open(int width = 120, int height = 30, History? history = null)
    {
        var h = new Harness(width, height, history);
        h.Feed(Sample());
        return h;
    }

    private void Show(Harness h) => output.WriteLine(h.Screen);

    [Fact]
    public void MainScreenShowsHeaderLimitsThrottlingAndAMarkerThatNeedsNoColour()
    {
        using var h = Open();
        Show(h);
        Assert.Contains("load 0.50 0.40 0.30", h.Lines[0]);
        Assert.Contains("up 3 days, 04:12", h.Lines[0]);
        Assert.Contains("1.00/2.00", h.Lines[1]);
        var busy = h.LineWith(" busy");
        Assert.Matches(@"T\s+0\.30/0\.30\s+100% \|\|\|\|\|\s+90%\s+10M/256M", busy);
        Assert.Matches(@"MK\s+0\.01/1\.00.*240M/256M\^\s+94%", h.LineWith(" fat")); // ^: an ancestor sets the limit
        Assert.Contains("F1Help F2Setup", h.Lines[^1]);
    }

    [Fact]
    public void AngleBracketsCycleTheSortColumnAndPMTSortProcesses()
    {
        using var h = Open();
        Assert.Contains("CPU%▼", h.LineWith("CORES/LIM"));
        h.Key(new Key('>'));
        Assert.Contains("THR%▼", h.LineWith("CORES/LIM"));
        h.Key(new Key('>'));
        h.Key(new Key('<'));
        h.Key(Key.F6);
        Assert.Contains("MEM/LIM▼", h.LineWith("CORES/LIM"));
        // Largest working set first: / (3G), /system.slice (500M), /ctop (250M)…
        Assert.True(h.RowOf(" /system.slice") < h.RowOf(" fat") && h.RowOf(" fat") < h.RowOf(" busy"), h.Screen);

        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(new Key('M'));
        Assert.Contains("MEM%▼", h.LineWith("COMMAND"));
        Assert.True(h.RowOf("python3 hog.py") < h.RowOf("nginx: worker"), h.Screen);
        h.Key(new Key('T'));
        Assert.Contains("TIME+▼", h.LineWith("COMMAND"));
        Assert.True(h.RowOf("/sbin/init") < h.RowOf("python3 hog.py"), h.Screen);
        h.Key(new Key('P'));
        Assert.True(h.RowOf("sh -c while") < h.RowOf("nginx: worker"), h.Screen);
    }

    [Fact]
    public void AClickOnAHeaderSortsByItAndASecondClickReverses()
    {
        using var h = Open();
        int row = h.RowOf("CORES/LIM");
        int col = h.Lines[row].IndexOf("PIDS", StringComparison.Ordinal);
        h.App.InjectSequence(InputInjectionExtensions.LeftButtonClick(new Point(col + 1, row)));
        h.Draw();
        Show(h);
        Assert.Contains("PIDS▼", h.LineWith("CORES/LIM"));
        Thread.Sleep(800); // two quick clicks would be a double click
        h.App.InjectSequence(InputInjectionExtensions.LeftButtonClick(new Point(col + 1, row)));
        h.Draw();
        Assert.Contains("PIDS▲", h.LineWith("CORES/LIM"));
        Assert.True(h.RowOf(" fat") < h.RowOf(" /system.slice"), h.Screen);
    }

    [Fact]
    public void TheSelectedCgroupAndProcessSurviveRefreshesThatReorderRows()
    {
        using var h = Open();
        Assert.Contains("Processes in /ctop/busy", h.Screen);
        h.Key(Key.CursorDown); // busy (100%) → fat (1%)
        Assert.Contains("Processes in /ctop/fat", h.Screen);

        // fat now uses most of its limit and moves to the top; the selection follows it, not the row index.
        h.Feed(Sample(1, busyCores: 0.01, fatCores: 0.99));
        Show(h);
        Assert.True(h.RowOf(" fat") < h.RowOf(" busy"), h.Screen);
        Assert.Contains("Processes in /ctop/fat", h.Screen);

        // And a selected process by PID: select init in the all-process list, reorder, check with the kill dialog's title.
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(new Key('/'));
        h.Type("init");
        h.Key(Key.Enter);
        h.Feed(F.Frame(Cgroups(), Processes(F.P(400, "newcomer", "/", cpu: 99)), 2));
        h.Key(new Key('k'));
        Assert.Contains("Kill 1", h.Screen);
        h.Key(Key.Esc);
    }

    [Fact]
    public void TheScrollPositionSurvivesARefresh()
    {
        var many = Enumerable.Range(0, 60).Select(i => F.Cg($"/many/c{i:00}", cores: 0.01 * (60 - i))).ToArray();
        using var h = new Harness(100, 24);
        h.Feed(F.Frame(many, []));
        for (int i = 0; i < 30; i++) h.Key(Key.CursorDown);
        int header = h.RowOf("CORES/LIM");
        string firstVisible = h.Lines[header + 1];
        Assert.DoesNotContain("/many/c00", firstVisible);
        h.Feed(F.Frame(many, [], 1));
        Assert.Equal(firstVisible, h.Lines[header + 1]);
        Assert.Contains("Processes in /many/c30", h.Screen);
    }

    [Fact]
    public void ATableThatShrinksLeavesNoOldRowsBehindAndAnUnchangedOneIsNotRedrawn()
    {
        var many = Enumerable.Range(0, 60).Select(i => F.Cg($"/many/c{i:00}", cores: 0.01 * (60 - i))).ToArray();
        using var h = new Harness(100, 24);
        h.Feed(F.Frame(many, []));
        Assert.Contains("/many/c05", h.Screen);
        // An incremental draw, as the running dashboard does it (the harness's own draws are forced, full ones).
        h.Frames.OnNext(F.Frame(many.Take(2), [], 1));
        h.App.LayoutAndDraw(false);
        Show(h);
        Assert.Contains("/many/c01", h.Screen);
        Assert.DoesNotContain("/many/c05", h.Screen);
        // The same rows again: the table is not marked for drawing at all.
        h.Frames.OnNext(F.Frame(many.Take(2), [], 2));
        Assert.False(h.View.Cgroups.View.NeedsDraw);
        h.Frames.OnNext(F.Frame([many[0], many[1] with { Cpu = many[1].Cpu with { UsedCores = 0.5 } }], [], 3));
        Assert.True(h.View.Cgroups.View.NeedsDraw);
    }

    [Fact]
    public void ARefreshWritesOnlyTheCellsThatChangedAndRepairsWhatWasDrawnOverTheTable()
    {
        var many = Enumerable.Range(0, 30).Select(i => F.Cg($"/many/c{i:00}", cores: 0.01 * (60 - i), limit: 1)).ToArray();
        using var h = new Harness(120, 30);
        h.Feed(F.Frame(many, []));
        var table = (CellTableView)h.View.Cgroups.View;
        // One cgroup's CPU moves and stays the first: on the running dashboard's incremental draw only its CPU cells change.
        h.Frames.OnNext(F.Frame([many[0] with { Cpu = many[0].Cpu with { UsedCores = 0.9, PercentOfLimit = 90 } }, .. many.Skip(1)], [], 1));
        h.App.LayoutAndDraw(false);
        Show(h);
        Assert.InRange(table.Written, 1, 3);
        Assert.True(table.Skipped > 50, $"skipped {table.Skipped}");
        Assert.Contains("0.90", h.Screen);
        // Written straight into the driver's buffer, the cells were marked for output: they reached the terminal.
        Assert.Contains("0.90", h.App.Driver!.GetOutput().GetLastOutput());
        // Something drew over a row (an overlay that went away): the next refresh writes those cells again.
        var at = table.ViewportToScreen(new Point(0, 5));
        var contents = h.App.Driver!.Contents!;
        for (int x = 0; x < 20; x++) contents[at.Y, at.X + x] = new Cell(contents[at.Y, at.X + x].Attribute, true, "#");
        h.Frames.OnNext(F.Frame(many, [], 2));
        h.App.LayoutAndDraw(false);
        Show(h);
        Assert.DoesNotContain("####", h.Screen);
        Assert.Contains("/many/c04", h.Screen);
    }

    [Fact]
    public void FilterShowsOnlyMatchingCommandsAndEscClearsIt()
    {
        using var h = Open();
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(new Key('\\'));
        h.Type("NGINX");
        Assert.Contains("Filter: NGINX", h.Lines[^1]);
        h.Key(Key.Enter);
        Show(h);
        Assert.Contains("nginx: worker", h.Screen);
        Assert.Contains("nginx: master", h.Screen);
        Assert.DoesNotContain("python3 hog.py", h.Screen);
        Assert.Contains("filter \"NGINX\"", h.Screen);
        h.Feed(Sample(1)); // a refresh keeps the filter
        Assert.DoesNotContain("python3 hog.py", h.Screen);
        h.Key(Key.Esc);
        Assert.Contains("python3 hog.py", h.Screen);
    }

    [Fact]
    public void SearchJumpsToTheMatchAndF3ToTheNext()
    {
        using var h = Open();
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(Key.F3); // no search yet: opens the prompt
        h.Type("nginx");
        h.Key(Key.Enter);
        h.Key(new Key('k'));
        Assert.Contains("Kill 101", h.Screen); // nginx: worker, 4% CPU, comes first
        h.Key(Key.Esc);
        h.Key(Key.F3);
        h.Key(new Key('k'));
        Assert.Contains("Kill 100", h.Screen);
        h.Key(Key.Esc);
        h.Key(new Key('/'));
        h.Type("zzz");
        h.Key(Key.Enter);
        Show(h);
        // The prompt shows the last search selected, so typing starts a new one.
        Assert.Contains("not found: zzz", h.Lines[^1]);
    }

    [Fact]
    public void TreeViewNestsProcessesUnderTheirParents()
    {
        using var h = Open();
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(Key.F5);
        Show(h);
        Assert.Contains("└─ nginx: worker", h.Screen);
        Assert.True(h.RowOf("nginx: master") < h.RowOf("nginx: worker"));
        h.Key(Key.Tab);
        h.Key(new Key('t'));
        Assert.Contains("├─ ctop", h.Screen);
        Assert.Contains("│  ├─ busy", h.Screen);
        Assert.Contains("└─ system.slice", h.Screen);
        Assert.Contains("   └─ nginx", h.Screen);
    }

    [Fact]
    public void EnterOpensTheDetailViewWithLimitsTheirSettersHistoryAndProcesses()
    {
        var history = new History();
        using var h = new Harness(120, 30, history);
        for (int s = 0; s < 10; s++)
        {
            var f = F.Frame(Cgroups(fatCores: 0.1 * s), Processes(), s);
            history.Add(f);
            h.Feed(f);
        }
        h.Key(Key.CursorDown);
        Assert.Contains("Processes in /ctop/fat", h.Screen);
        h.Key(Key.Enter);
        Show(h);
        Assert.Contains("Detail", h.Screen);
        Assert.Contains("/ctop/fat", h.Screen);
        Assert.Contains("! memory at 94% of its limit; 2 OOM kill(s)", h.Screen);
        Assert.Contains("limit 1.00 (own)", h.Screen);
        Assert.Contains("limit 256M (set by /ctop)", h.Screen);
        Assert.Contains("history (10 samples", h.Screen);
        Assert.Matches("CPU +▁▂▂▃▄▅▅▆▇▇ 0.90/1.00 cores", h.Screen);
        Assert.Contains("python3 hog.py", h.Screen);
        Assert.DoesNotContain("nginx: worker", h.Screen);
        h.Key(Key.Esc);
        Assert.DoesNotContain("Detail", h.Screen);
        Assert.Contains("F1Help F2Setup", h.Lines[^1]);
    }

    [Fact]
    public void HelpListsEveryKeyIncludingTheCgroupAndProcessActions()
    {
        using var h = Open(120, 50);
        h.Key(new Key('h'));
        Show(h);
        var screen = h.Screen;
        foreach (var c in h.View.Commands) Assert.Contains(c.Description, screen);
        foreach (var a in h.View.CgroupActions) Assert.Contains(a.Description, screen);
        foreach (var a in h.View.ProcessActions) Assert.Contains(a.Description, screen);
        h.Key(Key.Esc);
        Assert.DoesNotContain("ctop help", h.Screen);
        h.Key(Key.F1);
        Assert.Contains("ctop help", h.Screen);
        h.Key(new Key('q')); // closes help, does not quit
        Assert.DoesNotContain("ctop help", h.Screen);
    }

    [Fact]
    public void CommandsWithEscapeSequencesAreShownEscaped()
    {
        using var h = new Harness(120, 30);
        h.Feed(F.Frame([F.Cg("/", cores: 1)], [F.P(66, "evil\x1b[2J\x1b]0;title\x07", "/", cpu: 5)]));
        Assert.Contains("evil\\x1b[2J\\x1b]0;title\\x07", h.Screen);
    }

    [Fact]
    public void TinyAndResizedTerminalsDoNotCrash()
    {
        using var h = new Harness(20, 6);
        h.Feed(Sample());
        Show(h);
        foreach (var k in new[] { Key.Tab, Key.CursorDown, new Key('t'), Key.Enter, Key.Esc, new Key('h'), Key.Esc, new Key('k'), Key.Esc, new Key('\\') })
            h.Key(k);
        h.Key(Key.Esc);
        foreach (var (w, ht) in new[] { (80, 24), (20, 6), (3, 2), (1, 1), (200, 60), (80, 24) })
        {
            h.App.Driver!.SetScreenSize(w, ht);
            h.Feed(Sample(1));
        }
        Assert.Contains("F1Help F2Setup", h.Lines[^1]);
    }

    [Fact]
    public void At80x24EverythingFits()
    {
        using var h = Open(80, 24);
        Show(h);
        Assert.Contains("CORES/LIM", h.Screen);
        Assert.Contains("COMMAND", h.Screen);
        Assert.Contains("F10Quit", h.Lines[23]);
        Assert.True(h.RowOf(" busy") > 0);
    }

    [Fact]
    public void KillAsksFirstEscCancelsAndEnterSendsSigterm()
    {
        using var sleep = Process.Start("sleep", "300");
        try
        {
            using var h = new Harness(120, 30);
            h.Feed(F.Frame([F.Cg("/", cores: 1)], Processes(F.P(sleep.Id, "sleep 300", "/", cpu: 99))));
            h.Key(Key.Tab);
            h.Key(Key.F9);
            Show(h);
            Assert.Contains($"Kill {sleep.Id}", h.Screen);
            Assert.Contains("15 SIGTERM", h.Screen);
            Assert.Contains("9 SIGKILL", h.Screen);
            h.Key(Key.Esc);
            Assert.DoesNotContain($"Kill {sleep.Id}", h.Screen);
            Assert.False(sleep.WaitForExit(300), "cancel must not kill");

            h.Key(new Key('k'));
            h.Key(Key.Enter);
            Assert.True(sleep.WaitForExit(5000), "SIGTERM was not delivered");
            Assert.Contains($"sent SIGTERM to {sleep.Id}", h.Lines[^1]);
            Assert.Equal(128 + 15, sleep.ExitCode);
        }
        finally
        {
            if (!sleep.HasExited) sleep.Kill();
        }
    }

    [Fact]
    public void KillCanSendAnotherSignal()
    {
        using var sleep = Process.Start("sleep", "300");
        try
        {
            using var h = new Harness(120, 30);
            h.Feed(F.Frame([F.Cg("/", cores: 1)], [F.P(sleep.Id, "sleep 300", "/", cpu: 99)]));
            h.Key(Key.Tab);
            h.Key(new Key('k'));
            h.Key(Key.CursorDown); // SIGKILL
            h.Key(Key.Enter);
            Assert.True(sleep.WaitForExit(5000));
            Assert.Equal(128 + 9, sleep.ExitCode);
        }
        finally
        {
            if (!sleep.HasExited) sleep.Kill();
        }
    }

    [Fact]
    public void ReniceRaisesTheNiceValueOfAProcessWeStarted()
    {
        using var sleep = Process.Start("sleep", "300");
        try
        {
            using var h = new Harness(120, 30);
            h.Feed(F.Frame([F.Cg("/", cores: 1)], [F.P(sleep.Id, "sleep 300", "/", cpu: 99)]));
            h.Key(Key.Tab);
            h.Key(Key.F8);
            Assert.Contains($"nice of {sleep.Id}: 0 → 1", h.Lines[^1]);
            var stat = File.ReadAllText($"/proc/{sleep.Id}/stat");
            Assert.Equal("1", stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]); // field 19: nice
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public void AttentionRowsAreColouredUnlessNoColorIsSet()
    {
        Terminal.Gui.Drawing.Color Fg(Harness h)
        {
            int row = h.RowOf(" busy");
            return h.App.Driver!.Contents![row, 1].Attribute!.Value.Foreground;
        }
        using (var h = Open())
        {
            h.Key(Key.Tab); // the busy row is then not the focused selection, so it shows its normal colours
            Assert.Equal(new Terminal.Gui.Drawing.Color(Terminal.Gui.Drawing.ColorName16.BrightRed), Fg(h));
        }
        Environment.SetEnvironmentVariable("NO_COLOR", "1");
        try
        {
            using var h = Open();
            h.Key(Key.Tab);
            Assert.NotEqual(new Terminal.Gui.Drawing.Color(Terminal.Gui.Drawing.ColorName16.BrightRed), Fg(h));
            Assert.StartsWith("T ", h.LineWith(" busy")); // the marker still says why
        }
        finally
        {
            Environment.SetEnvironmentVariable("NO_COLOR", null);
        }
    }

    [Fact]
    public void FramesFromABackgroundThreadArriveOnTheUiThreadThroughTheUiScheduler()
    {
        using IApplication app = Application.Create();
        app.Init(DriverRegistry.Names.ANSI);
        app.Driver!.SetScreenSize(100, 24);
        var frames = new Subject<Frame>();
        int uiThread = Environment.CurrentManagedThreadId;
        int? seenOn = null;
        var scheduler = new UiScheduler(app);
        using var probe = frames.ObserveOn(scheduler).Subscribe(_ => seenOn = Environment.CurrentManagedThreadId);
        using var view = new DashboardView(app, frames, scheduler, null, TimeSpan.FromSeconds(1));
        string? screen = null;
        app.AddTimeout(TimeSpan.FromMilliseconds(20), () => { Task.Run(() => frames.OnNext(Sample())); return false; });
        app.AddTimeout(TimeSpan.FromMilliseconds(50), () =>
        {
            if (seenOn is null) return true; // not yet: poll again
            app.LayoutAndDraw(true);
            screen = app.Driver.ToString();
            app.RequestStop();
            return false;
        });
        app.AddTimeout(TimeSpan.FromSeconds(20), () => { app.RequestStop(); return false; }); // never hang the suite
        app.Run(view);
        Assert.Equal(uiThread, seenOn);
        Assert.Contains("busy", screen);
    }
}
