using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>
/// A TableView showing a <see cref="TableModel{TRow}"/>. It keeps the selection by the row's key (cgroup path, PID) and
/// the scroll offset across refreshes, and sorts on a header click. The TableView itself never sorts.
/// </summary>
public sealed class TableBinding<TRow>
{
    private bool _applying;
    private int? _shown;

    public TableBinding(TableModel<TRow> model, Func<TRow, Scheme?>? rowScheme = null)
    {
        Model = model;
        _view = new CellTableView(new ModelTableSource<TRow>(model)) { FullRowSelect = true, CollectionNavigator = null };
        var s = View.Style;
        s.ShowHorizontalHeaderOverline = false;
        s.ShowHorizontalHeaderUnderline = false;
        s.ShowHorizontalBottomLine = false;
        s.ShowVerticalCellLines = false;
        s.ShowVerticalHeaderLines = false;
        s.AlwaysShowHeaders = true;
        StyleColumns();
        if (rowScheme is not null)
            _view.RowScheme = i => i >= 0 && i < Model.Rows.Count ? rowScheme(Model.Rows[i]) : null;
        View.ValueChanged += (_, _) =>
        {
            if (_applying) return;
            var row = SelectedIndex;
            SelectedKey = row >= 0 && row < Model.Rows.Count ? Model.KeyOf(Model.Rows[row]) : null;
            SelectionChanged?.Invoke();
        };
        View.MouseEvent += (_, m) =>
        {
            if (!m.Flags.HasFlag(MouseFlags.LeftButtonClicked) || m.Position is not { } p) return;
            View.ScreenToCell(p, out int? header);
            if (header is int col && col >= 0 && col < Model.Visible.Count)
            {
                Model.SortBy(Model.Visible[col]);
                Apply();
                m.Handled = true;
            }
        };
    }

    public TableModel<TRow> Model { get; }
    public TableView View => _view;
    private readonly CellTableView _view;
    private int _count = -1;

    private int _styledLayout = -1;

    /// <summary>Column styles go by position on screen: set them again when the visible columns change.</summary>
    private void StyleColumns()
    {
        if (_styledLayout == Model.LayoutVersion) return;
        var s = View.Style;
        s.ColumnStyles.Clear();
        for (int i = 0; i < Model.Visible.Count; i++)
        {
            var column = Model.Columns[Model.Visible[i]];
            var cs = s.GetOrCreateColumnStyle(i);
            cs.MinWidth = column.Header.Length + 1; // room for the sort arrow, so headers do not jump
            if (column.AlignRight) cs.Alignment = Alignment.End;
        }
        _styledLayout = Model.LayoutVersion;
    }

    /// <summary>The selected row's key; survives refreshes, re-sorting and rows coming and going.</summary>
    public string? SelectedKey { get; private set; }

    public int SelectedIndex => View.Value?.SelectedCell.Y ?? -1;

    public TRow? Selected => SelectedIndex is int i && i >= 0 && i < Model.Rows.Count ? Model.Rows[i] : default;

    /// <summary>Raised when the user moves the selection (not when a refresh restores it).</summary>
    public event Action? SelectionChanged;

    /// <summary>Selects a row by index (search jumps here) and remembers its key.</summary>
    public void Select(int index)
    {
        if (index < 0 || index >= Model.Rows.Count) return;
        SelectedKey = Model.KeyOf(Model.Rows[index]);
        Apply();
        SelectionChanged?.Invoke();
    }

    /// <summary>
    /// Shows the model's current rows: the row with the remembered key stays selected wherever it moved; if it is gone, the
    /// selection stays at the same position. The scroll offset is kept unless the selection would leave the screen. When
    /// the rows on screen would read exactly as they do now (same cells, selection, scroll and count), nothing is redrawn:
    /// drawing a table is most of what the dashboard costs, and on a quiet host most frames change nothing visible.
    /// </summary>
    public void Apply()
    {
        _applying = true;
        try
        {
            int offset = View.RowOffset;
            int old = SelectedIndex;
            int count = Model.Rows.Count;
            int idx = SelectedKey is null ? -1 : Model.IndexOf(SelectedKey);
            if (idx < 0) idx = Math.Clamp(old, 0, Math.Max(0, count - 1));
            bool relaid = _styledLayout != Model.LayoutVersion;
            StyleColumns();
            // Nothing on screen changed (same rows in view, same values, same selection): skip the redraw.
            int? shows = !relaid && count > 0 && idx == old ? OnScreen(offset, idx, count) : null;
            if (shows is int same && same == _shown) return;
            // Only values changed (same rows count, selection, scroll and columns): redraw the cells. The TableView's own
            // Update re-measures every visible cell through Terminal.Gui's grapheme width, which is what this avoids.
            if (shows is not null && count == _count)
            {
                View.SetNeedsDraw();
                _shown = shows;
                return;
            }
            _count = count;
            View.Update();
            if (count == 0) { _shown = null; return; }
            View.RowOffset = Math.Clamp(offset, 0, count - 1);
            View.SetSelection(0, idx, false, null);
            View.EnsureCursorIsVisible();
            SelectedKey = Model.KeyOf(Model.Rows[idx]);
            View.SetNeedsDraw();
            _shown = OnScreen(View.RowOffset, idx, count);
        }
        finally { _applying = false; }
    }

    /// <summary>A hash of what the table shows: the visible rows' cells, the header's sort mark, selection, scroll, count.
    /// Null before the first layout, when the visible rows are not known.</summary>
    private int? OnScreen(int offset, int selected, int count)
    {
        int height = View.Viewport.Height;
        if (height <= 0) return null;
        var h = new HashCode();
        h.Add(count);
        h.Add(selected);
        h.Add(offset);
        h.Add(Model.SortColumn);
        h.Add(Model.Descending);
        h.Add(View.Viewport.Width);
        for (int r = Math.Max(0, offset), end = Math.Min(count, offset + height); r < end; r++)
            for (int c = 0; c < Model.Columns.Count; c++)
                h.Add(Model.Cell(r, c));
        return h.ToHashCode();
    }
}
