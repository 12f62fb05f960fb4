using System.Globalization;
using System.Text;

namespace Ctop.Ui;

/// <summary>
/// Makes untrusted text safe to paint: a process can name itself (or a cgroup directory) with ESC sequences, newlines or
/// bidi overrides that would move the cursor, recolour or reorder the screen. C0, DEL and C1 controls and Unicode format
/// characters (bidi overrides, zero-width joiners) become visible escapes. Display only: it does not round-trip.
/// (The CLI's text output has its own helper; the two could merge into one place later.)
/// </summary>
public static class TextEscape
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i])) i++;
        if (i == text.Length) return text; // the common case allocates nothing
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c)) { sb.Append(c); continue; }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\x1b': sb.Append("\\e"); break;
                default:
                    if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
        || (c > 0x9f && char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}

/// <summary>
/// A Label that shows its text as is. Terminal.Gui's Label treats the first '_' as a hotkey marker and hides it, which
/// would eat the underscore of "memory.limit_in_bytes" or of a cgroup path.
/// </summary>
public sealed class PlainLabel : Terminal.Gui.Views.Label
{
    public PlainLabel() => HotKeySpecifier = (System.Text.Rune)0xFFFF;
}
