using Ctop.Model;
using Ctop.Tuning;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>
/// Edits one limit of the selected cgroup (c, m, H, p, w): shows the limit now and the effective one with who sets it,
/// checks the text as it is typed (parse, then a dry run of the tuner, which also refuses what the kernel would), and
/// applies on Enter. A refusal on Enter keeps the dialog open with the reason, so the value can be corrected; Esc cancels.
/// </summary>
public sealed class LimitOverlay : Overlay
{
    private readonly LimitEditModel _model;
    private readonly Apply _apply;
    private readonly Action<Change> _applied;
    private readonly Label _info, _message;
    private readonly TextField _field;
    private string _messageText = "";
    private IDisposable? _check;
    private bool _writing, _disposed;

    /// <summary>
    /// (set, dryRun, done, failed): runs the tuner off the UI thread (a dry run reads the files too) and calls back on it;
    /// failed gets a <see cref="TuningRefusedException"/> when refused. Disposing drops a result not yet delivered.
    /// </summary>
    public delegate IDisposable Apply(ChangeSet set, bool dryRun, Action<Change> done, Action<Exception> failed);

    /// <param name="apply">Writes (or checks) off the UI thread, see <see cref="Apply"/>.</param>
    /// <param name="applied">Called after a successful write, once the dialog has closed.</param>
    public LimitOverlay(LimitEditModel model, Apply apply, Action<Change> applied)
    {
        _model = model;
        _apply = apply;
        _applied = applied;
        Title = Fmt.Fit($"{model.Title} of {TextEscape.Escape(model.Path)}", 200);
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Double;
        X = Pos.Center(); Y = Pos.Center(); Width = Dim.Percent(90); Height = 13;
        CanFocus = true;
        _info = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 4 };
        var prompt = new PlainLabel { X = 0, Y = 5, Text = "new value: " };
        _field = new TextField { X = Pos.Right(prompt), Y = 5, Width = Dim.Fill(), Text = model.Initial };
        _message = new PlainLabel { X = 0, Y = 7, Width = Dim.Fill(), Height = Dim.Fill() };
        Add(_info, prompt, _field, _message);
        _field.ValueChanged += (_, e) => Validate(e.NewValue ?? "");
        // The text wraps to the label's width, known only after layout.
        SubViewsLaidOut += (_, _) => Render();
        Bind(() => Close?.Invoke(), Key.Esc);
        Bind(Commit, Key.Enter);
        RenderInfo();
        Validate(model.Initial);
    }

    public LimitKind Kind => _model.Kind;
    public string Path => _model.Path;
    public string Value => _field.Text ?? "";

    /// <summary>What the dialog says under the field: what Enter would write, or why not.</summary>
    public string Message => _messageText;

    public override string Hint => "Enter: apply  Esc: cancel";
    public override View FocusTarget => _field;

    public override void OnFrame(Frame frame)
    {
        _model.Update(frame);
        RenderInfo();
    }


    private void RenderInfo()
    {
        int width = Math.Max(10, _info.Viewport.Width > 0 ? _info.Viewport.Width : 70);
        string text = string.Join("\n", new[]
        {
            $"now        {_model.Current}",
            $"effective  {_model.Effective}",
            $"accepts    {_model.Accepts}",
            $"writes     {_model.Files}",
        }.Select(l => Fmt.Fit(l, width)));
        if (_info.Text != text) _info.Text = text;
    }

    private void Render()
    {
        RenderInfo();
        int width = Math.Max(10, _message.Viewport.Width > 0 ? _message.Viewport.Width : 70);
        string text = string.Join("\n", Fmt.Wrap(_messageText, width));
        if (_message.Text != text) _message.Text = text;
    }

    private void Say(string message)
    {
        _messageText = message;
        Render();
        SetNeedsDraw();
    }

    /// <summary>
    /// As typed: a dry run writes nothing but reads the before values and checks ranges and write access, on the worker;
    /// a result for text that has since changed is dropped.
    /// </summary>
    private void Validate(string text)
    {
        _check?.Dispose();
        ChangeSet set;
        try
        {
            set = _model.Parse(text);
        }
        catch (TuningUsageException ex)
        {
            Say(ex.Message);
            return;
        }
        _check = _apply(set, true, dry =>
        {
            var files = dry.Knobs.SelectMany(k => k.Files.Where(f => f.Changed).Select(f => LimitEditModel.FileChange(k.Knob, f))).ToList();
            Say(files.Count == 0 ? "no change: the files already hold this value" : "Enter writes " + string.Join(", ", files));
        }, ex => Say(ex switch
        {
            TuningUsageException u => u.Message,
            TuningRefusedException r => "would be refused: " + r.Message,
            _ => "cannot check: " + ex.Message,
        }));
    }

    private void Commit()
    {
        if (_writing) return; // one write at a time: Enter again waits for the first
        ChangeSet set;
        try
        {
            set = _model.Parse(Value);
        }
        catch (TuningUsageException ex)
        {
            Say(ex.Message);
            return;
        }
        _check?.Dispose();
        _writing = true;
        Say("writing…");
        _apply(set, false, change =>
        {
            _writing = false;
            if (!_disposed) Close?.Invoke();
            _applied(change);
        }, ex =>
        {
            _writing = false;
            if (_disposed) return; // closed while writing: the tuner changed nothing, there is no dialog left to say so
            Say(ex switch
            {
                TuningUsageException u => u.Message,
                TuningRefusedException r => "refused: " + r.Message + (r.NotRestored.Count == 0 ? ". Nothing was changed." : ""),
                _ => "failed: " + ex.Message,
            });
        });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { _disposed = true; _check?.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>A message that needs reading (a refusal, memory.high on v1): wrapped in a box until Enter or Esc.</summary>
public sealed class MessageOverlay : Overlay
{
    private readonly Label _text;

    public MessageOverlay(string title, string message)
    {
        Message = message;
        Title = title;
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Double;
        X = Pos.Center(); Y = Pos.Center(); Width = Dim.Percent(80); Height = 9;
        CanFocus = true;
        _text = new PlainLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill() };
        Add(_text);
        SubViewsLaidOut += (_, _) =>
        {
            string wrapped = string.Join("\n", Fmt.Wrap(message, Math.Max(10, _text.Viewport.Width)));
            if (_text.Text != wrapped) _text.Text = wrapped;
        };
        _text.Text = message;
        Bind(() => Close?.Invoke(), Key.Esc, Key.Enter, KeyText.K('q'));
    }

    public string Message { get; }
    public override string Hint => "Enter/Esc: close";

    /// <summary>A message takes every key until read: the bound ones close it, the others do nothing.</summary>
    public override bool HandleKey(Key key)
    {
        base.HandleKey(key);
        return true;
    }
}
