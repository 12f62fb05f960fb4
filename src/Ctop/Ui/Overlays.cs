using Ctop.Model;
using Mono.Unix.Native;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>
/// Something shown over the tables that takes the keys until closed: help, a prompt, the kill dialog, the detail view.
/// Overlays are subviews of the dashboard rather than nested app.Run loops, so frames keep flowing into them and tests
/// can drive them with injected keys without a second loop.
/// </summary>
public abstract class Overlay : View
{
    /// <summary>Hint shown in the key bar while this overlay is open.</summary>
    public abstract string Hint { get; }

    /// <summary>Called before the focused subview sees the key; false lets it through (typing, arrows).</summary>
    public abstract bool HandleKey(Key key);

    /// <summary>Set by the dashboard: removes this overlay.</summary>
    public Action? Close { get; set; }

    /// <summary>A new frame arrived (only the detail view uses it).</summary>
    public virtual void OnFrame(Frame frame) { }

    /// <summary>The view that should have focus when opened.</summary>
    public virtual View FocusTarget => this;
}

/// <summary>Lines of text in a box, scrollable by key and wheel: help, the change log.</summary>
public class TextOverlay : Overlay
{
    private readonly TableView _text;
    private readonly Key[] _closeKeys;
    private readonly string _hint;

    public TextOverlay(string title, string text, string hint, params Key[] closeKeys)
    {
        Title = title;
        _hint = hint;
        _closeKeys = closeKeys;
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Single;
        X = 0; Y = 0; Width = Dim.Fill(); Height = Dim.Fill(1);
        CanFocus = true;
        // A one-column table of lines: it scrolls by key and wheel like the other tables (TextView is obsolete in 2.5).
        _text = new TableView(new LinesSource(text.Replace("\r", "").Split('\n')))
        {
            X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(), FullRowSelect = true, CollectionNavigator = null,
        };
        _text.Style.ShowHeaders = false;
        _text.Style.ShowHorizontalHeaderOverline = false;
        _text.Style.ShowHorizontalHeaderUnderline = false;
        _text.Style.ShowHorizontalBottomLine = false;
        _text.Style.ShowVerticalCellLines = false;
        Add(_text);
    }

    private sealed class LinesSource(string[] lines) : ITableSource
    {
        public object this[int row, int col] => lines[row];
        public string[] ColumnNames => ["text"];
        public int Columns => 1;
        public int Rows => lines.Length;
    }

    public override string Hint => _hint;
    public override View FocusTarget => _text;

    public override bool HandleKey(Key key)
    {
        if (key == Key.Esc || key == KeyText.K('q') || key == Key.Enter || _closeKeys.Contains(key))
        {
            Close?.Invoke();
            return true;
        }
        return false;
    }
}

/// <summary>The key list (h, F1, ?).</summary>
public sealed class HelpOverlay(string text)
    : TextOverlay("ctop help", text, "Esc/q/h: close help  ↑↓ PgUp PgDn: scroll", Key.F1, KeyText.K('h'), KeyText.K('?'));

/// <summary>This session's limit changes (L), oldest first, each file before → after.</summary>
public sealed class ChangeLogOverlay(string text)
    : TextOverlay("Limit changes this session", text, "Esc/q/L: close  ↑↓ PgUp PgDn: scroll", KeyText.K('L'));

/// <summary>A one-line prompt over the key bar, for search and filter: reports each edit, Enter keeps, Esc cancels.</summary>
public sealed class PromptOverlay : Overlay
{
    private readonly TextField _field;
    private readonly Action<string> _changed, _commit;
    private readonly Action _cancel;
    private readonly Action? _next;

    public PromptOverlay(string label, string initial, Action<string> changed, Action<string> commit, Action cancel, Action? next = null)
    {
        _changed = changed; _commit = commit; _cancel = cancel; _next = next;
        X = 0; Y = Pos.AnchorEnd(1); Width = Dim.Fill(); Height = 1;
        CanFocus = true;
        var l = new PlainLabel { X = 0, Y = 0, Text = label };
        _field = new TextField { X = Pos.Right(l), Y = 0, Width = Dim.Fill(), Text = initial };
        _field.ValueChanged += (_, e) => _changed(e.NewValue ?? "");
        Add(l, _field);
        Label = label;
    }

    public string Label { get; }
    public string Value => _field.Text ?? "";
    public override string Hint => "";
    public override View FocusTarget => _field;

    public override bool HandleKey(Key key)
    {
        if (key == Key.Enter) { Close?.Invoke(); _commit(Value); return true; }
        if (key == Key.Esc) { Close?.Invoke(); _cancel(); return true; }
        if (key == Key.F3 && _next is not null) { _next(); return true; }
        return false;
    }
}

/// <summary>Asks which signal to send before killing (k, F9). SIGTERM is preselected; Enter sends, Esc cancels.</summary>
public sealed class KillOverlay : Overlay
{
    private readonly TableView _list;
    private readonly Action<Signum> _send;

    public KillOverlay(ProcessView process, Action<Signum> send)
    {
        _send = send;
        Pid = process.Pid;
        Title = $"Kill {process.Pid}";
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Double;
        Width = Dim.Percent(60); Height = ProcessControl.Signals.Count + 4;
        X = Pos.Center(); Y = Pos.Center();
        CanFocus = true;
        var question = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Text = Fmt.Fit($"Send to {process.Pid} {TextEscape.Escape(process.Command)}", 200) };
        _list = new TableView(new SignalSource())
        {
            X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(), FullRowSelect = true, CollectionNavigator = null,
        };
        _list.Style.ShowHeaders = false;
        _list.Style.ShowHorizontalBottomLine = false;
        _list.Style.ShowVerticalCellLines = false;
        _list.Style.ShowHorizontalHeaderOverline = false;
        _list.Style.ShowHorizontalHeaderUnderline = false;
        Add(question, _list);
    }

    public int Pid { get; }
    public override string Hint => "Enter: send the selected signal  Esc: cancel  ↑↓: choose";
    public override View FocusTarget => _list;

    public Signum Selected => ProcessControl.Signals[Math.Clamp(_list.Value?.SelectedCell.Y ?? 0, 0, ProcessControl.Signals.Count - 1)].Signal;

    public override bool HandleKey(Key key)
    {
        if (key == Key.Enter) { var s = Selected; Close?.Invoke(); _send(s); return true; }
        if (key == Key.Esc || key == KeyText.K('q')) { Close?.Invoke(); return true; }
        return false;
    }

    private sealed class SignalSource : ITableSource
    {
        public object this[int row, int col] =>
            $"{ProcessControl.Number(ProcessControl.Signals[row].Signal),2} {ProcessControl.Signals[row].Name}";
        public string[] ColumnNames => ["signal"];
        public int Columns => 1;
        public int Rows => ProcessControl.Signals.Count;
    }
}
