using System.Globalization;

namespace Ctop.Output;

/// <summary>Plain numbers and truncation for the text output. Escaping is <c>Printable</c>; sizes, cores and percents are <c>Units</c>.</summary>
public static class Display
{
    /// <summary>What the tables print for unknown or unlimited.</summary>
    public const string None = Ctop.Model.Units.None;

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
