namespace ProcFs.Parsing;

/// <summary>
/// A kernel file did not have the shape its reader expects. The message always names the file,
/// the 1-based line and the offending text, so a report from a strange kernel is actionable.
/// </summary>
public sealed class ProcFsFormatException : FormatException
{
    public ProcFsFormatException(string filePath, int lineNumber, string line, string reason)
        : base($"{filePath}:{lineNumber}: {reason}: '{Printable.Escape(line, 200)}'")
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
}
