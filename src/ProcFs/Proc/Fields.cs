using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>Whitespace tokenizing shared by the /proc parsers (status values mix tabs and spaces).</summary>
internal static class Fields
{
    /// <summary>Next token separated by runs of spaces or tabs; false when none is left.</summary>
    public static bool Next(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> token)
    {
        int i = 0;
        while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)'\t')) i++;
        rest = rest[i..];
        if (rest.IsEmpty) { token = default; return false; }
        int end = rest.IndexOfAny((byte)' ', (byte)'\t');
        if (end < 0) { token = rest; rest = default; }
        else { token = rest[..end]; rest = rest[end..]; }
        return true;
    }

    /// <summary>"N kB" → bytes; a bare "N" is taken as-is (meminfo's HugePages_* counts). Any other unit fails.</summary>
    public static bool TryParseKb(ReadOnlySpan<byte> value, bool requireKb, out ulong bytes)
    {
        bytes = 0;
        var rest = value;
        if (!Next(ref rest, out var number) || !Utf8.TryParseUInt64(number, out ulong n)) return false;
        if (!Next(ref rest, out var unit))
        {
            if (requireKb) return false;
            bytes = n;
            return true;
        }
        if (!unit.SequenceEqual("kB"u8) || Next(ref rest, out _)) return false;
        if (n > ulong.MaxValue / 1024) return false;
        bytes = n * 1024;
        return true;
    }
}
