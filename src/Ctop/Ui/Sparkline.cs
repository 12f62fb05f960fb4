namespace Ctop.Ui;

/// <summary>A one-line history in block characters, scaled against a ceiling (the limit where there is one).</summary>
public static class Sparkline
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>
    /// The last <paramref name="width"/> values, oldest left. Unknown points are blanks. Without a ceiling the series'
    /// own maximum is full height. A value at or over the ceiling is a full block, so "at the limit" is visible at a glance.
    /// </summary>
    public static string Render(IReadOnlyList<double?> values, double? ceiling, int width)
    {
        if (width <= 0) return "";
        int start = Math.Max(0, values.Count - width);
        double max = ceiling is double c && c > 0 ? c : 0;
        if (max <= 0)
            for (int i = start; i < values.Count; i++) if (values[i] is double v && v > max) max = v;
        var chars = new char[Math.Min(width, values.Count - start)];
        for (int i = start; i < values.Count; i++)
        {
            char ch = ' ';
            if (values[i] is double v && !double.IsNaN(v))
            {
                double f = max > 0 ? Math.Clamp(v / max, 0, 1) : 0;
                ch = Blocks[(int)Math.Round(f * (Blocks.Length - 1))];
            }
            chars[i - start] = ch;
        }
        return new string(chars);
    }
}
