using Ctop.Diagnosis;
using Ctop.Model;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>
/// Noisy neighbours (n): <see cref="Diagnoser"/> on the latest frame, its culprits and victims as ranked lists, each line a
/// finding's reason, refreshed with every frame. Enter or c on a culprit closes the view and opens the CPU-limit dialog
/// for it; Esc closes. See docs/diagnose.md.
/// </summary>
public sealed class NeighboursOverlay : Overlay
{
    private readonly TableView _list;
    private readonly Action<Finding> _limit;
    private readonly LinesSource _source = new();

    /// <param name="limit">Called with the chosen culprit after the view has closed: select it and open its CPU-limit dialog.</param>
    public NeighboursOverlay(Frame? frame, Action<Finding> limit)
    {
        _limit = limit;
        Title = "Noisy neighbours";
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Single;
        X = 0; Y = 0; Width = Dim.Fill(); Height = Dim.Fill(1);
        CanFocus = true;
        _list = new TableView(_source)
        {
            X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(), FullRowSelect = true, CollectionNavigator = null,
        };
        _list.Style.ShowHeaders = false;
        _list.Style.ShowHorizontalHeaderOverline = false;
        _list.Style.ShowHorizontalHeaderUnderline = false;
        _list.Style.ShowHorizontalBottomLine = false;
        _list.Style.ShowVerticalCellLines = false;
        Add(_list);
        // Column widths are measured against the view's width, known only after layout.
        SubViewsLaidOut += (_, _) => _list.Update();
        Bind(() => Close?.Invoke(), Key.Esc, KeyText.K('q'), KeyText.K('n'));
        // On a victim or a heading there is nothing to limit; the key is still taken.
        Bind(() => { if (SelectedCulprit is { } f) { Close?.Invoke(); _limit(f); } }, Key.Enter, KeyText.K('c'));
        Show(frame);
    }

    /// <summary>The diagnosis shown: of the latest frame; null before the first one.</summary>
    public DiagnosisReport? Report { get; private set; }

    /// <summary>The culprit on the selected line, if the selection is on one.</summary>
    public Finding? SelectedCulprit =>
        _list.Value?.SelectedCell.Y is int y && y >= 0 && y < _source.Lines.Count ? _source.Lines[y].Culprit : null;

    public override string Hint => "Enter/c: limit the selected culprit's CPU  Esc/q/n: close  ↑↓: choose";
    public override View FocusTarget => _list;

    public override void OnFrame(Frame frame) => Show(frame);


    /// <summary>
    /// The lines for a report: the culprits first (the ones to act on), then the victims. Without
    /// <paramref name="waitsMeasured"/> (the dashboard starts reading run-queue waits when this view opens; a frame has
    /// them from the second sample on) a first line says so.
    /// </summary>
    public static List<(string Text, Finding? Culprit)> Lines(DiagnosisReport? report, bool waitsMeasured = true)
    {
        var lines = new List<(string, Finding?)>();
        if (report is null)
        {
            lines.Add(("Waiting for the first frame.", null));
            return lines;
        }
        if (!waitsMeasured) lines.Add(("Measuring run-queue waits (schedstat): they count from the next frames.", null));
        lines.Add(("Culprits: use clearly more CPU than their fair share while a neighbour suffers (Enter or c: limit its CPU)", null));
        if (report.Culprits.Count == 0) lines.Add(("  none", null));
        for (int i = 0; i < report.Culprits.Count; i++)
            lines.Add(($"  {i + 1}. {TextEscape.Escape(report.Culprits[i].Reason)}", report.Culprits[i]));
        lines.Add(("", null));
        lines.Add(("Victims: wait for a CPU below their fair share, are throttled by their quota, or press against their memory limit", null));
        if (report.Victims.Count == 0) lines.Add(("  none", null));
        for (int i = 0; i < report.Victims.Count; i++)
            lines.Add(($"  {i + 1}. {TextEscape.Escape(report.Victims[i].Reason)}", null));
        return lines;
    }

    private void Show(Frame? frame)
    {
        var report = frame is null ? null : Diagnoser.Diagnose(frame);
        bool waits = frame is null || frame.Cgroups.Any(c => c.CpuWaitPerSecond is not null);
        string? selected = SelectedCulprit?.Cgroup;
        int old = _list.Value?.SelectedCell.Y ?? 0;
        Report = report;
        _source.Lines = Lines(report, waits);
        // The same culprit stays selected wherever it moved; else the first culprit; else the same line.
        int idx = _source.Lines.FindIndex(l => l.Culprit is { } c && c.Cgroup == selected);
        if (idx < 0) idx = _source.Lines.FindIndex(l => l.Culprit is not null);
        if (idx < 0) idx = Math.Clamp(old, 0, _source.Lines.Count - 1);
        _list.Update();
        _list.SetSelection(0, idx, false, null);
        _list.EnsureCursorIsVisible();
        _list.SetNeedsDraw();
    }

    private sealed class LinesSource : ITableSource
    {
        public List<(string Text, Finding? Culprit)> Lines { get; set; } = [];
        public object this[int row, int col] => Lines[row].Text;
        public string[] ColumnNames => ["text"];
        public int Columns => 1;
        public int Rows => Lines.Count;
    }
}
