using System.Buffers.Text;
using System.Text;

namespace ProcFs.Parsing;

/// <summary>Span helpers for the ASCII formats the kernel prints. Nothing here allocates except Decode.</summary>
public static class Utf8
{
    public static string Decode(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsSpace(s[a])) a++;
        while (b > a && IsSpace(s[b - 1])) b--;
        return s[a..b];
    }

    public static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    public static bool TryParseUInt64(ReadOnlySpan<byte> s, out ulong value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length && s.Length > 0;

    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length && s.Length > 0;

    public static bool TryParseInt32(ReadOnlySpan<byte> s, out int value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length && s.Length > 0;

    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length && s.Length > 0;

    /// <summary>Splits off the next token separated by <paramref name="sep"/> runs; false when none is left.</summary>
    public static bool NextToken(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> token, byte sep = (byte)' ')
    {
        int i = 0;
        while (i < rest.Length && rest[i] == sep) i++;
        rest = rest[i..];
        if (rest.IsEmpty) { token = default; return false; }
        int end = rest.IndexOf(sep);
        if (end < 0) { token = rest; rest = default; }
        else { token = rest[..end]; rest = rest[(end + 1)..]; }
        return true;
    }

    /// <summary>"key value" / "Key:\tvalue" lines: splits at the first separator run.</summary>
    public static bool SplitKeyValue(ReadOnlySpan<byte> line, byte sep, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        int i = line.IndexOf(sep);
        if (i <= 0) { key = default; value = default; return false; }
        key = line[..i];
        value = Trim(line[(i + 1)..]);
        return true;
    }
}

/// <summary>Enumerates the lines of a file's bytes with 1-based numbers, for error messages.</summary>
public ref struct LineEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private bool _done;

    public LineEnumerator(ReadOnlySpan<byte> data) { _rest = data; _done = data.IsEmpty; Current = default; Number = 0; }

    public ReadOnlySpan<byte> Current { get; private set; }
    public int Number { get; private set; }

    public LineEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_done) return false;
        int nl = _rest.IndexOf((byte)'\n');
        if (nl < 0)
        {
            Current = _rest;
            _done = true;
            if (Current.IsEmpty) return false;
        }
        else
        {
            Current = _rest[..nl];
            _rest = _rest[(nl + 1)..];
            if (_rest.IsEmpty) _done = true;
        }
        if (!Current.IsEmpty && Current[^1] == (byte)'\r') Current = Current[..^1];
        Number++;
        return true;
    }
}
