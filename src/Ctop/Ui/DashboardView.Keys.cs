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

/// <summary>The dashboard's keys: the one table that help, the bindings and the docs test read, and their dispatch.</summary>
public sealed partial class DashboardView
{
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
        // o too: in replay g goes to a time, and the grouping must stay reachable there.
        new("g o", "group the cgroup table by pod, containers under it (flat view; in replay o only)",
            [KeyText.K('g'), KeyText.K('o')],
            () => { CgroupModel.GroupByPod = !CgroupModel.GroupByPod; Cgroups.Apply(); RefreshTitles(); }),
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

    private List<CgroupAction> BuildCgroupActions() =>
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

    private List<ProcessAction> BuildProcessActions() =>
    [
        new("k F9", "kill the selected process: choose a signal (SIGTERM first), Enter sends, Esc cancels", [KeyText.K('k'), Key.F9], OpenKill),
        new("F7 ]", "renice the selected process: nice −1 (more CPU; lowering needs root)", [Key.F7, KeyText.K(']')],
            p => ProcessController.Renice(p.Pid, -1, Status)),
        new("F8 [", "renice the selected process: nice +1 (less CPU)", [Key.F8, KeyText.K('[')], p => ProcessController.Renice(p.Pid, +1, Status)),
        new("u", "only processes of one user, the selected one's to start (empty: all)",
            [KeyText.K('u')], OpenUserFilter),
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
        if (ExtraKeys?.Invoke(key) == true) return true;
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
        if (ExtraHelp.Count > 0)
        {
            sb.AppendLine("Recording");
            foreach (var (keys, what) in ExtraHelp) Row(keys, what);
        }
        sb.AppendLine();
        sb.AppendLine("Columns: CORES/LIM cores used / effective CPU limit; CPU% % of that limit; THR% share of CFS periods");
        sb.AppendLine("throttled; MEM/LIM working set / effective memory limit; PSI CPU pressure (some, avg10).");
        sb.AppendLine("Marker column '!': T throttled (≥1% of periods), M memory ≥90% of its limit, K OOM kills.");
        sb.AppendLine("Limits are effective ones: the smallest along the ancestors. '-' means none or unknown.");
        return sb.ToString();
    }

}
