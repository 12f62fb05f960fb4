using System.Diagnostics.CodeAnalysis;
using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// /proc/meminfo, every line by its key ("Active(anon)" included). "N kB" values are bytes; lines without
/// a unit (HugePages_Total …) are counts, kept as printed. Typed properties are null when the kernel
/// (or lxcfs) does not print the key, e.g. MemAvailable before 3.14.
/// </summary>
public sealed class MemInfo
{
    private readonly Dictionary<string, ulong> _values;

    private MemInfo(Dictionary<string, ulong> values) => _values = values;

    public ulong? MemTotal => Get("MemTotal");
    public ulong? MemFree => Get("MemFree");
    public ulong? MemAvailable => Get("MemAvailable");
    public ulong? Buffers => Get("Buffers");
    public ulong? Cached => Get("Cached");
    public ulong? SwapTotal => Get("SwapTotal");
    public ulong? SwapFree => Get("SwapFree");

    /// <summary>The value of <paramref name="key"/>; throws KeyNotFoundException when absent.</summary>
    public ulong this[string key] => _values[key];

    public bool TryGet(string key, out ulong value) => _values.TryGetValue(key, out value);

    public IReadOnlyDictionary<string, ulong> All => _values;

    private ulong? Get(string key) => _values.TryGetValue(key, out ulong v) ? v : null;

    public static MemInfo Parse(ReadOnlySpan<byte> data, string filePath)
    {
        var values = new Dictionary<string, ulong>(64, StringComparer.Ordinal);
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (Utf8.Trim(line).IsEmpty) continue;
            if (!Utf8.SplitKeyValue(line, (byte)':', out var key, out var value))
                throw ProcFsFormatException.At(filePath, lines.Number, line, "expected 'Key: N kB'");
            if (!Fields.TryParseKb(value, requireKb: false, out ulong bytes))
                throw ProcFsFormatException.At(filePath, lines.Number, line, "expected a number, optionally followed by kB");
            values[Utf8.Decode(key)] = bytes;
        }
        return new MemInfo(values);
    }

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out MemInfo? memInfo)
    {
        try
        {
            memInfo = Parse(data, "");
            return true;
        }
        catch (ProcFsFormatException)
        {
            memInfo = null;
            return false;
        }
    }
}
