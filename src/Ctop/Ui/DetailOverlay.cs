using Ctop.Model;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>One cgroup in full (Enter on a cgroup): limits and who sets them, counters, history sparklines, its processes.</summary>
public sealed class DetailOverlay : Overlay
{
    private readonly History? _history;
    private readonly Label _text;
    private readonly TableBinding<ProcessRow> _processes;
    private CgroupView _cgroup;

    /// <param name="columns">The process columns to show, as the dashboard's process table shows them; null: all.</param>
    public DetailOverlay(CgroupView cgroup, Frame? frame, History? history, Func<ProcessRow, Terminal.Gui.Drawing.Scheme?>? rowScheme = null,
        IReadOnlyList<int>? columns = null)
    {
        _cgroup = cgroup;
        _history = history;
        Path = cgroup.Path;
        Title = "Detail";
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Single;
        X = 0; Y = 0; Width = Dim.Fill(); Height = Dim.Fill(1);
        CanFocus = true;
        _text = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 11 };
        Model = new ProcessTableModel { Cgroup = cgroup.Path };
        if (columns is not null) Model.SetVisible(columns);
        _processes = new TableBinding<ProcessRow>(Model, null);
        _processes.View.X = 0;
        _processes.View.Y = Pos.Bottom(_text);
        _processes.View.Width = Dim.Fill();
        _processes.View.Height = Dim.Fill();
        Add(_text, _processes.View);
        BindKeys();
        if (frame is not null) OnFrame(frame);
        // The label's width is known only after layout; re-render the text to fit it.
        SubViewsLaidOut += (_, _) =>
        {
            RenderText();
            _processes.View.Update(); // column widths were measured before the overlay had its size
        };
    }

    public string Path { get; }
    public ProcessTableModel Model { get; }
    public override string Hint => "Esc/Enter: back  P M T: sort processes  t: tree  q: quit";
    public override View FocusTarget => _processes.View;

    public override void OnFrame(Frame frame)
    {
        if (frame.Cgroups.FirstOrDefault(c => c.Path == Path) is { } c) _cgroup = c;
        Model.Update(frame.Processes);
        _processes.Apply();
        RenderText();
    }

    private void RenderText()
    {
        int width = Math.Max(10, Viewport.Width);
        var lines = DetailModel.Lines(_cgroup, _history?.OfCgroup(Path) ?? [], width);
        var text = string.Join("\n", lines);
        if (_text.Text != text) _text.Text = text;
        if (_text.Height is not DimAbsolute a || a.Size != lines.Count) _text.Height = lines.Count;
    }

    private void BindKeys()
    {
        Bind(() => Close?.Invoke(), Key.Esc, Key.Enter, Key.Backspace);
        Bind(() => { Model.SetSort(ProcessTableModel.CpuColumn); _processes.Apply(); }, KeyText.K('P'));
        Bind(() => { Model.SetSort(ProcessTableModel.MemColumn); _processes.Apply(); }, KeyText.K('M'));
        Bind(() => { Model.SetSort(ProcessTableModel.TimeColumn); _processes.Apply(); }, KeyText.K('T'));
        Bind(() => { Model.Tree = !Model.Tree; _processes.Apply(); }, KeyText.K('t'), Key.F5);
    }
}
