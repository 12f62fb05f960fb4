using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>/proc/uptime: seconds since boot, and idle seconds summed over all CPUs (lxcfs: single-CPU style).</summary>
public readonly record struct Uptime(double UptimeSeconds, double IdleSeconds)
{
    public static Uptime Parse(ReadOnlySpan<byte> data, string filePath) =>
        TryParse(data, out var u) ? u : throw ProcFsFormatException.At(filePath, 1, Utf8.Trim(data), "expected 'uptime idle'");

    public static bool TryParse(ReadOnlySpan<byte> data, out Uptime uptime)
    {
        uptime = default;
        var rest = Utf8.Trim(data);
        if (!Fields.Next(ref rest, out var t) || !Utf8.TryParseDouble(t, out double up)) return false;
        if (!Fields.Next(ref rest, out t) || !Utf8.TryParseDouble(t, out double idle)) return false;
        uptime = new Uptime(up, idle);
        return true;
    }
}
