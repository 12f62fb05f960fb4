using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text;
using Ctop.Config;
using Ctop.Model;
using Ctop.Pipeline;
using Ctop.Tuning;
using Mono.Unix.Native;
using ProcFs.Cgroups;
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
    private readonly Tuner? _tuner;
    private readonly IScheduler _uiScheduler;
    private TimeSpan _interval;
    private readonly SchedstatDemand? _schedstat;
    private IDisposable _subscription;
    private readonly Label _header, _cgroupTitle, _processTitle, _keyBar;
    private readonly bool _noColorEnv;
    private bool _colors = true;
    /// <summary>The config the dashboard was configured with: what F2 starts from beyond the tables' own state.</summary>
    private CtopConfig _settings = CtopConfig.Default;
    private Frame? _frame;
    private Overlay? _overlay;
    private View? _focusBeforeOverlay;
    private bool _allProcesses;
    private string _search = "";
    private string? _status;

    /// <param name="tuner">
    /// Writes the limits the tuning keys change: one for the session, so undo and the change log span it. Built by
    /// <see cref="Dashboard.Run"/> from the sampler's layout; tests pass one over a fixture tree. Null: tuning keys say it is unavailable.
    /// </param>
    /// <param name="schedstat">Told while the noisy-neighbours view is open, so the sampler reads run-queue waits only then.</param>
    public DashboardView(IApplication app, IObservable<Frame> frames, IScheduler uiScheduler, History? history, TimeSpan interval, Tuner? tuner = null,
        SchedstatDemand? schedstat = null)
    {
        _app = app;
        _schedstat = schedstat;
        _history = history;
        _tuner = tuner;
        _interval = interval;
        _uiScheduler = uiScheduler;
        _noColorEnv = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        Title = "ctop";
        BorderStyle = LineStyle.None;

        Cgroups = new TableBinding<CgroupRow>(new CgroupTableModel(), r => r.Attention != Attention.None ? AttentionScheme() : null);
        Processes = new TableBinding<ProcessRow>(new ProcessTableModel(), null);
        CgroupModel = (CgroupTableModel)Cgroups.Model;
        ProcessModel = (ProcessTableModel)Processes.Model;

        _header = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 2 };
        _cgroupTitle = new PlainLabel { X = 0, Y = 2, Width = Dim.Fill(), Height = 1 };
        var cg = Cgroups.View;
        cg.X = 0; cg.Y = 3; cg.Width = Dim.Fill();
        cg.Height = Dim.Func(_ => CgroupTableHeight());
        _processTitle = new PlainLabel { X = 0, Y = Pos.Bottom(cg), Width = Dim.Fill(), Height = 1 };
        var pv = Processes.View;
        pv.X = 0; pv.Y = Pos.Bottom(_processTitle); pv.Width = Dim.Fill(); pv.Height = Dim.Fill(1);
        _keyBar = new PlainLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        Add(_header, _cgroupTitle, cg, _processTitle, pv, _keyBar);

        Cgroups.SelectionChanged += OnCgroupSelected;
        cg.HasFocusChanged += (_, _) => RefreshTitles();
        pv.HasFocusChanged += (_, _) => RefreshTitles();

        Commands = BuildCommands();
        CgroupActions =
        [
            new("Enter", "details of the selected cgroup: limits and who sets them, history, its processes", [Key.Enter], OpenDetail),
            new("c", "CPU limit: cores 0.5, % of one CPU 50%, or max (cpu.max / v1 cpu.cfs_quota_us); Esc cancels",
                [KeyText.K('c')], c => EditLimit(c, LimitKind.Cpu)),
            new("+ =", "CPU limit up by 0.1 core (at the current period)", [KeyText.K('+'), KeyText.K('=')], c => StepCpu(c, +0.1)),
            new("-", "CPU limit down by 0.1 core (on an unlimited cgroup: from the CPUs it may use)", [KeyText.K('-')], c => StepCpu(c, -0.1)),
            new("m", "memory limit: 256M, 1G, or max (memory.max / memory.limit_in_bytes)", [KeyText.K('m')], c => EditLimit(c, LimitKind.Memory)),
            new("H", "memory.high, the throttling threshold: 256M, 1G, or max (cgroup v2 only)", [KeyText.K('H')], c => EditLimit(c, LimitKind.MemoryHigh)),
            new("p", "task limit: a number or max (pids.max)", [KeyText.K('p')], c => EditLimit(c, LimitKind.Pids)),
            new("w", "CPU weight 1–10000, default 100 (cpu.weight; v1 cpu.shares = weight × 1024 / 100)", [KeyText.K('w')], c => EditLimit(c, LimitKind.Weight)),
            new("u", "undo the last limit change on the selected cgroup (restores exactly the previous values)", [KeyText.K('u')], Undo),
        ];
        ProcessActions =
        [
            new("k F9", "kill the selected process: choose a signal (SIGTERM first), Enter sends, Esc cancels", [KeyText.K('k'), Key.F9], OpenKill),
            new("F7 ]", "renice the selected process: nice −1 (more CPU; lowering needs root)", [Key.F7, KeyText.K(']')], p => Status(ProcessControl.Renice(p.Pid, -1).Message)),
            new("F8 [", "renice the selected process: nice +1 (less CPU)", [Key.F8, KeyText.K('[')], p => Status(ProcessControl.Renice(p.Pid, +1).Message)),
            new("u", "only processes of one user, the selected one's to start (empty: all)",
                [KeyText.K('u')], OpenUserFilter),
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

    /// <summary>Where the settings dialog (F2) saves; null: nowhere, the settings last for the session.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>Frames at another interval, for a refresh interval changed in the settings dialog. Null: the new
    /// interval is saved but applies from the next start.</summary>
    public Func<TimeSpan, IObservable<Frame>>? Resample { get; set; }

    public TimeSpan Interval => _interval;

    /// <summary>The key bar's message until the next key (a config problem, a save), whole: the bar may cut it.</summary>
    public string? StatusText => _status;

    /// <summary>Whether rows needing attention are drawn in colour: the config's colours, unless NO_COLOR is set.</summary>
    public bool Colors => _colors && !_noColorEnv;

    /// <summary>
    /// Applies the config file's settings for the tables and colours (the interval was given to the constructor, where
    /// -d may have overridden it). What the file got wrong, and names no table knows, show in the key bar.
    /// </summary>
    public void Configure(CtopConfig config, string? problem = null)
    {
        var problems = DashboardSettings.Apply(config, CgroupModel, ProcessModel);
        if (problem is not null) problems.Insert(0, problem);
        _colors = config.Colors;
        _settings = config;
        Cgroups.Apply();
        Processes.Apply();
        if (problems.Count > 0) Status("config: " + string.Join(" ", problems));
        else RefreshTitles();
        SetNeedsDraw();
    }

    /// <summary>The settings in use, as the config file would hold them.</summary>
    public CtopConfig Settings() =>
        DashboardSettings.Capture(_settings with { RefreshSeconds = _interval.TotalSeconds, Colors = _colors }, CgroupModel, ProcessModel);

    /// <summary>A frame was taken into the tables (on the UI thread): lets a test act once per frame the screen shows.</summary>
    public event Action<Frame>? FrameShown;

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
        new("F2 S", "setup: refresh interval, colours, sort, tree, columns and their order; saved to the config file",
            [Key.F2, KeyText.K('S')], OpenSetup),
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
        new("g", "group the cgroup table by Kubernetes pod: each pod's containers under it (flat view)", [KeyText.K('g')],
            () => { CgroupModel.GroupByPod = !CgroupModel.GroupByPod; Cgroups.Apply(); RefreshTitles(); }),
        new("/", "search processes by command or PID (Enter keeps it, Esc drops it)", [KeyText.K('/')], OpenSearch),
        new("F3", "next search match (with no search yet: search)", [Key.F3],
            () => { if (_search.Length == 0) OpenSearch(); else NextMatch(); }),
        new("\\ F4", "filter processes: only commands containing the text (empty: all)", [KeyText.K('\\'), Key.F4], OpenFilter),
        new("a", "processes of the selected cgroup (and below) / all processes", [KeyText.K('a')], ToggleAll),
        new("L", "the limit changes made in this session, each file before → after", [KeyText.K('L')], OpenChangeLog),
        new("n", "noisy neighbours: who takes more than a fair CPU share, who suffers; Enter or c limits a culprit",
            [KeyText.K('n')], OpenNeighbours),
        new("Esc", "clear the process filters (command and user)", [Key.Esc],
            () => { ProcessModel.Filter = ""; ProcessModel.User = ""; Processes.Apply(); RefreshTitles(); }),
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
        FrameShown?.Invoke(frame);
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
        string filter = (p.Filter.Length > 0 ? $", filter \"{TextEscape.Escape(p.Filter)}\"" : "")
            + (p.User.Length > 0 ? $", user {TextEscape.Escape(p.User)}" : "");
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
        if (!Colors) return b;
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
        // A cgroup key pressed in the process table: say where it works rather than ignoring it.
        if (key != Key.Enter && CgroupActions.FirstOrDefault(a => a.Bound.Contains(key)) is { } cg)
        {
            Status(CgroupsFocused ? "no cgroup selected" : $"{cg.Keys} acts on the selected cgroup: Tab to the cgroup table");
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
        _focusBeforeOverlay = CgroupsFocused ? Cgroups.View : Processes.View;
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
        if (overlay is NeighboursOverlay && _schedstat is not null) _schedstat.Wanted = false;
        Remove(overlay);
        overlay.Dispose();
        // Back to the table the overlay was opened from, so u after a limit change still acts on the cgroup.
        (_focusBeforeOverlay ?? Processes.View).SetFocus();
        RefreshTitles();
        SetNeedsDraw();
    }

    private void OpenHelp() => Open(new HelpOverlay(HelpText()));

    // ---------------------------------------------------------------- settings (F2)

    private void OpenSetup() =>
        Open(new SetupOverlay(
            new SetupModel(Settings(), CgroupModel.Columns.Select(c => c.Header).ToArray(), ProcessModel.Columns.Select(c => c.Header).ToArray(), _noColorEnv),
            ConfigPath, SaveSettings));

    /// <summary>The settings chosen in F2: in effect at once, then saved. A failed save keeps them for the session and says why.</summary>
    private void SaveSettings(CtopConfig config)
    {
        Configure(config);
        var wanted = TimeSpan.FromSeconds(config.RefreshSeconds);
        string later = "";
        if (wanted != _interval)
        {
            if (Resample is { } resample)
            {
                _subscription.Dispose();
                _interval = wanted;
                _subscription = resample(wanted).ObserveOn(_uiScheduler).Subscribe(OnFrame, OnError);
                RefreshAll();
            }
            else later = $" (the {SetupModel.Seconds(config.RefreshSeconds)} interval applies from the next start)";
        }
        if (ConfigPath is null)
        {
            Open(new MessageOverlay("Settings not saved", "There is no place for the config file (neither XDG_CONFIG_HOME nor HOME is set). The settings apply until you quit."));
            return;
        }
        try
        {
            ConfigWriter.Save(config, ConfigPath);
            Status($"settings saved to {TextEscape.Escape(ConfigPath)}{later}");
        }
        catch (ConfigSaveException ex)
        {
            Open(new MessageOverlay("Settings not saved", TextEscape.Escape(ex.Message) + " The settings apply until you quit."));
        }
    }

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
        Open(new DetailOverlay(c, _frame, _history, columns: ProcessModel.Visible));

    // ---------------------------------------------------------------- tuning (limits of the selected cgroup)

    private void EditLimit(CgroupView c, LimitKind kind)
    {
        if (_tuner is not { } tuner) { TuningUnavailable(); return; }
        if (kind == LimitKind.MemoryHigh && tuner.Layout.VersionOf(Controllers.Memory) == CgroupVersion.V1)
        {
            Open(new MessageOverlay("memory.high",
                "memory.high exists only on cgroup v2; on this host the memory controller is on cgroup v1, which has no "
                + "throttling threshold. m sets the hard limit (memory.limit_in_bytes). Nothing was changed."));
            return;
        }
        string path = c.Path;
        var model = new LimitEditModel(kind, CgroupModel.Find(path) ?? c, _frame);
        Open(new LimitOverlay(model, (set, dry) => tuner.Apply(path, set, dry), change => Status(LimitEditModel.Describe(change) + "  (u: undo)")));
    }

    private void StepCpu(CgroupView c, double cores)
    {
        if (_tuner is not { } tuner) { TuningUnavailable(); return; }
        string what = $"CPU limit {(cores > 0 ? "+" : "−")}{Math.Abs(cores):0.0} core";
        Tune(what, c.Path, () => tuner.Step(c.Path, cores), change => change is not null
            ? LimitEditModel.Describe(change) + "  (u: undo)"
            : c.Cpu.QuotaUsec is null && cores > 0
                ? $"{TextEscape.Escape(c.Path)} has no CPU limit: + has nothing to raise (c or - sets one)"
                : $"{TextEscape.Escape(c.Path)}: the CPU quota is already at the kernel's minimum (1 ms per period)");
    }

    private void Undo(CgroupView c)
    {
        if (_tuner is not { } tuner) { TuningUnavailable(); return; }
        Tune("undo", c.Path, () => tuner.Undo(c.Path), change => change is not null
            ? "undone: " + LimitEditModel.Describe(change)
            : $"nothing to undo on {TextEscape.Escape(c.Path)}: no limit of it was changed in this session");
    }

    /// <summary>Runs a write; success is a status line, a refusal a message box that says what was refused and why.</summary>
    private void Tune(string what, string path, Func<Change?> write, Func<Change?, string> describe)
    {
        Change? change;
        try
        {
            change = write();
        }
        catch (TuningRefusedException ex)
        {
            Open(new MessageOverlay("Refused", $"{what} on {TextEscape.Escape(path)} refused: {ex.Message}"
                + (ex.NotRestored.Count == 0 ? ". Nothing was changed." : "")));
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A dashboard must outlive a failed write (an unreadable file, a cgroup gone mid-way): say it, keep running.
            Open(new MessageOverlay("Failed", $"{what} on {TextEscape.Escape(path)} failed: {ex.Message}"));
            return;
        }
        Status(describe(change));
    }

    private void TuningUnavailable() =>
        Open(new MessageOverlay("Tuning", "changing limits is not available in this session (no cgroup layout was given)."));

    private void OpenChangeLog() => Open(new ChangeLogOverlay(ChangeLogText()));

    private void OpenNeighbours()
    {
        if (_schedstat is not null) _schedstat.Wanted = true;
        Open(new NeighboursOverlay(_frame, LimitCulprit));
    }

    /// <summary>A culprit chosen in the neighbours view: select its row in the cgroup table and open its CPU-limit dialog.</summary>
    private void LimitCulprit(Diagnosis.Finding culprit)
    {
        int i = CgroupModel.IndexOf(culprit.Cgroup);
        if (i < 0 || CgroupModel.Find(culprit.Cgroup) is not { } c)
        {
            Status($"{TextEscape.Escape(culprit.Cgroup)} is not in the cgroup table");
            return;
        }
        Cgroups.View.SetFocus();
        Cgroups.Select(i);
        RefreshTitles();
        EditLimit(c, LimitKind.Cpu);
    }

    /// <summary>The change log's text: each change of this session with every file it wrote, before → after.</summary>
    public string ChangeLogText()
    {
        var log = _tuner?.Log ?? [];
        var sb = new StringBuilder();
        if (log.Count == 0)
        {
            sb.AppendLine("No limits were changed in this session.");
            sb.AppendLine("On the cgroup table: c CPU, + - CPU by 0.1 core, m memory, H memory.high, p tasks, w CPU weight; u undoes.");
            return sb.ToString();
        }
        sb.AppendLine("Limit changes in this session, oldest first (u on a cgroup undoes its last change):");
        foreach (var change in log)
        {
            string kind = change.Kind == ChangeKind.Undo ? $"  undo of #{change.Reverts}" : "";
            sb.AppendLine($"#{change.Id} {change.At.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}  {TextEscape.Escape(change.Cgroup)}{kind}");
            foreach (var k in change.Knobs)
                foreach (var f in k.Files)
                    sb.AppendLine($"    {TuningCommands.Label(k.Knob),-12} {(f.Changed ? LimitEditModel.FileChange(k.Knob, f) : $"{System.IO.Path.GetFileName(f.File)} {f.Before} (unchanged)")}");
        }
        return sb.ToString();
    }

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

    private void OpenUserFilter(ProcessView selected)
    {
        Processes.View.SetFocus();
        string before = ProcessModel.User;
        Open(new PromptOverlay("User: ", before.Length > 0 ? before : selected.User,
            changed: _ => { },
            commit: t => { ProcessModel.User = t.Trim(); Processes.Apply(); RefreshTitles(); },
            cancel: RefreshTitles));
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
