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

    private readonly HashSet<Key> _boundHere = [];
    private int _nextCommand = FirstCommand;
    // Above Terminal.Gui's own Command values, as the dashboard's.
    private const int FirstCommand = 10_000;

    /// <summary>
    /// Called before the focused subview sees the key: runs the commands bound to it (Terminal.Gui KeyBindings of this
    /// overlay, in order) until one takes it; false lets the key through (typing, arrows).
    /// </summary>
    public virtual bool HandleKey(Key key)
    {
        if (!KeyBindings.TryGet(key, out var binding)) return false;
        foreach (var command in binding.Commands)
            if (InvokeCommand(command, binding) is true) return true;
        return false;
    }

    /// <summary>
    /// Makes <paramref name="run"/> a command of this overlay and binds the keys to it. It returns whether it took the
    /// key: false passes the key on to the focused subview, so it must then have done nothing.
    /// </summary>
    protected void Bind(Func<bool> run, params Key[] keys)
    {
        var command = (Command)_nextCommand++;
        AddCommand(command, () => run());
        foreach (var key in keys)
        {
            // View's own bindings of these keys (Enter: Accept, Space: Activate) give way; one bound here twice keeps both.
            if (_boundHere.Add(key) || !KeyBindings.TryGet(key, out var existing))
            {
                if (KeyBindings.TryGet(key, out _)) KeyBindings.Remove(key);
                KeyBindings.Add(key, command);
            }
            else KeyBindings.ReplaceCommands(key, [.. existing.Commands, command]);
        }
    }

    /// <summary><see cref="Bind(Func{bool}, Key[])"/> for a command that always takes its keys.</summary>
    protected void Bind(Action run, params Key[] keys) => Bind(() => { run(); return true; }, keys);

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
    private readonly string _hint;

    public TextOverlay(string title, string text, string hint, params Key[] closeKeys)
    {
        Title = title;
        _hint = hint;
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
        Bind(() => Close?.Invoke(), [Key.Esc, KeyText.K('q'), Key.Enter, .. closeKeys]);
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
        Bind(() => { Close?.Invoke(); _commit(Value); }, Key.Enter);
        Bind(() => { Close?.Invoke(); _cancel(); }, Key.Esc);
        Bind(() => { if (_next is null) return false; _next(); return true; }, Key.F3);
    }

    public string Label { get; }
    public string Value => _field.Text ?? "";
    public override string Hint => "";
    public override View FocusTarget => _field;

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
        Bind(() => { var s = Selected; Close?.Invoke(); _send(s); }, Key.Enter);
        Bind(() => Close?.Invoke(), Key.Esc, KeyText.K('q'));
    }

    public int Pid { get; }
    public override string Hint => "Enter: send the selected signal  Esc: cancel  ↑↓: choose";
    public override View FocusTarget => _list;

    public Signum Selected => ProcessControl.Signals[Math.Clamp(_list.Value?.SelectedCell.Y ?? 0, 0, ProcessControl.Signals.Count - 1)].Signal;


    private sealed class SignalSource : ITableSource
    {
        public object this[int row, int col] =>
            $"{ProcessControl.Number(ProcessControl.Signals[row].Signal),2} {ProcessControl.Signals[row].Name}";
        public string[] ColumnNames => ["signal"];
        public int Columns => 1;
        public int Rows => ProcessControl.Signals.Count;
    }
}
