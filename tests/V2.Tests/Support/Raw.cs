using System.Globalization;
using System.Text.Json;

namespace V2.Tests.Support;

/// <summary>
/// Deliberately naive readings of kernel files and ctop's JSON, independent of ProcFs, so a test compares two
/// implementations rather than one with itself.
/// </summary>
public static class Raw
{
    /// <summary>"key value" lines (cpu.stat, memory.stat, memory.events).</summary>
    public static Dictionary<string, ulong> KeyValues(string text) => text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .ToDictionary(p => p[0], p => ulong.Parse(p[1], CultureInfo.InvariantCulture));

    /// <summary>A single number, or null for "max".</summary>
    public static ulong? Limit(string text) =>
        text.Trim() == "max" ? null : ulong.Parse(text.Trim(), CultureInfo.InvariantCulture);

    /// <summary>cpu.max: "QUOTA PERIOD", quota "max" when unlimited.</summary>
    public static (long? Quota, long Period) CpuMax(string text)
    {
        var p = text.Trim().Split(' ');
        return (p[0] == "max" ? null : long.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture));
    }

    /// <summary>A PSI file: "some avg10=… avg60=… avg300=… total=…" lines by kind.</summary>
    public static Dictionary<string, Dictionary<string, double>> Pressure(string text) => text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .ToDictionary(p => p[0], p => p.Skip(1).Select(f => f.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture)));

    /// <summary>io.stat: per device "MAJ:MIN key=value …", summed over devices.</summary>
    public static Dictionary<string, ulong> IoTotals(string text)
    {
        var sum = new Dictionary<string, ulong>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            foreach (var f in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                var kv = f.Split('=');
                sum[kv[0]] = sum.GetValueOrDefault(kv[0]) + ulong.Parse(kv[1], CultureInfo.InvariantCulture);
            }
        return sum;
    }

    /// <summary>How many CPUs a list such as "0-1" or "0,2-3" names.</summary>
    public static int CpuCount(string text) => text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Sum(r => r.Split('-') is [var a, var b] ? int.Parse(b, CultureInfo.InvariantCulture) - int.Parse(a, CultureInfo.InvariantCulture) + 1 : 1);

    // ---- ctop's JSON

    public static JsonElement Cgroup(JsonDocument frame, string path)
    {
        foreach (var c in frame.RootElement.GetProperty("cgroups").EnumerateArray())
            if (c.GetProperty("path").GetString() == path) return c;
        throw new Xunit.Sdk.XunitException($"ctop's frame has no cgroup {path}; it has: " +
            string.Join(", ", frame.RootElement.GetProperty("cgroups").EnumerateArray().Select(c => c.GetProperty("path").GetString())));
    }

    public static JsonElement At(this JsonElement e, string dotted)
    {
        foreach (var name in dotted.Split('.')) e = e.GetProperty(name);
        return e;
    }

    public static long? Long(this JsonElement e, string dotted) =>
        e.At(dotted) is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() : null;

    public static double? Double(this JsonElement e, string dotted) =>
        e.At(dotted) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    public static string? String(this JsonElement e, string dotted) =>
        e.At(dotted) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
}
