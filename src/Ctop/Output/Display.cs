using System.Globalization;
using System.Text;

namespace Ctop.Output;

/// <summary>Formatting shared by the text output (and later the dashboard): escaping, sizes, truncation.</summary>
public static class Display
{
    /// <summary>What the tables print for unknown or unlimited.</summary>
    public const string None = "-";

    private static readonly string[] Units = ["B", "K", "M", "G", "T", "P", "E"];

    /// <summary>
    /// Makes a kernel-supplied string safe to print on a terminal. Any process can name itself (comm, argv)
    /// or a cgroup with ESC, BEL, newlines or OSC sequences; written raw they would rewrite the user's screen
    /// or forge rows. Controls become \n, \t, \r or \xHH; invisible format/bidi characters and separators
    /// become \uHHHH, and so does an unpaired surrogate (it cannot be encoded).
    /// </summary>
    public static string Escape(string s)
    {
        int i = 0;
        while (i < s.Length && !NeedsEscape(s, i)) i++;
        if (i == s.Length) return s;

        var sb = new StringBuilder(s.Length + 8);
        sb.Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
                continue;
            }
            if (!NeedsEscape(s, i)) { sb.Append(c); continue; }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c <= 0xFF) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(string s, int i)
    {
        char c = s[i];
        if (c < 0x20 || c is >= '\x7f' and <= '\x9f') return true;
        if (c < 0xA0) return false;
        if (char.IsHighSurrogate(c)) return !(i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]));
        if (char.IsLowSurrogate(c)) return !(i > 0 && char.IsHighSurrogate(s[i - 1]));
        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }

    /// <summary>Bytes in 1024-based units with one decimal, as top and htop print them: 512B, 45.6M, 1.5G.</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return None;
        if (b < 1024 && b > -1024) return b.ToString(CultureInfo.InvariantCulture) + "B";
        double v = b;
        int unit = 0;
        while (Math.Abs(v) >= 1024 && unit < Units.Length - 1) { v /= 1024; unit++; }
        return v.ToString("0.0", CultureInfo.InvariantCulture) + Units[unit];
    }

    public static string Number(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : None;

    public static string Number(long? value) =>
        value is { } v ? v.ToString(CultureInfo.InvariantCulture) : None;

    /// <summary>Keeps the start (commands: the program name matters most), marking the cut with "...".</summary>
    public static string TruncateEnd(string s, int width)
    {
        if (s.Length <= width) return s;
        if (width <= 3) return s[..width];
        int keep = width - 3;
        if (char.IsHighSurrogate(s[keep - 1])) keep--; // never split a pair
        return string.Concat(s.AsSpan(0, keep), "...");
    }

    /// <summary>Keeps the end (paths: the leaf names the cgroup), marking the cut with "...".</summary>
    public static string TruncateStart(string s, int width)
    {
        if (s.Length <= width) return s;
        if (width <= 3) return s[^width..];
        int start = s.Length - (width - 3);
        if (char.IsLowSurrogate(s[start])) start++;
        return string.Concat("...", s.AsSpan(start));
    }
}
