using Ctop.Config;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>
/// The settings dialog (F2, or S as in htop's Setup): refresh interval, colours, each table's view and sort, and which
/// columns each table shows in what order. Enter or F10 applies the settings and saves them to the config file;
/// Esc (or q) closes without changing anything.
/// </summary>
public sealed class SetupOverlay : Overlay
{
    private readonly TableView _list;
    private readonly Label _message;
    private readonly Action<CtopConfig> _save;

    /// <param name="savesTo">Shown in the title: where Enter writes (null: nowhere, the settings last this session).</param>
    /// <param name="save">Called with the chosen settings after the dialog has closed.</param>
    public SetupOverlay(SetupModel model, string? savesTo, Action<CtopConfig> save)
    {
        Model = model;
        _save = save;
        Title = Fmt.Fit("Setup" + (savesTo is null ? " (no config file location: this session only)" : $" (Enter saves to {TextEscape.Escape(savesTo)})"), 200);
        BorderStyle = Terminal.Gui.Drawing.LineStyle.Single;
        X = 0; Y = 0; Width = Dim.Fill(); Height = Dim.Fill(1);
        CanFocus = true;
        _list = new TableView(new LinesSource(model))
        {
            X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(1), FullRowSelect = true, CollectionNavigator = null,
        };
        _list.Style.ShowHeaders = false;
        _list.Style.ShowHorizontalHeaderOverline = false;
        _list.Style.ShowHorizontalHeaderUnderline = false;
        _list.Style.ShowHorizontalBottomLine = false;
        _list.Style.ShowVerticalCellLines = false;
        _message = new PlainLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        Add(_list, _message);
        BindKeys();
    }

    public SetupModel Model { get; }

    /// <summary>The line the cursor is on.</summary>
    public int Selected => _list.Value?.SelectedCell.Y ?? 0;

    /// <summary>What the dialog says on its last line (a refused change), or empty.</summary>
    public string Message => _message.Text ?? "";

    public override string Hint => "↑↓ choose  Space ← →: change  F7 F8: move column  Enter/F10: apply and save  Esc: cancel";
    public override View FocusTarget => _list;

    private void BindKeys()
    {
        Bind(() => Close?.Invoke(), Key.Esc, KeyText.K('q'));
        Bind(() =>
        {
            var chosen = Model.ToConfig();
            Close?.Invoke();
            _save(chosen);
        }, Key.Enter, Key.F10);
        // Arrows up and down, paging: not bound here, so the list moves the cursor.
        Bind(() => Change(0), Key.Space, KeyText.K(' '));
        Bind(() => Change(-1), Key.CursorLeft, KeyText.K('-'));
        Bind(() => Change(+1), Key.CursorRight, KeyText.K('+'));
        Bind(() => MoveColumn(-1), Key.F7);
        Bind(() => MoveColumn(+1), Key.F8);
    }

    private void Change(int step)
    {
        Say(Model.Change(Selected, step) ?? "");
        Refresh(Selected);
    }

    private void MoveColumn(int by)
    {
        Say("");
        Refresh(Model.Move(Selected, by));
    }

    private void Say(string text)
    {
        if (_message.Text != text) _message.Text = text;
    }

    private void Refresh(int select)
    {
        _list.Update();
        _list.SetSelection(0, Math.Clamp(select, 0, Model.Lines.Count - 1), false, null);
        _list.EnsureCursorIsVisible();
        _list.SetNeedsDraw();
    }

    private sealed class LinesSource(SetupModel model) : ITableSource
    {
        public object this[int row, int col] => row >= 0 && row < model.Lines.Count ? model.Lines[row].Text : "";
        public string[] ColumnNames => ["setting"];
        public int Columns => 1;
        public int Rows => model.Lines.Count;
    }
}
