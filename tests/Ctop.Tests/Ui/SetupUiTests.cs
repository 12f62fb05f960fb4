using System.Text.Json;
using System.Text.RegularExpressions;
using Ctop.Config;
using Ctop.Model;
using Ctop.Ui;
using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Xunit.Abstractions;

namespace Ctop.Tests.Ui;

/// <summary>
/// The config file in the dashboard: the tables honour it, F2 edits and saves it, a broken one is named and never
/// overwritten. The real views on the ANSI driver, driven by keys; the file is read back as JSON.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class SetupUiTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-setup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ConfigPath => Path.Combine(_dir, "ctop", "config.json");

    private static Frame Sample(int second = 0) => F.Frame(
    [
        F.Cg("/", cores: 1.2, mem: 3L << 30, pids: 200),
        F.Cg("/system.slice", cores: 0.2, mem: 500L << 20, pids: 40),
        F.Cg("/system.slice/nginx.service", cores: 0.05, mem: 60L << 20, pids: 5),
        F.Cg("/ctop", cores: 0.31, mem: 250L << 20, pids: 3),
        F.Cg("/ctop/busy", cores: 0.3, limit: 0.3, throttled: 0.9, mem: 10L << 20, memLimit: 256L << 20, pids: 2, psi: 12),
        F.Cg("/ctop/fat", cores: 0.01, limit: 1, mem: 240L << 20, memLimit: 256L << 20, pids: 1, oom: 2, memSetBy: "/ctop"),
    ],
    [
        F.P(1, "/sbin/init", "/", cpu: 0.1, rss: 8 << 20, ppid: 0, seconds: 100),
        F.P(100, "nginx: master", "/system.slice/nginx.service", cpu: 1, rss: 20 << 20),
        F.P(101, "nginx: worker", "/system.slice/nginx.service", cpu: 4, rss: 30 << 20, ppid: 100),
        F.P(200, "sh -c while :; do :; done", "/ctop/busy", cpu: 30, rss: 2 << 20),
        F.P(300, "python3 hog.py", "/ctop/fat", cpu: 0.5, rss: 230L << 20),
    ], second);

    /// <summary>A dashboard as <see cref="Dashboard.Run"/> builds it: the config applied, F2 saving to a temp file.</summary>
    private Harness Open(ConfigFile config, List<TimeSpan>? resampled = null)
    {
        var h = new Harness(120, 30);
        h.View.ConfigPath = config.Path;
        h.View.Resample = t => { resampled?.Add(t); return h.Frames; };
        h.View.Configure(config.Config, config.Problem);
        h.Feed(Sample());
        return h;
    }

    private void Show(Harness h) => output.WriteLine(h.Screen);

    /// <summary>The cgroup table's header row: the line with the cgroup table's sort arrow or its CPU% column.</summary>
    private static string CgroupHeader(Harness h) => h.Lines[h.RowOf("Cgroups (") + 1];
    private static string ProcessHeader(Harness h) => h.Lines[h.RowOf("Processes ") + 1];

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static SetupOverlay Setup(Harness h) => Assert.IsType<SetupOverlay>(h.View.ActiveOverlay);

    /// <summary>Moves the dialog's cursor to a line with the arrow keys, as a user would.</summary>
    private static void Goto(Harness h, int line)
    {
        Assert.True(line >= 0, "no such line in the setup dialog");
        var s = Setup(h);
        while (s.Selected < line) h.Key(Key.CursorDown);
        while (s.Selected > line) h.Key(Key.CursorUp);
        Assert.Equal(line, s.Selected);
    }

    private static void Goto(Harness h, SetupModel.LineKind kind, string? header = null) => Goto(h, Setup(h).Model.IndexOf(kind, header));

    private static Color Foreground(Harness h, string text)
    {
        int row = h.RowOf(text);
        int col = h.Lines[row].IndexOf(text, StringComparison.Ordinal) + 1;
        return h.App.Driver!.Contents![row, col].Attribute!.Value.Foreground;
    }

    [Fact]
    public void TheDashboardShowsTheConfiguredColumnsInTheirOrderSortedAndAsATree()
    {
        var config = new CtopConfig(Columns: ["name", "MEM%", "CPU%", "!"], Sort: "MEM%", View: "tree", Colors: false,
            ProcessColumns: ["COMMAND", "PID", "RSS"], ProcessSort: "RSS");
        using var h = Open(new ConfigFile(ConfigPath, config, null));
        h.Key(Key.Tab);
        h.Key(new Key('a')); // all processes
        Show(h);

        Assert.Equal(["NAME", "MEM%▼", "CPU%", "!"], Words(CgroupHeader(h)));
        Assert.Contains("Cgroups (6, tree, by MEM%)", h.Screen);
        Assert.Matches(@"└─ busy\s+3\.9%\s+100% \|\|\|\|\|\s+T\s*$", h.LineWith("busy")); // 10M of 256M; marker last
        Assert.True(h.RowOf("├─ fat") < h.RowOf("└─ busy"), h.Screen); // siblings by memory: fat 94% before busy 3.9%
        foreach (var hidden in new[] { "CORES/LIM", "THR%", "MEM/LIM", "PIDS", "PSI", "CONTAINER", "TIME+" })
            Assert.DoesNotContain(hidden, h.Screen);

        Assert.Equal(["COMMAND", "PID", "RSS▼"], Words(ProcessHeader(h)));
        Assert.True(h.RowOf("python3 hog.py") < h.RowOf("nginx: worker") && h.RowOf("nginx: worker") < h.RowOf("/sbin/init"), h.Screen);

        // Colours off: the throttled row is drawn plain; its marker still says why.
        Assert.False(h.View.Colors);
        Assert.NotEqual(new Color(ColorName16.BrightRed), Foreground(h, "busy"));

        // < > cycle through the shown columns only.
        h.Key(Key.Tab);
        h.Key(new Key('>'));
        Assert.Equal(["NAME", "MEM%", "CPU%▼", "!"], Words(CgroupHeader(h)));
        h.Key(new Key('>'));
        h.Key(new Key('>'));
        Assert.Equal(["NAME▲", "MEM%", "CPU%", "!"], Words(CgroupHeader(h)));
    }

    [Fact]
    public void F2AppliesAndSavesTheChangesAndAFreshDashboardReadsThemBack()
    {
        var resampled = new List<TimeSpan>();
        string cgroupHeader, processHeader;
        using (var h = Open(ConfigFile.Load(ConfigPath), resampled))
        {
            Assert.Equal(["!", "CORES/LIM", "CPU%▼", "THR%", "MEM/LIM", "MEM%", "PIDS", "PSI", "NAME"], Words(CgroupHeader(h)));
            h.Key(Key.Tab); // the cgroup table unfocused: its throttled row shows its own colour, not the selection's
            Assert.Equal(new Color(ColorName16.BrightRed), Foreground(h, "busy"));
            h.Key(Key.F2);
            Show(h);
            Assert.Contains($"Enter saves to {ConfigPath}", h.Screen);
            Assert.Matches(@"Refresh interval\s+1 s", h.Screen);

            Goto(h, SetupModel.LineKind.Refresh);
            h.Key(Key.CursorRight); // 1 → 1.5
            h.Key(Key.CursorRight); // → 2
            Goto(h, SetupModel.LineKind.Colors);
            h.Key(Key.Space);
            Goto(h, SetupModel.LineKind.CgroupView);
            h.Key(Key.Space);
            Goto(h, SetupModel.LineKind.CgroupSort);
            for (int i = 0; i < 3; i++) h.Key(Key.CursorRight); // CPU% → THR% → MEM/LIM → MEM%
            Goto(h, SetupModel.LineKind.ProcessSort);
            h.Key(Key.CursorRight); // CPU% → MEM%
            Goto(h, SetupModel.LineKind.CgroupColumn, "PSI");
            h.Key(Key.Space);
            Goto(h, SetupModel.LineKind.CgroupColumn, "NAME");
            for (int i = 0; i < 8; i++) h.Key(Key.F7); // to the front
            Goto(h, SetupModel.LineKind.ProcessColumn, "CONTAINER");
            h.Key(Key.Space);
            Show(h);
            var model = Setup(h).Model;
            Assert.Equal(2, model.RefreshSeconds);
            Assert.Matches(@"Refresh interval\s+2 s", model.Lines[0].Text); // scrolled off a 30-line screen by now
            Assert.Contains("[ ] PSI", h.Screen);
            Assert.True(h.RowOf("[x] NAME") < h.RowOf("[x] !"), h.Screen);
            Assert.Empty(resampled); // nothing applies before Enter

            h.Key(Key.Enter);
            Show(h);
            Assert.Null(h.View.ActiveOverlay);
            Assert.Contains($"settings saved to {ConfigPath}", h.Lines[^1]);

            // In effect at once: columns, order, sort, tree, colours, and frames every 2 s.
            Assert.Equal(["NAME", "!", "CORES/LIM", "CPU%", "THR%", "MEM/LIM", "MEM%▼", "PIDS"], Words(CgroupHeader(h)));
            Assert.Contains("Cgroups (6, tree, by MEM%)", h.Screen);
            Assert.Contains("└─ busy", h.Screen);
            Assert.DoesNotContain("CONTAINER", ProcessHeader(h));
            Assert.Contains("MEM%▼", ProcessHeader(h));
            Assert.Equal([TimeSpan.FromSeconds(2)], resampled);
            Assert.Contains("every 2.0s", h.Lines[0]);
            Assert.NotEqual(new Color(ColorName16.BrightRed), Foreground(h, "busy"));
            h.Feed(Sample(2)); // frames now come through the new subscription
            Assert.Contains("Processes in /ctop/busy", h.Screen);
            cgroupHeader = CgroupHeader(h);
            processHeader = ProcessHeader(h);
        }

        using (var doc = JsonDocument.Parse(File.ReadAllText(ConfigPath)))
        {
            var root = doc.RootElement;
            Assert.Equal(2, root.GetProperty("refreshSeconds").GetDouble());
            Assert.False(root.GetProperty("colors").GetBoolean());
            Assert.Equal("tree", root.GetProperty("view").GetString());
            Assert.Equal("MEM%", root.GetProperty("sort").GetString());
            Assert.Equal(["NAME", "!", "CORES/LIM", "CPU%", "THR%", "MEM/LIM", "MEM%", "PIDS"],
                root.GetProperty("columns").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("flat", root.GetProperty("processView").GetString());
            Assert.Equal("MEM%", root.GetProperty("processSort").GetString());
            Assert.Equal(["PID", "USER", "S", "CPU%", "MEM%", "RSS", "THR", "TIME+", "COMMAND"],
                root.GetProperty("processColumns").EnumerateArray().Select(e => e.GetString()));
        }

        // A new session (ctop started again) reads the file: the same tables, and -d aside, the same interval.
        var file = ConfigFile.Load(ConfigPath);
        Assert.Null(file.Problem);
        Assert.Equal(2, file.Config.RefreshSeconds);
        using (var h = Open(file))
        {
            Assert.Equal(cgroupHeader, CgroupHeader(h));
            Assert.Equal(processHeader, ProcessHeader(h));
            Assert.Contains("Cgroups (6, tree, by MEM%)", h.Screen);
            Assert.False(h.View.Colors);
            h.Key(Key.F2);
            Assert.Equal(file.Config with { RefreshSeconds = 1 }, Setup(h).Model.ToConfig()); // the harness samples every 1 s
        }
    }

    [Fact]
    public void EscClosesSetupWithoutChangingOrWritingAnything()
    {
        var resampled = new List<TimeSpan>();
        using var h = Open(ConfigFile.Load(ConfigPath), resampled);
        string before = CgroupHeader(h);
        h.Key(Key.F2);
        Goto(h, SetupModel.LineKind.Refresh);
        h.Key(Key.CursorRight);
        Goto(h, SetupModel.LineKind.CgroupColumn, "CPU%");
        h.Key(Key.Space);
        h.Key(Key.Esc);
        Assert.Null(h.View.ActiveOverlay);
        Assert.Equal(before, CgroupHeader(h));
        Assert.Empty(resampled);
        Assert.False(File.Exists(ConfigPath));
        Assert.False(Directory.Exists(Path.GetDirectoryName(ConfigPath)));
    }

    [Fact]
    public void TheLastShownColumnOfATableCannotBeHidden()
    {
        using var h = Open(new ConfigFile(ConfigPath, new CtopConfig(ProcessColumns: ["COMMAND"]), null));
        Assert.Equal(["COMMAND"], Words(ProcessHeader(h)).Select(w => w.TrimEnd('▲', '▼')).ToArray());
        h.Key(new Key('S')); // htop's Setup key too
        Goto(h, SetupModel.LineKind.ProcessColumn, "COMMAND");
        Assert.Equal(0, Setup(h).Model.ProcessColumns.FindIndex(c => c.Header == "COMMAND")); // shown columns come first
        h.Key(Key.Space);
        Assert.Contains("at least one column stays shown", h.Screen);
        Assert.Contains("[x] COMMAND", h.Screen);
        h.Key(Key.Enter);
        Assert.Equal(["COMMAND"], CtopConfig.Read(ConfigPath).Config.ProcessColumns!);
    }

    [Fact]
    public void ABrokenConfigIsNamedInTheKeyBarTheDefaultsApplyAndSetupNeverOverwritesIt()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        const string broken = "{\n  \"view\": tree,\n  \"mine\": 1\n}\n";
        File.WriteAllText(ConfigPath, broken);
        var warnings = new StringWriter();
        var file = ConfigFile.Load(ConfigPath, warnings);
        Assert.StartsWith($"ctop: {ConfigPath}: line 2, column ", warnings.ToString());

        using var h = Open(file);
        Show(h);
        Assert.Matches(new Regex($@"^config: {Regex.Escape(ConfigPath)}: line 2, column \d+: "), h.Lines[^1]);
        Assert.Contains("Cgroups (6, flat, by CPU%)", h.Screen);
        Assert.Equal(["!", "CORES/LIM", "CPU%▼", "THR%", "MEM/LIM", "MEM%", "PIDS", "PSI", "NAME"], Words(CgroupHeader(h)));

        h.Key(Key.F2);
        Assert.Contains("Enter/F10: apply and save", h.Lines[^1]); // the status gave way to the dialog's keys
        Goto(h, SetupModel.LineKind.CgroupView);
        h.Key(Key.Space);
        h.Key(Key.Enter);
        Show(h);
        var message = Assert.IsType<MessageOverlay>(h.View.ActiveOverlay);
        Assert.Contains("line 2: not valid JSON", message.Message);
        Assert.Contains("Nothing was written", message.Message);
        Assert.Contains("The settings apply until you quit.", message.Message);
        Assert.Equal(broken, File.ReadAllText(ConfigPath));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(ConfigPath)!, "*.tmp"));
        h.Key(Key.Enter);
        Assert.Contains("Cgroups (6, tree, by CPU%)", h.Screen); // in effect for the session all the same
    }

    [Fact]
    public void UnknownNamesInTheConfigAreReportedAndTheRestApplies()
    {
        var config = new CtopConfig(Columns: ["NAME", "IMAGE", "CPU%"], Sort: "BOGUS", ProcessSort: "TIME+");
        using var h = Open(new ConfigFile(ConfigPath, config, null));
        Show(h);
        Assert.StartsWith("config: unknown cgroup column IMAGE ignored (known: ! CORES/LIM", h.Lines[^1]);
        Assert.Equal(["NAME", "CPU%▼"], Words(CgroupHeader(h)));
        Assert.Contains("TIME+▼", ProcessHeader(h));
        // The key bar cuts a long status line; the whole of it is the dashboard's status text.
        Assert.Contains("unknown cgroup sort column BOGUS; sorting by CPU%", h.View.StatusText);
        Assert.Equal("CPU%", h.View.Settings().Sort);
    }
}

/// <summary>The column model under the tables: shown columns, their order, and sorting among them.</summary>
public sealed class TableColumnsTests
{
    [Fact]
    public void VisibleColumnsPickAndOrderTheHeadersButIndicesStayTheTables()
    {
        var m = new CgroupTableModel();
        m.Update([F.Cg("/a", cores: 0.5, limit: 1, mem: 10)]);
        Assert.True(m.DefaultLayout);
        m.SetVisible([CgroupTableModel.NameColumn, CgroupTableModel.CpuPercentColumn]);
        Assert.False(m.DefaultLayout);
        Assert.Equal(["NAME", "CPU%▼"], m.Headers());
        Assert.Equal("/a", m.Cell(0, CgroupTableModel.NameColumn));
        Assert.Equal("0.50/1.00", m.Cell(0, CgroupTableModel.CoresColumn)); // hidden columns still have their text
        Assert.Equal(CgroupTableModel.NameColumn, m.ColumnOf("name"));
        Assert.Equal(-1, m.ColumnOf("IMAGE"));

        m.SetSort(CgroupTableModel.ThrottledColumn); // T sorts by a hidden column: allowed
        Assert.Equal(["NAME", "CPU%"], m.Headers());
        m.CycleSort(+1); // from a hidden column: the first shown one
        Assert.Equal(CgroupTableModel.NameColumn, m.SortColumn);
        m.CycleSort(+1);
        Assert.Equal(CgroupTableModel.CpuPercentColumn, m.SortColumn);
        m.CycleSort(+1); // wraps among the shown ones
        Assert.Equal(CgroupTableModel.NameColumn, m.SortColumn);

        Assert.Throws<ArgumentException>(() => m.SetVisible([]));
        Assert.Throws<ArgumentException>(() => m.SetVisible([1, 1]));
        Assert.Throws<ArgumentException>(() => m.SetVisible([99]));
        Assert.Equal(["NAME", "CPU%"], m.Headers().Select(x => x.TrimEnd('▲', '▼'))); // a refused layout changes nothing
    }

    [Fact]
    public void SetupModelStepsTheIntervalAndSavesAllColumnsAsNull()
    {
        Assert.Equal(1.5, SetupModel.StepRefresh(1, +1));
        Assert.Equal(0.5, SetupModel.StepRefresh(0.7, -1));
        Assert.Equal(1, SetupModel.StepRefresh(0.7, +1));
        Assert.Equal(60, SetupModel.StepRefresh(60, +1));
        Assert.Equal(0.25, SetupModel.StepRefresh(0.25, -1));

        var cg = new CgroupTableModel().Columns.Select(c => c.Header).ToArray();
        var pr = new ProcessTableModel().Columns.Select(c => c.Header).ToArray();
        var m = new SetupModel(CtopConfig.Default with { Columns = ["NAME"] }, cg, pr, noColorEnv: true);
        Assert.Contains("NO_COLOR is set", m.Lines[m.IndexOf(SetupModel.LineKind.Colors)].Text);
        Assert.Equal(["NAME"], m.ToConfig().Columns!);
        foreach (var h in cg.Where(h => h != "NAME")) m.Change(m.IndexOf(SetupModel.LineKind.CgroupColumn, h), 0);
        Assert.Equal(cg.Length, m.ToConfig().Columns!.Count); // all shown, NAME first: an order, so a list
        int name = m.IndexOf(SetupModel.LineKind.CgroupColumn, "NAME");
        for (int i = 0; i < cg.Length; i++) name = m.Move(name, +1);
        Assert.Null(m.ToConfig().Columns); // back to the default order: null, so later columns appear
        Assert.Null(m.ToConfig().ProcessColumns);
    }
}
