using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// Shared shapes of cgroup files: single-value files and flat-keyed "key value" files. Paths are spans so the
/// reader can pass its reused path buffer; the string is only materialised when an error is thrown.
/// </summary>
internal static class CgroupParse
{
    public static ProcFsFormatException Error(ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line, string reason) =>
        ProcFsFormatException.At(filePath.ToString(), lineNumber, line, reason);

    /// <summary>
    /// The value of a one-line file, trimmed; trailing blank lines are allowed, any further content is an error.
    /// Returns an empty span for an empty file so each caller can say what it expected.
    /// </summary>
    public static ReadOnlySpan<byte> SingleLine(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var lines = new LineEnumerator(data);
        if (!lines.MoveNext()) return default;
        var value = Utf8.Trim(lines.Current);
        while (lines.MoveNext())
        {
            if (!Utf8.Trim(lines.Current).IsEmpty)
                throw Error(filePath, lines.Number, lines.Current, "unexpected extra line in a single-value file");
        }
        return value;
    }

    public static ulong U64(ReadOnlySpan<byte> token, ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line, string what) =>
        Utf8.TryParseUInt64(token, out var v) ? v : throw Error(filePath, lineNumber, line, $"{what} is not an unsigned 64-bit integer");

    /// <summary>Like <see cref="U64"/> for a keyed value; the message is only built on failure (this is the hot path).</summary>
    public static ulong U64OfKey(ReadOnlySpan<byte> token, ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line, ReadOnlySpan<byte> key) =>
        Utf8.TryParseUInt64(token, out var v) ? v : throw Error(filePath, lineNumber, line, $"value of '{Utf8.Decode(key)}' is not an unsigned 64-bit integer");

    /// <summary>µs → ns, failing loudly instead of wrapping (only a corrupt file gets near 585 years).</summary>
    public static ulong UsecToNs(ulong usec, ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line) =>
        usec <= ulong.MaxValue / 1000 ? usec * 1000 : throw Error(filePath, lineNumber, line, "microsecond value too large to express in nanoseconds");
}

/// <summary>
/// Walks a flat-keyed file ("key value" per line, the kernel's cgroup convention). Blank lines are skipped;
/// a non-blank line without a value is malformed (typically a truncated file).
/// </summary>
internal ref struct FlatKeyed
{
    private LineEnumerator _lines;
    private readonly ReadOnlySpan<char> _filePath;

    public FlatKeyed(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        _lines = new LineEnumerator(data);
        _filePath = filePath;
        Line = Key = Value = default;
    }

    public ReadOnlySpan<byte> Line { get; private set; }
    public ReadOnlySpan<byte> Key { get; private set; }
    public ReadOnlySpan<byte> Value { get; private set; }
    public readonly int LineNumber => _lines.Number;

    public bool MoveNext()
    {
        while (_lines.MoveNext())
        {
            var line = Utf8.Trim(_lines.Current);
            if (line.IsEmpty) continue;
            Line = _lines.Current;
            int sep = line.IndexOfAny((byte)' ', (byte)'\t');
            if (sep < 0) throw Fail("expected 'key value'");
            Key = line[..sep];
            Value = Utf8.Trim(line[sep..]);
            return true;
        }
        return false;
    }

    public readonly bool Is(ReadOnlySpan<byte> key) => Key.SequenceEqual(key);

    public readonly ulong U64() => CgroupParse.U64OfKey(Value, _filePath, LineNumber, Line, Key);

    public readonly ulong UsecAsNs() => CgroupParse.UsecToNs(U64(), _filePath, LineNumber, Line);

    public readonly ProcFsFormatException Fail(string reason) => CgroupParse.Error(_filePath, LineNumber, Line, reason);

    /// <summary>A key every supported kernel prints was absent: reported on the line after the last one read.</summary>
    public readonly ProcFsFormatException MissingKey(string key) =>
        CgroupParse.Error(_filePath, LineNumber + 1, default, $"missing key '{key}' (truncated file?)");
}
