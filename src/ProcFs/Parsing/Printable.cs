using System.Globalization;
using System.Text;

namespace ProcFs.Parsing;

/// <summary>
/// The one escaper for text that came from outside (process names and command lines, cgroup paths, file contents, user
/// input echoed in messages): every surface — batch text, the dashboard, error messages — prints the same bytes. Any
/// process can name itself (comm, argv) or a cgroup with ESC, BEL, newlines, OSC sequences or bidi overrides; written raw
/// they would rewrite the user's screen or forge rows. Controls become \n, \t, \r or \xHH (ESC is \x1b, BEL \x07, C1
/// controls \x80–\x9f); invisible format/bidi characters, line and paragraph separators, and an unpaired surrogate become
/// \uHHHH. Invalid UTF-8 never reaches here as bytes: the readers decode it to U+FFFD, which prints as itself. Other
/// text, ')' and '\' included, is kept as it is (systemd's "\x2d" in unit names stays readable). Display only: it does not
/// round-trip.
/// </summary>
public static class Printable
{
    public static string Escape(string? s)
    {
        if (string.IsNullOrEmpty(s)) return s ?? "";
        int i = 0;
        while (i < s.Length && !NeedsEscape(s, i)) i++;
        if (i == s.Length) return s; // the common case allocates nothing

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

    /// <summary>Escaped and cut to <paramref name="max"/> characters of the input, the cut marked with '…' (for messages).</summary>
    public static string Escape(string? s, int max) =>
        s is not null && s.Length > max ? Escape(s[..max]) + "…" : Escape(s);

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
}
