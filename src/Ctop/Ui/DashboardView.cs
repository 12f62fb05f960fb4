using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text;
using Ctop.Model;
using Mono.Unix.Native;
using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Ctop.Ui;

/// <summary>
/// The dashboard: header, cgroup table, process table, key bar. Thin: what the rows are, their order and their text come
/// from the view-models (<see cref="CgroupTableModel"/>, <see cref="ProcessTableModel"/>, <see cref="HeaderModel"/>); this
/// class lays them out and maps keys to them. Frames arrive on the UI thread through the given scheduler.
/// </summary>
public sealed class DashboardView : Window
{
    private readonly IApplication _app;
    private readonly History? _history;
    private readonly TimeSpan _interval;
    private readonly IDisposable _subscription;
    private readonly Label _header, _cgroupTitle, _processTitle, _keyBar;
    private readonly bool _color;
    private Frame? _frame;
    private Overlay? _overlay;
    private bool _allProcesses;
    private string _search = "";
    private string? _status;

    public DashboardView(IApplication app, IObservable<Frame> frames, IScheduler uiScheduler, History? history, TimeSpan interval)
    {
        _app = app;
        _history = history;
        _interval = interval;
        _color = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        Title = "ctop";
        BorderStyle = LineStyle.None;

        Cgroups = new TableBinding<CgroupRow>(new CgroupTableModel(), r => r.Attention != Attention.None ? AttentionScheme() : null);
        Processes = new TableBinding<ProcessRow>(new ProcessTableModel(), null);
        CgroupModel = (CgroupTableModel)Cgroups.Model;
        ProcessModel = (ProcessTableModel)Processes.Model;

        _header = new Label { X = 0, Y = 0, Width = Dim.Fill(), Height = 2 };
        _cgroupTitle = new Label { X = 0, Y = 2, Width = Dim.Fill(), Height = 1 };
        var cg = Cgroups.View;
        cg.X = 0; cg.Y = 3; cg.Width = Dim.Fill();
        cg.Height = Dim.Func(_ => CgroupTableHeight());
        _processTitle = new Label { X = 0, Y = Pos.Bottom(cg), Width = Dim.Fill(), Height = 1 };
        var pv = Processes.View;
        pv.X = 0; pv.Y = Pos.Bottom(_processTitle); pv.Width = Dim.Fill(); pv.Height = Dim.Fill(1);
        _keyBar = new Label { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        Add(_header, _cgroupTitle, cg, _processTitle, pv, _keyBar);

        Cgroups.SelectionChanged += OnCgroupSelected;
        cg.HasFocusChanged += (_, _) => RefreshTitles();
        pv.HasFocusChanged += (_, _) => RefreshTitles();

        Commands = BuildCommands();
        CgroupActions =
        [
            new("Enter", "details of the selected cgroup: limits and who sets them, history, its processes", [Key.Enter], OpenDetail),
        ];
        ProcessActions =
        [
            new("k F9", "kill the selected process: choose a signal (SIGTERM first), Enter sends, Esc cancels", [KeyText.K('k'), Key.F9], OpenKill),
            new("F7 ]", "renice the selected process: nice −1 (more CPU; lowering needs root)", [Key.F7, KeyText.K(']')], p => Status(ProcessControl.Renice(p.Pid, -1).Message)),
            new("F8 [", "renice the selected process: nice +1 (less CPU)", [Key.F8, KeyText.K('[')], p => Status(ProcessControl.Renice(p.Pid, +1).Message)),
        ];

        app.Keyboard.KeyDown += OnAppKeyDown;
        RefreshAll();
        _subscription = frames.ObserveOn(uiScheduler).Subscribe(OnFrame, OnError);
    }

    public TableBinding<CgroupRow> Cgroups { get; }
    public TableBinding<ProcessRow> Processes { get; }
    public CgroupTableModel CgroupModel { get; }
    public ProcessTableModel ProcessModel { get; }

    /// <summary>Keys that work everywhere on the main screen.</summary>
    public IReadOnlyList<KeyCommand> Commands { get; }

    /// <summary>Keys acting on the selected cgroup while the cgroup table has focus. Add limit edits and the like here.</summary>
    public List<CgroupAction> CgroupActions { get; }

    /// <summary>Keys acting on the selected process.</summary>
    public List<ProcessAction> ProcessActions { get; }

    public Overlay? ActiveOverlay => _overlay;

    /// <summary>The sampling failed: why, for the caller to print once the terminal is restored.</summary>
    public Exception? Error { get; private set; }

    private bool CgroupsFocused => Cgroups.View.HasFocus;

    /// <summary>The focused table's model, for the keys that act on "the table".</summary>
    private void OnFocused(Action<CgroupTableModel> cgroups, Action<ProcessTableModel> processes)
    {
        if (CgroupsFocused) { cgroups(CgroupModel); Cgroups.Apply(); }
        else { processes(ProcessModel); Processes.Apply(); }
        RefreshTitles();
    }

    private List<KeyCommand> BuildCommands() =>
    [
        new("q F10", "quit", [KeyText.K('q'), Key.F10], () => _app.RequestStop()),
        new("h F1 ?", "this help", [KeyText.K('h'), Key.F1, KeyText.K('?')], OpenHelp),
        new("Tab S-Tab", "switch between the cgroup and the process table", [Key.Tab, Key.Tab.WithShift], SwitchTable),
        new("< > F6", "sort the focused table by the previous / next column (a header click sorts by it; again reverses)",
            [KeyText.K('<'), KeyText.K('>'), Key.F6], () => { }),
        new("P", "sort by CPU (processes: CPU%, cgroups: % of CPU limit)", [KeyText.K('P')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.CpuPercentColumn), p => p.SetSort(ProcessTableModel.CpuColumn))),
        new("M", "sort by memory (processes: MEM%, cgroups: % of memory limit)", [KeyText.K('M')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.MemoryPercentColumn), p => p.SetSort(ProcessTableModel.MemColumn))),
        new("T", "sort by time (processes: TIME+, cgroups: throttled %)", [KeyText.K('T')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.ThrottledColumn), p => p.SetSort(ProcessTableModel.TimeColumn))),
        new("t F5", "tree / flat view of the focused table (cgroups by path, processes by parent)", [KeyText.K('t'), Key.F5],
            () => OnFocused(c => c.Tree = !c.Tree, p => p.Tree = !p.Tree)),
        new("/", "search processes by command or PID (Enter keeps it, Esc drops it)", [KeyText.K('/')], OpenSearch),
        new("F3 n", "next search match (F3 with no search yet: search)", [Key.F3, KeyText.K('n')],
            () => { if (_search.Length == 0) OpenSearch(); else NextMatch(); }),
        new("\\ F4", "filter processes: only commands containing the text (empty: all)", [KeyText.K('\\'), Key.F4], OpenFilter),
        new("a", "processes of the selected cgroup (and below) / all processes", [KeyText.K('a')], ToggleAll),
        new("Esc", "clear the process filter", [Key.Esc], () => { ProcessModel.Filter = ""; Processes.Apply(); RefreshTitles(); }),
    ];

    // ---------------------------------------------------------------- frames

    private void OnFrame(Frame frame)
    {
        _frame = frame;
        CgroupModel.Update(frame.Cgroups);
        Cgroups.Apply();
        ProcessModel.Cgroup = _allProcesses ? null : Cgroups.SelectedKey;
        ProcessModel.Update(frame.Processes, frame.Scope.MemoryBytes);
        Processes.Apply();
        _overlay?.OnFrame(frame);
        RefreshAll();
    }

    private void OnError(Exception e)
    {
        Error = e;
        _app.RequestStop();
    }

    private void OnCgroupSelected()
    {
        if (_allProcesses) return;
        ProcessModel.Cgroup = Cgroups.SelectedKey;
        Processes.Apply();
        RefreshTitles();
    }

    // ---------------------------------------------------------------- painting

    private int CgroupTableHeight()
    {
        // Header 2 + two titles + key bar = 5 fixed lines; the cgroup table gets 40% of the rest, at least its header row.
        int rest = Math.Max(0, Viewport.Height - 5);
        return Math.Max(Math.Min(rest, 1), rest * 2 / 5);
    }

    private void RefreshAll()
    {
        _header.Text = string.Join("\n", HeaderModel.Lines(_frame, _interval, Math.Max(1, Viewport.Width > 0 ? Viewport.Width : 80)));
        RefreshTitles();
    }

    private void RefreshTitles()
    {
        string Mark(bool focused) => focused ? "▶ " : "  ";
        var c = CgroupModel;
        _cgroupTitle.Text = $"{Mark(CgroupsFocused)}Cgroups ({c.Rows.Count}, {(c.Tree ? "tree" : "flat")}, by {c.Columns[c.SortColumn].Header})";
        var p = ProcessModel;
        string scope = p.Cgroup is null ? "all" : "in " + TextEscape.Escape(p.Cgroup);
        string filter = p.Filter.Length > 0 ? $", filter \"{TextEscape.Escape(p.Filter)}\"" : "";
        string search = _search.Length > 0 ? $", search \"{TextEscape.Escape(_search)}\"" : "";
        _processTitle.Text = $"{Mark(Processes.View.HasFocus)}Processes {scope} ({p.Rows.Count}, {(p.Tree ? "tree" : "flat")}, by {p.Columns[p.SortColumn].Header}{filter}{search})";
        _keyBar.Text = _status ?? _overlay?.Hint ?? KeyText.Bar;
    }

    protected override void OnViewportChanged(DrawEventArgs e)
    {
        base.OnViewportChanged(e);
        RefreshAll();
    }

    private Scheme AttentionScheme()
    {
        var b = Cgroups.View.GetScheme();
        if (!_color) return b;
        return new Scheme(b)
        {
            Normal = new Attribute(ColorName16.BrightRed, b.Normal.Background),
            Focus = new Attribute(ColorName16.White, ColorName16.Red),
            Active = new Attribute(ColorName16.BrightRed, b.Active.Background),
        };
    }

    private void Status(string message)
    {
        _status = message;
        RefreshTitles();
    }

    // ---------------------------------------------------------------- keys

    private void OnAppKeyDown(object? sender, Key key)
    {
        // Another runnable (a dialog someone opened) owns the keys; only the dashboard's own screen is handled here.
        if (_app.TopRunnableView != this) return;
        if (HandleKey(key)) key.Handled = true;
    }

    /// <summary>The dashboard's key dispatch; false lets the key reach the focused view (arrows, paging, typing).</summary>
    public bool HandleKey(Key key)
    {
        if (_status is not null) { _status = null; RefreshTitles(); }
        if (_overlay is not null) return _overlay.HandleKey(key);

        if (key == KeyText.K('<') || key == KeyText.K('>') || key == Key.F6)
        {
            int step = key == KeyText.K('<') ? -1 : 1;
            OnFocused(c => c.CycleSort(step), p => p.CycleSort(step));
            return true;
        }
        if (CgroupsFocused && Cgroups.Selected is { } row)
            foreach (var a in CgroupActions)
                if (a.Bound.Contains(key)) { a.Run(row.View); return true; }
        foreach (var c in Commands)
            if (c.Bound.Contains(key)) { c.Run(); return true; }
        foreach (var a in ProcessActions)
            if (a.Bound.Contains(key))
            {
                if (Processes.Selected is { } p) a.Run(p.View);
                else Status("no process selected");
                return true;
            }
        return false;
    }

    private void SwitchTable()
    {
        if (CgroupsFocused) Processes.View.SetFocus();
        else Cgroups.View.SetFocus();
        RefreshTitles();
    }

    private void ToggleAll()
    {
        _allProcesses = !_allProcesses;
        ProcessModel.Cgroup = _allProcesses ? null : Cgroups.SelectedKey;
        Processes.Apply();
        RefreshTitles();
    }

    // ---------------------------------------------------------------- overlays

    private void Open(Overlay overlay)
    {
        _overlay = overlay;
        overlay.Close = () => CloseOverlay(overlay);
        Add(overlay);
        overlay.FocusTarget.SetFocus();
        RefreshTitles();
        SetNeedsDraw();
    }

    private void CloseOverlay(Overlay overlay)
    {
        if (_overlay != overlay) return;
        _overlay = null;
        Remove(overlay);
        overlay.Dispose();
        Processes.View.SetFocus();
        RefreshTitles();
        SetNeedsDraw();
    }

    private void OpenHelp() => Open(new HelpOverlay(HelpText()));

    public string HelpText()
    {
        var sb = new StringBuilder();
        sb.AppendLine("ctop: cgroups and containers against their limits, and their processes.");
        sb.AppendLine();
        void Row(string keys, string what) => sb.Append("  ").Append(keys.PadRight(12)).Append(' ').AppendLine(what);
        sb.AppendLine("Everywhere");
        foreach (var c in Commands) Row(c.Keys, c.Description);
        Row("↑↓ PgUp PgDn", "move the selection; Home/End: first/last; the mouse selects and scrolls");
        sb.AppendLine("Cgroup table");
        foreach (var a in CgroupActions) Row(a.Keys, a.Description);
        sb.AppendLine("Process table");
        foreach (var a in ProcessActions) Row(a.Keys, a.Description);
        sb.AppendLine();
        sb.AppendLine("Columns: CORES/LIM cores used / effective CPU limit; CPU% % of that limit; THR% share of CFS periods");
        sb.AppendLine("throttled; MEM/LIM working set / effective memory limit; PSI CPU pressure (some, avg10).");
        sb.AppendLine("Marker column '!': T throttled (≥1% of periods), M memory ≥90% of its limit, K OOM kills.");
        sb.AppendLine("Limits are effective ones: the smallest along the ancestors. '-' means none or unknown.");
        return sb.ToString();
    }

    private void OpenDetail(CgroupView c) =>
        Open(new DetailOverlay(c, _frame, _history));

    private void OpenKill(ProcessView p) =>
        Open(new KillOverlay(p, signal => Status(ProcessControl.Kill(p.Pid, signal).Message)));

    private void OpenSearch()
    {
        Processes.View.SetFocus();
        string before = _search;
        int start = Processes.SelectedIndex;
        Open(new PromptOverlay("Search: ", _search,
            changed: t => { _search = t; Jump(t, start - 1); },
            commit: t =>
            {
                _search = t;
                // The key that committed cleared the status line; say again that nothing matched.
                if (t.Length > 0 && ProcessModel.FindNext(t, -1) < 0) Status($"not found: {TextEscape.Escape(t)}");
                RefreshTitles();
            },
            cancel: () => { _search = before; RefreshTitles(); },
            next: NextMatch));
    }

    private void NextMatch()
    {
        if (_search.Length == 0) { Status("no search: press / first"); return; }
        Jump(_search, Processes.SelectedIndex);
    }

    private void Jump(string text, int from)
    {
        int i = ProcessModel.FindNext(text, from);
        if (i >= 0) Processes.Select(i);
        else if (text.Length > 0) Status($"not found: {TextEscape.Escape(text)}");
        RefreshTitles();
    }

    private void OpenFilter()
    {
        Processes.View.SetFocus();
        string before = ProcessModel.Filter;
        Open(new PromptOverlay("Filter: ", before,
            changed: t => { ProcessModel.Filter = t; Processes.Apply(); RefreshTitles(); },
            commit: _ => RefreshTitles(),
            cancel: () => { ProcessModel.Filter = before; Processes.Apply(); RefreshTitles(); }));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
            _app.Keyboard.KeyDown -= OnAppKeyDown;
        }
        base.Dispose(disposing);
    }
}
