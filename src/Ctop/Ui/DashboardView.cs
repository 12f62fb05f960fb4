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
public sealed partial class DashboardView : Window
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
    private readonly bool _ownWorker;
    private readonly TextLines _header, _cgroupTitle, _processTitle, _message;
    private readonly StatusBar _keyBar;
    private readonly Dictionary<Command, CgroupAction> _cgroupCommands = [];
    private readonly HashSet<Key> _boundHere = [];
    private int _nextCommand = FirstCommand;
    private IDisposable _subscription;
    private Overlay? _overlay;
    private View? _focusBeforeOverlay;
    private string? _sourceNote;

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
        SchedstatDemand? schedstat = null, IScheduler? worker = null, bool recording = false)
    {
        _app = app;
        _schedstat = schedstat;
        _history = history;
        _uiScheduler = uiScheduler;
        _ownWorker = worker is null;
        _work = new UiWork(worker ?? UiWork.NewWorker(), uiScheduler);
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

        _header = new TextLines { X = 0, Y = 0, Width = Dim.Fill(), Height = 2 };
        _cgroupTitle = new TextLines { X = 0, Y = 2, Width = Dim.Fill(), Height = 1 };
        var cg = Cgroups.View;
        cg.X = 0; cg.Y = 3; cg.Width = Dim.Fill();
        cg.Height = Dim.Func(_ => CgroupTableHeight());
        _processTitle = new TextLines { X = 0, Y = Pos.Bottom(cg), Width = Dim.Fill(), Height = 1 };
        var pv = Processes.View;
        pv.X = 0; pv.Y = Pos.Bottom(_processTitle); pv.Width = Dim.Fill(); pv.Height = Dim.Fill(1);
        _keyBar = new StatusBar(KeyBarShortcuts()) { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        // Messages, a dialog's keys and running work take the key bar's line while there is something to say.
        _message = new TextLines { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1, Visible = false };
        Add(_header, _cgroupTitle, cg, _processTitle, pv, _keyBar, _message);

        Cgroups.SelectionChanged += OnCgroupSelected;
        cg.HasFocusChanged += (_, _) => RefreshTitles();
        pv.HasFocusChanged += (_, _) => RefreshTitles();
        _work.Changed += RefreshTitles;

        Commands = BuildCommands();
        // A recording replayed: nothing may touch the live system (limits, kill and renice act on what runs now, not on
        // what was recorded); the detail view and the user filter stay.
        CgroupActions = [.. BuildCgroupActions().Where(a => !recording || a.Bound.Contains(Key.Enter))];
        ProcessActions = [.. BuildProcessActions().Where(a => !recording || a.Bound.Contains(KeyText.K('u')))];
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

    /// <summary>
    /// What the frames are when they are not sampled live (a recording replayed: which and where), shown on the cgroup
    /// table's title line; null: live sampling.
    /// </summary>
    public string? SourceNote
    {
        get => _sourceNote;
        set { _sourceNote = value; RefreshTitles(); }
    }

    /// <summary>Keys handled before the dashboard's own (replay's time travel); true: handled.</summary>
    public Func<Key, bool>? ExtraKeys { get; set; }

    /// <summary>Put before the header's first line (replay: that it is a recording, and its time).</summary>
    public Func<Frame?, string>? HeaderTag { get; set; }

    /// <summary>More rows for the help screen (keys, what they do).</summary>
    public IReadOnlyList<(string Keys, string What)> ExtraHelp { get; set; } = [];

    public void ShowOverlay(Overlay overlay) => Open(overlay);

    public void ShowStatus(string message) => Status(message);

    public void RefreshHeader() => RefreshAll();

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

    // ---------------------------------------------------------------- frames

    private void OnFrame(Frame frame)
    {
        State.Frame = frame;
        CgroupModel.Update(frame.Cgroups);
        Cgroups.Apply();
        ProcessModel.Cgroup = State.ProcessScope(Cgroups.SelectedKey);
        ProcessModel.Update(frame.Processes);
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
        int width = Math.Max(1, Viewport.Width > 0 ? Viewport.Width : 80);
        var lines = HeaderModel.Lines(State.Frame, Interval, width);
        if (HeaderTag is { } tag) lines[0] = Fmt.Fit(tag(State.Frame) + lines[0], width);
        _header.Text = string.Join("\n", lines);
        RefreshTitles();
    }

    private void RefreshTitles()
    {
        string Mark(bool focused) => focused ? "▶ " : "  ";
        var c = CgroupModel;
        _cgroupTitle.Text = $"{Mark(CgroupsFocused)}Cgroups ({c.Rows.Count}, {(c.Tree ? "tree" : "flat")}{(c.GroupByPod ? ", by pod" : "")}, by {c.Columns[c.SortColumn].Header})"
            + (_sourceNote is { } note ? "  " + TextEscape.Escape(note) : "");
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

    private void OpenDetail(CgroupView c) =>
        Open(new DetailOverlay(c, State.Frame, _history, columns: ProcessModel.Visible));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
            _app.Keyboard.KeyDown -= OnAppKeyDown;
            _work.Changed -= RefreshTitles;
            // Outcomes still on their way have no screen left; a write in progress may finish first.
            if (_ownWorker) _work.Dispose();
        }
        base.Dispose(disposing);
    }
}
