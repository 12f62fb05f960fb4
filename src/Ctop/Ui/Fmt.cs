using System.Globalization;
using Ctop.Model;

namespace Ctop.Ui;

/// <summary>Cell layout helpers: bars, times, wrapping, cutting. Sizes, cores and percents are <see cref="Units"/>.</summary>
public static class Fmt
{
    public const string None = Units.None;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Used over limit: "0.30/0.50", "120M/256M^"; the limit is a dash when there is none.</summary>
    public static string OfLimit(string used, string limit) => used + "/" + limit;

    /// <summary>A bar of <paramref name="width"/> cells, '|' per filled cell (readable without colour), clamped at full.</summary>
    public static string Bar(double? percent, int width)
    {
        if (width <= 0) return "";
        if (percent is not double p || double.IsNaN(p)) return new string(' ', width);
        int filled = (int)Math.Round(Math.Clamp(p, 0, 100) / 100 * width, MidpointRounding.AwayFromZero);
        if (p > 0 && filled == 0) filled = 1; // any use is visible
        return new string('|', filled) + new string(' ', width - filled);
    }

    /// <summary>htop's TIME+: minutes:seconds.hundredths, hours once past an hour ("2h05:03").</summary>
    public static string CpuTime(double seconds)
    {
        if (seconds < 0 || double.IsNaN(seconds)) return None;
        long hundredths = (long)(seconds * 100);
        long totalSeconds = hundredths / 100;
        long h = totalSeconds / 3600, m = totalSeconds / 60 % 60, s = totalSeconds % 60;
        return h > 0
            ? string.Create(C, $"{h}h{m:00}:{s:00}")
            : string.Create(C, $"{m}:{s:00}.{hundredths % 100:00}");
    }

    /// <summary>Uptime as top prints it: "3 days, 04:12", or "04:12" under a day.</summary>
    public static string Uptime(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        string hm = string.Create(C, $"{t.Hours:00}:{t.Minutes:00}");
        return t.Days switch { 0 => hm, 1 => "1 day, " + hm, var d => string.Create(C, $"{d} days, {hm}") };
    }

    public static string Seconds(TimeSpan interval) => interval.TotalSeconds.ToString("0.0##", C) + "s";

    /// <summary>Word-wraps to <paramref name="width"/> cells; a word longer than a line (a long path) is broken inside.</summary>
    public static List<string> Wrap(string text, int width)
    {
        width = Math.Max(1, width);
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r", "").Split('\n'))
        {
            var line = new System.Text.StringBuilder();
            foreach (var word in paragraph.Split(' '))
            {
                string w = word;
                if (line.Length > 0 && line.Length + 1 + w.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                while (w.Length > width)
                {
                    if (line.Length > 0) { lines.Add(line.ToString()); line.Clear(); }
                    lines.Add(w[..width]);
                    w = w[width..];
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(w);
            }
            lines.Add(line.ToString());
        }
        return lines;
    }

    /// <summary>Cuts to <paramref name="width"/> cells, marking the cut with '…'.</summary>
    public static string Fit(string text, int width)
    {
        if (width <= 0) return "";
        if (text.Length <= width) return text;
        return width == 1 ? "…" : text[..(width - 1)] + "…";
    }
}
