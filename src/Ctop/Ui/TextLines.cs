using Terminal.Gui.Drawing;
using Terminal.Gui.Text;
using Terminal.Gui.ViewBase;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Ctop.Ui;

/// <summary>
/// Lines of plain text (the header, the table titles, the message line) that redraw only themselves, and only the
/// characters that changed. A Label's new text lays its superview out again, and the laid-out window clears and repaints
/// every view in it, so the driver wrote all the screen's cells to the terminal whenever the header's figures moved: on a
/// quiet host, once a second, most of what the dashboard cost. Here a new text only marks this view for drawing, and a
/// cell the driver's screen buffer already shows (character and colour) is not written again. The text is shown as is
/// (no hotkey marker), cut at the view's width; lines past its height are not shown. Text hides View.Text, which stays
/// empty: the view's own text formatter has nothing to draw.
/// </summary>
internal sealed class TextLines : View
{
    private string _text = "";

    public new string Text
    {
        get => _text;
        set
        {
            value ??= "";
            if (value == _text) return;
            _text = value;
            SetNeedsDraw();
        }
    }

    /// <summary>Every cell of the viewport is written below (padded with spaces), so no clear is needed.</summary>
    protected override bool OnClearingViewport() => true;

    /// <summary>The text is drawn here, not by the view's text formatter.</summary>
    protected override bool OnDrawingText() => true;

    protected override bool OnDrawingContent(DrawContext? context)
    {
        int width = Viewport.Width, height = Viewport.Height;
        if (width <= 0 || height <= 0) return true;
        var a = Enabled ? GetScheme().Normal : GetScheme().Disabled;
        int start = 0;
        for (int y = 0; y < height; y++)
        {
            string line = "";
            if (start <= _text.Length)
            {
                int end = _text.IndexOf('\n', start);
                if (end < 0) end = _text.Length;
                line = _text[start..end];
                start = end + 1;
            }
            DrawLine(y, line, width, a);
        }
        return true;
    }

    private void DrawLine(int y, string line, int width, Attribute a)
    {
        if (!CellTableView.Ascii(line) || App?.Driver?.Contents is not { } contents)
        {
            // Wide or combining characters: the driver measures and places them.
            SetAttribute(a);
            Move(0, y);
            int cols = line.GetColumns();
            AddStr(cols >= width ? line : line + new string(' ', width - cols));
            return;
        }
        var origin = ViewportToScreen(new System.Drawing.Point(0, y));
        int rows = contents.GetLength(0), screenCols = contents.GetLength(1);
        // Runs of cells whose character or colour differ from what the screen buffer holds are written; the rest skipped.
        int x = 0;
        while (x < width)
        {
            if (Shows(contents, rows, screenCols, origin.X + x, origin.Y, At(line, x), a)) { x++; continue; }
            int run = x + 1;
            while (run < width && !Shows(contents, rows, screenCols, origin.X + run, origin.Y, At(line, run), a)) run++;
            SetAttribute(a);
            Move(x, y);
            AddStr(Slice(line, x, run));
            x = run;
        }
    }

    private static bool Shows(Cell[,] contents, int rows, int cols, int sx, int sy, char c, Attribute a)
    {
        if (sy < 0 || sy >= rows || sx < 0 || sx >= cols) return true; // off screen: nothing to write
        var cell = contents[sy, sx];
        return cell.Grapheme is { Length: 1 } g && g[0] == c && cell.Attribute == a;
    }

    private static char At(string line, int x) => x < line.Length ? line[x] : ' ';

    /// <summary>Columns [from, to) of the line padded with spaces.</summary>
    private static string Slice(string line, int from, int to)
    {
        if (to <= line.Length) return line[from..to];
        if (from >= line.Length) return new string(' ', to - from);
        return line[from..] + new string(' ', to - line.Length);
    }
}
