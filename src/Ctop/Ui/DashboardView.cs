using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text;
using Ctop.Config;
using Ctop.Model;
using Ctop.Pipeline;
using Ctop.Tuning;
using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Ctop.Ui;

/// <summary>
/// The dashboard's layout: header, cgroup table, process table, status bar. What the rows are, their order and their
/// text come from the view-models (<see cref="CgroupTableModel"/>, <see cref="ProcessTableModel"/>, <see cref="HeaderModel"/>);
/// what the keys do from plain controllers (<see cref="TuningController"/>, <see cref="SearchFilter"/>,
/// <see cref="SettingsController"/>, <see cref="ProcessController"/>, <see cref="DashboardState"/>). Each key is a
/// Terminal.Gui command of this view (<see cref="View.AddCommand(Command, Func{bool?})"/>) bound in its
/// <see cref="View.KeyBindings"/>; the key bar is a <see cref="StatusBar"/> of <see cref="Shortcut"/>s. Frames arrive on
/// the UI thread through the given scheduler; writes, reads of cgroupfs, saves and signals run on a worker.
/// </summary>
public sealed class DashboardView : Window
{
    /// <summary>
    /// Terminal.Gui's <see cref="Command"/> names the verbs of its own views; the dashboard's verbs take values above them,
    /// one per entry of <see cref="Commands"/>, <see cref="CgroupActions"/> and <see cref="ProcessActions"/>.
    /// </summary>
    private const int FirstCommand = 10_000;

    private readonly IApplication _app;
    private readonly History? _history;
    private readonly IScheduler _uiScheduler;
    private readonly SchedstatDemand? _schedstat;
    private readonly UiWork _work;
    private readonly IDisposable? _ownWorker;
    private readonly Label _header, _cgroupTitle, _processTitle, _message;
    private readonly StatusBar _keyBar;
    private readonly Dictionary<Command, CgroupAction> _cgroupCommands = [];
    private readonly HashSet<Key> _boundHere = [];
    private int _nextCommand = FirstCommand;
    private IDisposable _subscription;
    private Overlay? _overlay;
    private View? _focusBeforeOverlay;

    /// <param name="tuner">
    /// Writes the limits the tuning keys change: one for the session, so undo and the change log span it. Built by
    /// <see cref="Dashboard.Run"/> from the sampler's layout; tests pass one over a fixture tree. Null: tuning keys say it is unavailable.
    /// </param>
    /// <param name="schedstat">Told while the noisy-neighbours view is open, so the sampler reads run-queue waits only then.</param>
    /// <param name="worker">
    /// Where writes, cgroupfs reads, config saves and signals run; null: a background thread of the dashboard's own.
    /// Results come back through <paramref name="uiScheduler"/>.
    /// </param>
    public DashboardView(IApplication app, IObservable<Frame> frames, IScheduler uiScheduler, History? history, TimeSpan interval, Tuner? tuner = null,
        SchedstatDemand? schedstat = null, IScheduler? worker = null)
    {
        _app = app;
        _schedstat = schedstat;
        _history = history;
        _uiScheduler = uiScheduler;
        if (worker is null)
        {
            worker = UiWork.NewWorker();
            _ownWorker = worker as IDisposable;
        }
        _work = new UiWork(worker, uiScheduler);
        Title = "ctop";
        BorderStyle = LineStyle.None;

        Cgroups = new TableBinding<CgroupRow>(new CgroupTableModel(), r => r.Attention != Attention.None ? AttentionScheme() : null);
        Processes = new TableBinding<ProcessRow>(new ProcessTableModel(), null);
        CgroupModel = (CgroupTableModel)Cgroups.Model;
        ProcessModel = (ProcessTableModel)Processes.Model;
        Tuning = new TuningController(tuner, _work);
        Search = new SearchFilter(ProcessModel);
        SettingsControl = new SettingsController(CgroupModel, ProcessModel, interval, _work);
        ProcessController = new ProcessController(_work);

        _header = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 2 };
        _cgroupTitle = new PlainLabel { X = 0, Y = 2, Width = Dim.Fill(), Height = 1 };
        var cg = Cgroups.View;
        cg.X = 0; cg.Y = 3; cg.Width = Dim.Fill();
        cg.Height = Dim.Func(_ => CgroupTableHeight());
        _processTitle = new PlainLabel { X = 0, Y = Pos.Bottom(cg), Width = Dim.Fill(), Height = 1 };
        var pv = Processes.View;
        pv.X = 0; pv.Y = Pos.Bottom(_processTitle); pv.Width = Dim.Fill(); pv.Height = Dim.Fill(1);
        _keyBar = new StatusBar(KeyBarShortcuts()) { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        // Messages, a dialog's keys and running work take the key bar's line while there is something to say.
        _message = new PlainLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1, Visible = false };
        Add(_header, _cgroupTitle, cg, _processTitle, pv, _keyBar, _message);

        Cgroups.SelectionChanged += OnCgroupSelected;
        cg.HasFocusChanged += (_, _) => RefreshTitles();
        pv.HasFocusChanged += (_, _) => RefreshTitles();
        _work.Changed += RefreshTitles;

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
            new("u", "undo the last limit change on the selected cgroup (restores exactly the previous values)", [KeyText.K('u')],
                c => Tuning.Undo(c, ShowOutcome)),
        ];
        ProcessActions =
        [
            new("k F9", "kill the selected process: choose a signal (SIGTERM first), Enter sends, Esc cancels", [KeyText.K('k'), Key.F9], OpenKill),
            new("F7 ]", "renice the selected process: nice −1 (more CPU; lowering needs root)", [Key.F7, KeyText.K(']')],
                p => ProcessController.Renice(p.Pid, -1, Status)),
            new("F8 [", "renice the selected process: nice +1 (less CPU)", [Key.F8, KeyText.K('[')], p => ProcessController.Renice(p.Pid, +1, Status)),
            new("u", "only processes of one user, the selected one's to start (empty: all)",
                [KeyText.K('u')], OpenUserFilter),
        ];
        BindKeys();

        app.Keyboard.KeyDown += OnAppKeyDown;
        RefreshAll();
        _subscription = frames.ObserveOn(uiScheduler).Subscribe(OnFrame, OnError);
    }

    public TableBinding<CgroupRow> Cgroups { get; }
    public TableBinding<ProcessRow> Processes { get; }
    public CgroupTableModel CgroupModel { get; }
    public ProcessTableModel ProcessModel { get; }

    /// <summary>The limit keys and the change log.</summary>
    public TuningController Tuning { get; }

    /// <summary>Search and the process filters.</summary>
    public SearchFilter Search { get; }

    /// <summary>F2 and the config file.</summary>
    public SettingsController SettingsControl { get; }

    /// <summary>Kill and renice.</summary>
    public ProcessController ProcessController { get; }

    public DashboardState State { get; } = new();

    /// <summary>Keys that work everywhere on the main screen.</summary>
    public IReadOnlyList<KeyCommand> Commands { get; }

    /// <summary>Keys acting on the selected cgroup while the cgroup table has focus.</summary>
    public IReadOnlyList<CgroupAction> CgroupActions { get; }

    /// <summary>Keys acting on the selected process.</summary>
    public IReadOnlyList<ProcessAction> ProcessActions { get; }

    /// <summary>The key bar: the function keys and the most used letters, each a shortcut that a click runs too.</summary>
    public StatusBar KeyBar => _keyBar;

    public Overlay? ActiveOverlay => _overlay;

    /// <summary>Where the settings dialog (F2) saves; null: nowhere, the settings last for the session.</summary>
    public string? ConfigPath { get => SettingsControl.ConfigPath; set => SettingsControl.ConfigPath = value; }

    /// <summary>Frames at another interval, for a refresh interval changed in the settings dialog. Null: the new
    /// interval is saved but applies from the next start.</summary>
    public Func<TimeSpan, IObservable<Frame>>? Resample { get; set; }

    public TimeSpan Interval => SettingsControl.Interval;

    /// <summary>The key bar's message until the next key (a config problem, a save), whole: the bar may cut it.</summary>
    public string? StatusText => State.Status;

    /// <summary>Whether rows needing attention are drawn in colour: the config's colours, unless NO_COLOR is set.</summary>
    public bool Colors => SettingsControl.Colors;

    /// <summary>
    /// Applies the config file's settings for the tables and colours (the interval was given to the constructor, where
    /// -d may have overridden it). What the file got wrong, and names no table knows, show in the key bar.
    /// </summary>
    public void Configure(CtopConfig config, string? problem = null)
    {
        var message = SettingsControl.Apply(config, problem);
        Cgroups.Apply();
        Processes.Apply();
        if (message is not null) Status(message);
        else RefreshTitles();
        SetNeedsDraw();
    }

    /// <summary>The settings in use, as the config file would hold them.</summary>
    public CtopConfig Settings() => SettingsControl.Capture();

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
            [], () => { }), // bound below: < and > go opposite ways
        new("P", "sort by CPU (processes: CPU%, cgroups: % of CPU limit)", [KeyText.K('P')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.CpuPercentColumn), p => p.SetSort(ProcessTableModel.CpuColumn))),
        new("M", "sort by memory (processes: MEM%, cgroups: % of memory limit)", [KeyText.K('M')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.MemoryPercentColumn), p => p.SetSort(ProcessTableModel.MemColumn))),
        new("T", "sort by time (processes: TIME+, cgroups: throttled %)", [KeyText.K('T')],
            () => OnFocused(c => c.SetSort(CgroupTableModel.ThrottledColumn), p => p.SetSort(ProcessTableModel.TimeColumn))),
        new("t F5", "tree / flat view of the focused table (cgroups by path, processes by parent)", [KeyText.K('t'), Key.F5],
            () => OnFocused(c => c.Tree = !c.Tree, p => p.Tree = !p.Tree)),
        new("/", "search processes by command or PID (Enter keeps it, Esc drops it)", [KeyText.K('/')], OpenSearch),
        new("F3", "next search match (with no search yet: search)", [Key.F3],
            () => { if (Search.Search.Length == 0) OpenSearch(); else NextMatch(); }),
        new("\\ F4", "filter processes: only commands containing the text (empty: all)", [KeyText.K('\\'), Key.F4], OpenFilter),
        new("a", "processes of the selected cgroup (and below) / all processes", [KeyText.K('a')], ToggleAll),
        new("L", "the limit changes made in this session, each file before → after", [KeyText.K('L')],
            () => Open(new ChangeLogOverlay(Tuning.ChangeLogText()))),
        new("n", "noisy neighbours: who takes more than a fair CPU share, who suffers; Enter or c limits a culprit",
            [KeyText.K('n')], OpenNeighbours),
        new("Esc", "clear the process filters (command and user)", [Key.Esc],
            () => { Search.ClearFilters(); Processes.Apply(); RefreshTitles(); }),
    ];

    // ---------------------------------------------------------------- keys

    /// <summary>
    /// Each entry becomes a command of this view and its keys are bound to it. A key bound twice (u: undo on the cgroup
    /// table, user filter on the process table) lists both commands; the first that applies where the focus is runs.
    /// Cgroup actions come first, as they did when the focus decided: they apply only on the cgroup table.
    /// </summary>
    private void BindKeys()
    {
        foreach (var a in CgroupActions)
        {
            var command = Bind(a.Bound, () =>
            {
                if (!CgroupsFocused || Cgroups.Selected is not { } row) return false;
                a.Run(row.View);
                return true;
            });
            _cgroupCommands[command] = a;
        }
        foreach (var c in Commands) Bind(c.Bound, () => { c.Run(); return true; });
        Bind([KeyText.K('<')], () => { OnFocused(c => c.CycleSort(-1), p => p.CycleSort(-1)); return true; });
        Bind([KeyText.K('>'), Key.F6], () => { OnFocused(c => c.CycleSort(+1), p => p.CycleSort(+1)); return true; });
        foreach (var a in ProcessActions)
            Bind(a.Bound, () =>
            {
                if (Processes.Selected is { } p) a.Run(p.View);
                else Status("no process selected");
                return true;
            });
    }

    private Command Bind(Key[] keys, Func<bool?> run)
    {
        var command = (Command)_nextCommand++;
        AddCommand(command, run);
        foreach (var key in keys)
        {
            // Window's own bindings of these keys (if any) give way; a key bound here twice keeps both, in order.
            if (_boundHere.Add(key) || !KeyBindings.TryGet(key, out var existing))
            {
                if (KeyBindings.TryGet(key, out _)) KeyBindings.Remove(key);
                KeyBindings.Add(key, command);
            }
            else KeyBindings.ReplaceCommands(key, [.. existing.Commands, command]);
        }
        return command;
    }

    private void OnAppKeyDown(object? sender, Key key)
    {
        // Another runnable (a dialog someone opened) owns the keys; only the dashboard's own screen is handled here.
        // The dashboard's bindings come before the focused table's own: a letter is a command here, Esc clears the filters
        // rather than quitting, Enter opens the detail view.
        if (_app.TopRunnableView != this) return;
        if (HandleKey(key)) key.Handled = true;
    }

    /// <summary>
    /// The dashboard's key dispatch: an open overlay takes every key first; else the commands bound to the key run in
    /// order until one applies. False lets the key reach the focused view (arrows, paging, typing).
    /// </summary>
    public bool HandleKey(Key key)
    {
        if (State.Status is not null) { State.Status = null; RefreshTitles(); }
        if (_overlay is not null) return _overlay.HandleKey(key);
        if (!KeyBindings.TryGet(key, out var binding)) return false;
        foreach (var command in binding.Commands)
            if (InvokeCommand(command, binding) is true) return true;
        // A cgroup key pressed in the process table: say where it works rather than ignoring it.
        if (key != Key.Enter && binding.Commands.Select(c => _cgroupCommands.GetValueOrDefault(c)).FirstOrDefault(a => a is not null) is { } cg)
        {
            Status(CgroupsFocused ? "no cgroup selected" : $"{cg.Keys} acts on the selected cgroup: Tab to the cgroup table");
            return true;
        }
        return false;
    }

    /// <summary>The key bar's shortcuts; a click runs the key, through the same dispatch as a key press.</summary>
    private Shortcut[] KeyBarShortcuts()
    {
        Shortcut S(Key key, string text) => new(key, text, () => HandleKey(key), "");
        return
        [
            S(Key.F1, "Help"), S(Key.F2, "Setup"), S(Key.F3, "Search"), S(Key.F4, "Filter"), S(Key.F5, "Tree"), S(Key.F6, "Sort"),
            S(Key.F7, "Nice-"), S(Key.F8, "Nice+"), S(Key.F9, "Kill"), S(Key.F10, "Quit"),
        ];
    }

    public override void EndInit()
    {
        base.EndInit();
        // htop's bar, "F1Help F2Setup …": the ten function keys fit 80 columns only without the shortcuts' own margins
        // (set when they are initialised) and with blank separators (the bar gives its line style to each item).
        if (_keyBar.Border is { } bar) bar.LineStyle = LineStyle.None;
        foreach (var s in _keyBar.SubViews.OfType<Shortcut>())
        {
            if (s.KeyView.Margin is { } km) km.Thickness = new Thickness(0);
            if (s.CommandView?.Margin is { } cm) cm.Thickness = new Thickness(0);
            s.SetNeedsLayout();
        }
        _keyBar.SetNeedsLayout();
    }

    // ---------------------------------------------------------------- frames

    private void OnFrame(Frame frame)
    {
        State.Frame = frame;
        CgroupModel.Update(frame.Cgroups);
        Cgroups.Apply();
        ProcessModel.Cgroup = State.ProcessScope(Cgroups.SelectedKey);
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
        if (State.AllProcesses) return;
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
        _header.Text = string.Join("\n", HeaderModel.Lines(State.Frame, Interval, Math.Max(1, Viewport.Width > 0 ? Viewport.Width : 80)));
        RefreshTitles();
    }

    private void RefreshTitles()
    {
        string Mark(bool focused) => focused ? "▶ " : "  ";
        var c = CgroupModel;
        _cgroupTitle.Text = $"{Mark(CgroupsFocused)}Cgroups ({c.Rows.Count}, {(c.Tree ? "tree" : "flat")}, by {c.Columns[c.SortColumn].Header})";
        var p = ProcessModel;
        string scope = p.Cgroup is null ? "all" : "in " + TextEscape.Escape(p.Cgroup);
        _processTitle.Text = $"{Mark(Processes.View.HasFocus)}Processes {scope} ({p.Rows.Count}, {(p.Tree ? "tree" : "flat")}, by {p.Columns[p.SortColumn].Header}{Search.Describe()})";
        var line = DashboardState.BottomLine(State.Status, _overlay?.Hint, _work.Running);
        _message.Text = line ?? "";
        _message.Visible = line is not null;
        _keyBar.Visible = line is null && _overlay is not PromptOverlay;
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
        State.Status = message;
        RefreshTitles();
    }

    /// <summary>A tuning outcome: a status line, or a box that needs reading.</summary>
    private void ShowOutcome(TuningOutcome outcome)
    {
        if (outcome.BoxMessage is { } box) Open(new MessageOverlay(outcome.BoxTitle ?? "", box));
        else if (outcome.Status is { } s) Status(s);
    }

    private void SwitchTable()
    {
        if (CgroupsFocused) Processes.View.SetFocus();
        else Cgroups.View.SetFocus();
        RefreshTitles();
    }

    private void ToggleAll()
    {
        State.ToggleAll();
        ProcessModel.Cgroup = State.ProcessScope(Cgroups.SelectedKey);
        Processes.Apply();
        RefreshTitles();
    }

    // ---------------------------------------------------------------- overlays

    private void Open(Overlay overlay)
    {
        // A second box (a refusal arriving while another is open) replaces the first rather than stacking under it.
        if (_overlay is { } open) CloseOverlay(open);
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

    private void OpenSetup() => Open(new SetupOverlay(SettingsControl.NewSetup(), ConfigPath, SaveSettings));

    /// <summary>The settings chosen in F2: in effect at once, then saved on the worker. A failed save keeps them for the session and says why.</summary>
    private void SaveSettings(CtopConfig config)
    {
        Configure(config);
        var wanted = TimeSpan.FromSeconds(config.RefreshSeconds);
        string later = "";
        if (wanted != Interval)
        {
            if (Resample is { } resample)
            {
                _subscription.Dispose();
                SettingsControl.Interval = wanted;
                _subscription = resample(wanted).ObserveOn(_uiScheduler).Subscribe(OnFrame, OnError);
                RefreshAll();
            }
            else later = $" (the {SetupModel.Seconds(config.RefreshSeconds)} interval applies from the next start)";
        }
        SettingsControl.Save(config, later, Status, why => Open(new MessageOverlay("Settings not saved", why)));
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
        Open(new DetailOverlay(c, State.Frame, _history, columns: ProcessModel.Visible));

    // ---------------------------------------------------------------- tuning (limits of the selected cgroup)

    private void EditLimit(CgroupView c, LimitKind kind)
    {
        if (!Tuning.Available) { Open(new MessageOverlay("Tuning", TuningController.Unavailable)); return; }
        if (kind == LimitKind.MemoryHigh && Tuning.MemoryHighMissing)
        {
            Open(new MessageOverlay("memory.high", TuningController.MemoryHighOnV1));
            return;
        }
        string path = c.Path;
        var model = new LimitEditModel(kind, CgroupModel.Find(path) ?? c, State.Frame);
        Open(new LimitOverlay(model, (set, dry, done, failed) => Tuning.Apply(path, set, dry, done, failed),
            change => Status(LimitEditModel.Describe(change) + "  (u: undo)")));
    }

    private void StepCpu(CgroupView c, double cores) => Tuning.Step(c, cores, ShowOutcome);

    /// <summary>The change log's text: each change of this session with every file it wrote, before → after.</summary>
    public string ChangeLogText() => Tuning.ChangeLogText();

    private void OpenNeighbours()
    {
        if (_schedstat is not null) _schedstat.Wanted = true;
        Open(new NeighboursOverlay(State.Frame, LimitCulprit));
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

    private void OpenKill(ProcessView p) =>
        Open(new KillOverlay(p, signal => ProcessController.Kill(p.Pid, signal, Status)));

    // ---------------------------------------------------------------- search and filters

    private void OpenSearch()
    {
        Processes.View.SetFocus();
        Search.BeginSearch(Processes.SelectedIndex);
        Open(new PromptOverlay("Search: ", Search.Search,
            changed: t => Jump(Search.SearchTyped(t)),
            commit: t =>
            {
                if (Search.CommitSearch(t) is { } message) Status(message);
                RefreshTitles();
            },
            cancel: () => { Search.CancelSearch(); RefreshTitles(); },
            next: NextMatch));
    }

    private void NextMatch() => Jump(Search.Next(Processes.SelectedIndex));

    private void Jump(SearchJump jump)
    {
        if (jump.Row >= 0) Processes.Select(jump.Row);
        if (jump.Message is { } m) Status(m);
        RefreshTitles();
    }

    private void OpenUserFilter(ProcessView selected)
    {
        Processes.View.SetFocus();
        Open(new PromptOverlay("User: ", Search.UserPromptStart(selected.User),
            changed: _ => { },
            commit: t => { Search.SetUser(t); Processes.Apply(); RefreshTitles(); },
            cancel: RefreshTitles));
    }

    private void OpenFilter()
    {
        Processes.View.SetFocus();
        Open(new PromptOverlay("Filter: ", Search.BeginFilter(),
            changed: t => { Search.FilterTyped(t); Processes.Apply(); RefreshTitles(); },
            commit: _ => RefreshTitles(),
            cancel: () => { Search.CancelFilter(); Processes.Apply(); RefreshTitles(); }));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
            _app.Keyboard.KeyDown -= OnAppKeyDown;
            _work.Changed -= RefreshTitles;
            _ownWorker?.Dispose();
        }
        base.Dispose(disposing);
    }
}
