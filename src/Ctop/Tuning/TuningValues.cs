using ProcFs.Parsing;
using System.Globalization;

namespace Ctop.Tuning;

/// <summary>
/// What the user typed cannot mean any value or combination (garbage, a negative size, --cpus with --cpu-quota):
/// a usage error (exit 2). Values that are well-formed but outside what the kernel accepts are left to
/// <see cref="ProcFs.Cgroups.CgroupWriter"/>, which knows the kernel's rules and refuses with a CgroupWriteException.
/// </summary>
public sealed class TuningUsageException(string message) : Exception(message);

/// <summary>
/// Parses limits in the forms users bring from docker and systemd, and formats them back.
/// Each parser checks syntax, sign, zero where it cannot mean anything, and overflow; ranges that depend on the
/// kernel (quota ≥ 1 ms, pids ≤ PID_MAX_LIMIT, usage vs limit) are the writer's to refuse.
/// </summary>
public static class TuningValues
{
    /// <summary>The CFS period docker and systemd use when given only a CPU count or percentage.</summary>
    public const long DefaultPeriodUsec = 100_000;

    private static readonly (string Suffix, int Power)[] SizeUnits = [("k", 1), ("m", 2), ("g", 3), ("t", 4), ("p", 5)];

    /// <summary>
    /// <c>--cpus</c>: cores as docker takes them ("0.5", "2"), a percentage of one CPU as systemd's CPUQuota= ("50%",
    /// "150%"), or "max". Returns the quota in µs per <see cref="DefaultPeriodUsec"/> (rounded to the µs), null for max.
    /// </summary>
    public static long? ParseCpus(string text, string flag = "--cpus")
    {
        string t = text.Trim();
        if (IsMax(t)) return null;
        bool percent = t.EndsWith('%');
        string number = percent ? t[..^1].TrimEnd() : t;
        string example = "examples: 0.5, 2, 50%, 150%, max";
        decimal value = ParseDecimal(number, flag, text, percent ? "a percentage of one CPU" : "a number of CPUs", example);
        decimal cores = percent ? value / 100 : value;
        if (cores == 0)
            throw new TuningUsageException($"{flag} {Shown(text)}: zero CPUs would stop every task in the cgroup; use max for no limit");
        decimal quota = Math.Round(cores * DefaultPeriodUsec, MidpointRounding.AwayFromZero);
        if (quota > long.MaxValue)
            throw new TuningUsageException($"{flag} {Shown(text)}: too large");
        return (long)quota;
    }

    /// <summary><c>--cpu-quota</c>: µs per period, or "max"/"-1" (docker's unlimited). Null for unlimited.</summary>
    public static long? ParseQuotaUsec(string text, string flag = "--cpu-quota")
    {
        string t = text.Trim();
        if (IsMax(t) || t == "-1") return null;
        long v = ParseInteger(t, flag, text, "microseconds per period", "examples: 50000, max", maxAllowed: true);
        if (v == 0) throw new TuningUsageException($"{flag} {Shown(text)}: a zero quota would stop every task in the cgroup; use max for no limit");
        return v;
    }

    /// <summary><c>--cpu-period</c>: µs, a positive integer.</summary>
    public static long ParsePeriodUsec(string text, string flag = "--cpu-period")
    {
        long v = ParseInteger(text.Trim(), flag, text, "microseconds", "example: 100000");
        if (v == 0) throw new TuningUsageException($"{flag} {Shown(text)}: the period must be positive (the kernel takes 1000–1000000 µs)");
        return v;
    }

    /// <summary>
    /// Sizes as docker takes them, 1024-based: "256m", "256M", "256MiB", "1G", "1.5g", "512k", "4096", "4096b", or "max".
    /// Null for max. <paramref name="minusOneIsMax"/> accepts docker's "-1" (unlimited, e.g. --memory-swap -1).
    /// Fractions are allowed with a unit and rounded down to the byte; zero is refused (a zero limit is never what is meant).
    /// </summary>
    public static long? ParseSize(string text, string flag = "--memory", bool minusOneIsMax = false)
    {
        string t = text.Trim();
        if (IsMax(t) || (minusOneIsMax && t == "-1")) return null;
        string example = "examples: 256m, 1.5G, 512k, 1048576, max";
        int end = 0;
        while (end < t.Length && (char.IsAsciiDigit(t[end]) || t[end] is '.' or '-' or '+')) end++;
        string number = t[..end], unit = t[end..].TrimStart().ToLowerInvariant();
        // The number first, so "lots" reads as "not a size" rather than as a bad unit.
        decimal value = ParseDecimal(number, flag, text, "a size", example);
        int power;
        if (unit is "" or "b") power = 0;
        else
        {
            string u = unit.EndsWith('b') ? unit[..^1] : unit;
            if (u.EndsWith('i')) u = u[..^1];
            int i = Array.FindIndex(SizeUnits, s => s.Suffix == u);
            if (i < 0) throw new TuningUsageException($"{flag} {Shown(text)}: '{Shown(unit)}' is not a size unit (k, m, g, t, p; 1024-based); {example}");
            power = SizeUnits[i].Power;
        }
        if (power == 0 && decimal.Truncate(value) != value)
            throw new TuningUsageException($"{flag} {Shown(text)}: a byte count must be whole (use a unit for fractions, e.g. 1.5G)");
        decimal bytes;
        try { bytes = decimal.Floor(value * Pow1024(power)); }
        catch (OverflowException) { throw TooLarge(flag, text); }
        if (bytes > long.MaxValue) throw TooLarge(flag, text);
        if (bytes == 0)
            throw new TuningUsageException($"{flag} {Shown(text)}: a zero limit is never what is meant; use max for no limit");
        return (long)bytes;
    }

    /// <summary><c>--pids</c>: a task count ≥ 1, or "max"/"-1" (docker's --pids-limit -1). Null for max.</summary>
    public static long? ParsePids(string text, string flag = "--pids")
    {
        string t = text.Trim();
        if (IsMax(t) || t == "-1") return null;
        long v = ParseInteger(t, flag, text, "a number of tasks", "examples: 100, max", maxAllowed: true);
        if (v == 0) throw new TuningUsageException($"{flag} {Shown(text)}: 0 would make every fork fail; use max for no limit");
        return v;
    }

    /// <summary><c>--cpu-weight</c>: the v2 scale 1–10000 (default 100); on v1 it becomes cpu.shares.</summary>
    public static int ParseWeight(string text, string flag = "--cpu-weight")
    {
        long v = ParseInteger(text.Trim(), flag, text, "a weight", "the weight is 1–10000, default 100");
        if (v is < 1 or > 10_000)
            throw new TuningUsageException($"{flag} {Shown(text)}: the weight must be between 1 and 10000 (default 100)");
        return (int)v;
    }

    /// <summary>
    /// Exact size text that <see cref="ParseSize"/> reads back to the same number: the largest 1024-unit that divides
    /// the value ("256M", "1536M", "4097").
    /// </summary>
    public static string FormatSize(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        for (int i = SizeUnits.Length - 1; i >= 0; i--)
        {
            long unit = (long)Pow1024(SizeUnits[i].Power);
            if (bytes != 0 && bytes % unit == 0)
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + SizeUnits[i].Suffix.ToUpperInvariant();
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>quota/period as cores, as exact as the µs allow ("0.5", "1.25", "0.00001").</summary>
    public static string FormatCores(long quotaUsec, long periodUsec) =>
        ((decimal)quotaUsec / periodUsec).ToString("0.##########", CultureInfo.InvariantCulture);

    /// <summary>The value as typed, escaped: it is quoted in a one-line message, where no control character belongs.</summary>
    private static string Shown(string text) => Printable.Escape(text);

    private static bool IsMax(string t) => t.Equals("max", StringComparison.OrdinalIgnoreCase);

    private static decimal Pow1024(int power)
    {
        decimal r = 1;
        for (int i = 0; i < power; i++) r *= 1024;
        return r;
    }

    private static TuningUsageException TooLarge(string flag, string text) =>
        new($"{flag} {Shown(text)}: too large (at most {long.MaxValue} bytes)");

    /// <summary>Plain decimal digits with at most one point; a sign, exponent, or thousands separator is refused.</summary>
    private static decimal ParseDecimal(string number, string flag, string text, string what, string example)
    {
        if (number.StartsWith('-') && IsDecimal(number[1..]))
            throw new TuningUsageException($"{flag} {Shown(text)}: must not be negative; use max for no limit");
        if (!IsDecimal(number))
            throw new TuningUsageException($"{flag} {Shown(text)}: not {what}; {example}");
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal v))
            throw new TuningUsageException($"{flag} {Shown(text)}: too large");
        return v;
    }

    private static bool IsDecimal(string s)
    {
        int digits = 0, points = 0;
        foreach (char c in s)
        {
            if (char.IsAsciiDigit(c)) digits++;
            else if (c == '.') points++;
            else return false;
        }
        return digits > 0 && points <= 1;
    }

    private static long ParseInteger(string t, string flag, string text, string what, string example, bool maxAllowed = false)
    {
        bool negative = t.StartsWith('-');
        string digits = negative ? t[1..] : t;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
            throw new TuningUsageException($"{flag} {Shown(text)}: not {what} (a whole number); {example}");
        if (negative) throw new TuningUsageException($"{flag} {Shown(text)}: must not be negative{(maxAllowed ? "; use max for no limit" : "")}");
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new TuningUsageException($"{flag} {Shown(text)}: too large");
    }
}
