using System.Drawing;
using System.Globalization;
using Terminal.Gui.Drawing;
using Terminal.Gui.Text;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Ctop.Ui;

/// <summary>
/// A TableView that paints its rows itself, cell by cell, and writes a cell only where the screen does not already show
/// it. Terminal.Gui's own painting measured every cell with a grapheme enumerator (twice), wrote every cell twice (a
/// blank line, then the row) and cleared the viewport first: at 2,000 processes that was most of the dashboard's CPU.
/// Here a cell's width is its length when it is ASCII (Terminal.Gui measures only the rest), each cell is written at
/// most once, and a cell whose characters and colours the driver's screen buffer already holds at its place is not
/// written at all. The buffer is the memory of what was drawn: whatever drew over the table in between (an overlay, a
/// resize, a clear) shows there as a difference, so it cannot leave stale text behind. Keys, selection, scrolling and
/// mouse stay the TableView's; the layout of the columns is the TableView's (header or widest visible cell, the style's
/// minimum and maximum, the last column filling the line) so that a click lands on the column it shows.
/// </summary>
internal sealed class CellTableView(ITableSource table) : TableView(table)
{
    private string[] _cells = [];
    private int[] _x = [], _w = [], _min = [], _reserve = [];
    private Alignment[] _align = [];
    private string?[] _indicator = [];

    /// <summary>The colours of a row by its index; null: the view's.</summary>
    public Func<int, Scheme?>? RowScheme { get; set; }

    /// <summary>Cells written and skipped by the last draw (tests and the performance notes read them).</summary>
    public int Written { get; private set; }
    public int Skipped { get; private set; }

    /// <summary>Every line of the viewport is painted below (the lines after the last row blank), so no clear is needed.</summary>
    protected override bool OnClearingViewport() => true;

    /// <summary>The x of each visible column and its width without the gap after it, as drawn last.</summary>
    public int ColumnAt(int x)
    {
        for (int c = 0; c < _x.Length && c < (Table?.Columns ?? 0); c++)
            if (x >= _x[c] && (c == (Table?.Columns ?? 0) - 1 || x < _x[c] + _w[c] + 1)) return c;
        return -1;
    }

    protected override bool OnDrawingContent(DrawContext? context)
    {
        Written = Skipped = 0;
        var t = Table;
        int width = Viewport.Width, height = Viewport.Height;
        if (t is null || width <= 0 || height <= 0) return true;
        int cols = t.Columns;
        int header = Style.ShowHeaders ? 1 : 0;
        int first = Math.Max(0, RowOffset);
        int rows = Math.Clamp(t.Rows - first, 0, Math.Max(0, height - header));
        if (_cells.Length < rows * cols) _cells = new string[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                _cells[r * cols + c] = t[first + r, c] as string ?? t[first + r, c]?.ToString() ?? "";
        var names = t.ColumnNames;
        Layout(names, cols, rows, width);

        var scheme = GetScheme();
        var normal = Enabled ? scheme.Normal : scheme.Disabled;
        int line = 0;
        if (header == 1)
        {
            var hs = Style.HeaderScheme ?? scheme;
            var ha = HasFocus ? hs.Focus : hs.Normal;
            for (int c = 0; c < cols; c++)
            {
                Span(_x[c], line, names[c], _w[c], _align[c], ha, -1, c);
                if (c < cols - 1) Span(_x[c] + _w[c], line, "", 1, Alignment.Start, normal);
            }
            line++;
        }
        bool focused = HasFocus;
        for (int r = 0; r < rows; r++, line++)
        {
            int row = first + r;
            var rs = RowScheme?.Invoke(row) ?? scheme;
            var a = FullRowSelect && IsSelected(0, row) ? (focused ? rs.Focus : rs.Active) : (Enabled ? rs.Normal : rs.Disabled);
            for (int c = 0; c < cols; c++)
                Span(_x[c], line, _cells[r * cols + c], c < cols - 1 ? _w[c] + 1 : _w[c], _align[c], a, _w[c], c);
        }
        for (; line < height; line++) Span(0, line, "", Math.Max(width, _x.Length > 0 && cols > 0 ? _x[cols - 1] + _w[cols - 1] : 0), Alignment.Start, normal);
        for (int i = 0; i < rows * cols; i++) _cells[i] = null!; // hold no row's strings between frames
        return true;
    }

    /// <summary>Widths as Terminal.Gui's TableView lays them out, measuring ASCII text by its length.</summary>
    private void Layout(string[] names, int cols, int rows, int width)
    {
        if (_x.Length < cols) { _x = new int[cols]; _w = new int[cols]; _min = new int[cols]; _reserve = new int[cols + 1]; _align = new Alignment[cols]; _indicator = new string?[cols]; }
        for (int c = 0; c < cols; c++)
        {
            var style = Style.GetColumnStyleIfAny(c);
            int ceiling = Math.Max(1, Math.Min(MaxCellWidth, style?.MaxWidth ?? int.MaxValue));
            int min = Math.Max(1, ColumnsOf(names[c]));
            if (style is { MinWidth: > 0 } && style.MinWidth > min) min = style.MinWidth;
            if (MinCellWidth > min) min = MinCellWidth;
            _min[c] = Math.Min(min, ceiling);
            _align[c] = style?.Alignment ?? Alignment.Start;
            _indicator[c] = style?.TruncationIndicator;
        }
        _reserve[cols] = 0;
        for (int c = cols - 1; c >= 0; c--) _reserve[c] = _min[c] + (c < cols - 1 ? 1 : 0) + _reserve[c + 1];
        int x = 0;
        for (int c = 0; c < cols; c++)
        {
            var style = Style.GetColumnStyleIfAny(c);
            int w = ColumnsOf(names[c]);
            for (int r = 0; r < rows; r++) w = Math.Max(w, ColumnsOf(_cells[r * cols + c]));
            if (style is not null)
            {
                if (w > style.MaxWidth) w = style.MaxWidth;
                if (w < style.MinWidth) w = style.MinWidth;
            }
            if (w > MaxCellWidth) w = MaxCellWidth;
            if (MinCellWidth > 0 && w < MinCellWidth) w = MinCellWidth > MaxCellWidth ? MaxCellWidth : MinCellWidth;
            if (c == cols - 1)
            {
                int rest = width - x;
                if (Style.ExpandLastColumn && w < rest) w = rest;
            }
            else
            {
                int avail = width - x - _reserve[c + 1] - 1;
                if (w > avail && avail >= _min[c]) w = avail;
            }
            _x[c] = x;
            _w[c] = w;
            x += w + 1;
        }
    }

    /// <summary>Printable ASCII only: one column per character, nothing for Terminal.Gui to measure (TextLines too).</summary>
    internal static bool Ascii(string s)
    {
        foreach (char ch in s) if (ch < ' ' || ch > '~') return false;
        return true;
    }

    /// <summary>Columns on screen: the length of printable ASCII, Terminal.Gui's measure for anything else.</summary>
    private static int ColumnsOf(string s) => Ascii(s) ? s.Length : s.GetColumns();

    /// <summary>
    /// One cell: <paramref name="text"/> fitted into <paramref name="textWidth"/> columns (aligned, or cut with an
    /// ellipsis as the TableView cuts), padded with spaces to <paramref name="span"/>, at (x, line) of the content, in
    /// <paramref name="a"/>; skipped when the screen shows exactly that already. Printable ASCII that fits goes straight
    /// into the driver's buffer (<see cref="WriteAscii"/>); the rest through AddStr.
    /// </summary>
    private void Span(int x, int line, string text, int span, Alignment align, Attribute a, int textWidth = -1, int col = -1)
    {
        if (textWidth < 0) textWidth = span;
        int vx = x - Viewport.X;
        if (span <= 0 || vx >= Viewport.Width || vx + span <= 0) return;
        bool fits = Ascii(text) && text.Length <= textWidth && vx >= 0;
        if (fits && Shows(vx, line, text, textWidth, span, align, a)) { Skipped++; return; }
        Written++;
        if (fits && WriteAscii(vx, line, text, textWidth, span, align, a)) return;
        SetAttribute(a);
        Move(vx, line);
        AddStr(fits ? Pad(text, text.Length, textWidth, span, align) : Fit(text, textWidth, span, align, col >= 0 ? _indicator[col] : null));
    }

    /// <summary>The screen row and first column of (vx, line) of the viewport, and how many of span columns fit the screen.</summary>
    private Cell[,]? Target(int vx, int line, int span, out int y, out int x, out int n)
    {
        y = x = n = 0;
        var contents = App?.Driver?.Contents;
        if (contents is null) return null;
        var at = ViewportToScreen(new Point(vx, line));
        int rows = contents.GetLength(0), cols = contents.GetLength(1);
        if (at.Y < 0 || at.Y >= rows || at.X < 0 || at.X >= cols) return null;
        (y, x, n) = (at.Y, at.X, Math.Min(span, cols - at.X));
        return contents;
    }

    /// <summary>The character of an ASCII cell at offset k of its span: the text aligned in its width, spaces around.</summary>
    private static char At(string text, int k, int lead) => k - lead >= 0 && k - lead < text.Length ? text[k - lead] : ' ';

    private static int Lead(string text, int textWidth, Alignment align)
    {
        int pad = textWidth - text.Length;
        return align switch { Alignment.End => pad, Alignment.Center or Alignment.Fill => pad / 2, _ => 0 };
    }

    /// <summary>Does the driver's screen hold this ASCII cell at this place, character and colour?</summary>
    private bool Shows(int vx, int line, string text, int textWidth, int span, Alignment align, Attribute a)
    {
        if (Target(vx, line, span, out int y, out int x, out int n) is not { } contents) return false;
        int lead = Lead(text, textWidth, align);
        for (int k = 0; k < n; k++)
        {
            var cell = contents[y, x + k];
            var g = cell.Grapheme;
            if (g is null || g.Length != 1 || g[0] != At(text, k, lead) || cell.Attribute != a) return false;
        }
        return true;
    }

    private static readonly string[] s_chars = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

    /// <summary>
    /// Writes an ASCII cell into the driver's buffer as AddStr would (character, colour, the cell and its line dirty),
    /// without its per-character grapheme walk, width measure, lock and clip test: only where the clip holds the whole
    /// span and the cells it overwrites, and the one before, are single ASCII characters (no wide glyph to repair).
    /// False: not done, AddStr's turn.
    /// </summary>
    private bool WriteAscii(int vx, int line, string text, int textWidth, int span, Alignment align, Attribute a)
    {
        var driver = App?.Driver;
        if (driver is null || Target(vx, line, span, out int y, out int x, out int n) is not { } contents) return false;
        var dirty = driver.GetOutputBuffer().DirtyLines;
        if (y >= dirty.Length || driver.Clip is not { } clip || !clip.Contains(new Rectangle(x, y, n, 1))) return false;
        for (int k = x > 0 ? -1 : 0; k < n; k++)
            if (contents[y, x + k].Grapheme is not { Length: 1 } g || g[0] > '~') return false;
        int lead = Lead(text, textWidth, align);
        for (int k = 0; k < n; k++) contents[y, x + k] = new Cell(a, true, s_chars[At(text, k, lead)]);
        dirty[y] = true;
        return true;
    }

    private static string Pad(string text, int textCols, int textWidth, int span, Alignment align)
    {
        int pad = Math.Max(0, textWidth - textCols);
        int lead = align switch { Alignment.End => pad, Alignment.Center or Alignment.Fill => pad / 2, _ => 0 };
        int trail = Math.Max(0, span - lead - textCols);
        if (lead == 0 && trail == 0) return text;
        return string.Create(lead + text.Length + trail, (text, lead), static (dst, s) =>
        {
            dst[..s.lead].Fill(' ');
            s.text.AsSpan().CopyTo(dst[s.lead..]);
            dst[(s.lead + s.text.Length)..].Fill(' ');
        });
    }

    /// <summary>Text wider than its column, or not ASCII: cut by grapheme as the TableView does, then padded.</summary>
    private static string Fit(string text, int textWidth, int span, Alignment align, string? indicator)
    {
        int cols = text.GetColumns();
        if (cols < textWidth + 1) return Pad(text, cols, textWidth, span, align);
        indicator ??= "";
        int iw = indicator.GetColumns();
        int avail = textWidth + 1;
        bool use = iw > 0 && iw < avail - 1;
        int reserve = use ? iw : 0, remaining = avail;
        var sb = new System.Text.StringBuilder();
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            string g = e.GetTextElement();
            int w = g.GetColumns();
            if (remaining - w - reserve <= 0) break;
            sb.Append(g);
            remaining -= w;
        }
        if (use) sb.Append(indicator);
        string cut = sb.ToString();
        return Pad(cut, cut.GetColumns(), textWidth, span, Alignment.Start);
    }
}
