using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>One line of /proc/PID/mountinfo, paths unescaped.</summary>
public sealed record MountInfoEntry(
    int MountId,
    int ParentId,
    string MajorMinor,
    string Root,
    string MountPoint,
    string MountOptions,
    IReadOnlyList<string> OptionalFields,
    string FsType,
    string Source,
    string SuperOptions)
{
    public IEnumerable<string> SuperOptionList => SuperOptions.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS".
/// The optional fields vary in number, so everything after them is indexed from the lone "-".
/// </summary>
public static class MountInfo
{
    public static IReadOnlyList<MountInfoEntry> Parse(ReadOnlySpan<byte> data, string filePath)
    {
        var result = new List<MountInfoEntry>();
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (Utf8.Trim(line).IsEmpty) continue;
            result.Add(ParseLine(line, filePath, lines.Number));
        }
        return result;
    }

    internal static MountInfoEntry ParseLine(ReadOnlySpan<byte> line, string filePath, int lineNumber)
    {
        var rest = line;
        if (!Utf8.NextToken(ref rest, out var id) || !Utf8.TryParseInt32(id, out int mountId))
            throw ProcFsFormatException.At(filePath, lineNumber, line, "expected a mount ID");
        if (!Utf8.NextToken(ref rest, out var parent) || !Utf8.TryParseInt32(parent, out int parentId))
            throw ProcFsFormatException.At(filePath, lineNumber, line, "expected a parent mount ID");
        if (!Utf8.NextToken(ref rest, out var majMin) || majMin.IndexOf((byte)':') < 0)
            throw ProcFsFormatException.At(filePath, lineNumber, line, "expected MAJ:MIN");
        if (!Utf8.NextToken(ref rest, out var root) || !Utf8.NextToken(ref rest, out var mountPoint) || !Utf8.NextToken(ref rest, out var options))
            throw ProcFsFormatException.At(filePath, lineNumber, line, "expected root, mount point and options");
        var optional = new List<string>();
        while (true)
        {
            if (!Utf8.NextToken(ref rest, out var tok))
                throw ProcFsFormatException.At(filePath, lineNumber, line, "missing the '-' separator");
            if (tok.SequenceEqual("-"u8)) break;
            optional.Add(Utf8.Decode(tok));
        }
        if (!Utf8.NextToken(ref rest, out var fsType) || !Utf8.NextToken(ref rest, out var source))
            throw ProcFsFormatException.At(filePath, lineNumber, line, "expected filesystem type and source after '-'");
        Utf8.NextToken(ref rest, out var super);
        return new MountInfoEntry(mountId, parentId, Utf8.Decode(majMin), Unescape(root), Unescape(mountPoint), Utf8.Decode(options),
            optional, Unescape(fsType), Unescape(source), Utf8.Decode(super));
    }

    /// <summary>The kernel escapes space, tab, newline and backslash as \ooo octal.</summary>
    public static string Unescape(ReadOnlySpan<byte> s)
    {
        if (s.IndexOf((byte)'\\') < 0) return Utf8.Decode(s);
        var bytes = new byte[s.Length];
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                bytes[n++] = (byte)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                i += 3;
            }
            else bytes[n++] = s[i];
        }
        return Utf8.Decode(bytes.AsSpan(0, n));
    }

    private static bool IsOctal(ReadOnlySpan<byte> s, int at) =>
        at + 2 < s.Length && s[at] is >= (byte)'0' and <= (byte)'3' && s[at + 1] is >= (byte)'0' and <= (byte)'7' && s[at + 2] is >= (byte)'0' and <= (byte)'7';
}
