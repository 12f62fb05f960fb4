using System.Globalization;

namespace Ctop.Model;

/// <summary>
/// The one formatter for the figures a frame holds, so the dashboard, batch text, diagnose and tuning messages print a
/// number the same way. Fixed culture; a dash means unknown or unlimited. Exact, parseable forms for input fields are
/// <c>TuningValues.FormatSize</c>/<c>FormatCores</c>, which round-trip.
/// </summary>
public static class Units
{
    public const string None = "-";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private static readonly string[] ByteUnits = ["B", "K", "M", "G", "T", "P", "E"];

    /// <summary>1024-based, one decimal below 100 of a unit (none when it is 0) and none above: 512B, 45.6K, 1.5M, 64M, 256M, 16G.</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is not long b || b < 0) return None;
        double v = b;
        int u = 0;
        while (v >= 1024 && u < ByteUnits.Length - 1) { v /= 1024; u++; }
        if (u == 0) return b.ToString(C) + "B";
        // 1023.7K rounds to "1024K": at most four characters before the unit.
        return (v < 99.95 ? v.ToString("0.#", C) : v.ToString("0", C)) + ByteUnits[u];
    }

    /// <summary>Cores (CPU seconds per second): "0.25", "1.50", "12.0".</summary>
    public static string Cores(double? cores) =>
        cores is double c && double.IsFinite(c) ? c.ToString(c < 9.995 ? "0.00" : "0.0", C) : None;

    /// <summary>A percent: "0.5%", "12%", "100%"; <paramref name="sign"/> false leaves the '%' off (table columns headed %).</summary>
    public static string Percent(double? percent, bool sign = true) =>
        percent is double p && double.IsFinite(p) ? p.ToString(p < 9.95 ? "0.0" : "0", C) + (sign ? "%" : "") : None;

    /// <summary>The mark after a limit that an ancestor sets ("0.50^"): the batch LIMIT columns and the dashboard share it.</summary>
    public const string InheritedMark = "^";

    /// <summary>An effective limit, marked when an ancestor sets it; a dash stays a dash.</summary>
    public static string Limit(string limit, bool inherited) => inherited && limit != None ? limit + InheritedMark : limit;

    /// <summary>The one percent-of-limit rule: null when either is unknown or the limit is not positive.</summary>
    public static double? PercentOf(double? used, double? limit) =>
        used is double u && limit is double l && l > 0 ? u / l * 100 : null;

    public static double? PercentOf(long? used, long? limit) =>
        used is long u && limit is long l && l > 0 ? u * 100.0 / l : null;

    /// <summary>A process's %CPU or %MEM as top prints it: always one decimal ("0.0", "12.5", "199.0").</summary>
    public static string ProcessPercent(double? percent) =>
        percent is double p && double.IsFinite(p) ? p.ToString("0.0", C) : None;

    /// <summary>A ratio (0..1) as a percent.</summary>
    public static string Ratio(double? ratio, bool sign = true) => Percent(ratio * 100, sign);
}
