namespace ProcFs.Parsing;

/// <summary>
/// A kernel file did not have the shape its reader expects. The message always names the file,
/// the 1-based line and the offending text, so a report from a strange kernel is actionable.
/// </summary>
public sealed class ProcFsFormatException : FormatException
{
    public ProcFsFormatException(string filePath, int lineNumber, string line, string reason)
        : base($"{filePath}:{lineNumber}: {reason}: '{Escape(line)}'")
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        Line = line;
        Reason = reason;
    }

    public string FilePath { get; }
    public int LineNumber { get; }
    public string Line { get; }
    public string Reason { get; }

    public static ProcFsFormatException At(string filePath, int lineNumber, ReadOnlySpan<byte> line, string reason) =>
        new(filePath, lineNumber, Utf8.Decode(line), reason);

    /// <summary>Keeps control characters of hostile input (names can hold escapes) out of messages.</summary>
    internal static string Escape(string s)
    {
        var sb = new System.Text.StringBuilder(Math.Min(s.Length, 200));
        foreach (var c in s.Length > 200 ? s[..200] : s)
        {
            if (c == '\\') sb.Append("\\\\");
            else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2"));
            else sb.Append(c);
        }
        if (s.Length > 200) sb.Append('…');
        return sb.ToString();
    }
}
