using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>/proc/loadavg: "0.10 0.19 0.09 1/81 3842".</summary>
public readonly record struct LoadAvg(double Load1, double Load5, double Load15, int Running, int Total, int LastPid)
{
    public static LoadAvg Parse(ReadOnlySpan<byte> data, string filePath) =>
        TryParse(data, out var l) ? l
        : throw ProcFsFormatException.At(filePath, 1, Utf8.Trim(data), "expected 'load1 load5 load15 running/total lastpid'");

    public static bool TryParse(ReadOnlySpan<byte> data, out LoadAvg loadAvg)
    {
        loadAvg = default;
        var rest = Utf8.Trim(data);
        if (!Fields.Next(ref rest, out var t) || !Utf8.TryParseDouble(t, out double l1)) return false;
        if (!Fields.Next(ref rest, out t) || !Utf8.TryParseDouble(t, out double l5)) return false;
        if (!Fields.Next(ref rest, out t) || !Utf8.TryParseDouble(t, out double l15)) return false;
        if (!Fields.Next(ref rest, out t)) return false;
        int slash = t.IndexOf((byte)'/');
        if (slash < 0 || !Utf8.TryParseInt32(t[..slash], out int running) || !Utf8.TryParseInt32(t[(slash + 1)..], out int total)) return false;
        if (!Fields.Next(ref rest, out t) || !Utf8.TryParseInt32(t, out int last)) return false;
        loadAvg = new LoadAvg(l1, l5, l15, running, total, last);
        return true;
    }
}
