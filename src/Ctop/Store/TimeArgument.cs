using System.Globalization;

namespace Ctop.Store;

/// <summary>The TIME of --at, --begin and --end: ISO 8601 with an offset (2026-12-07T03:12:00+00:00, …Z), or HH:MM[:SS] today in local time.</summary>
public static class TimeArgument
{
    private static readonly string[] Clock = ["HH':'mm", "HH':'mm':'ss"];

    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset time, out string? error)
    {
        error = null;
        time = default;
        text = text.Trim();
        if (TimeOnly.TryParseExact(text, Clock, CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock))
        {
            var local = now.ToLocalTime();
            var day = new DateTime(local.Year, local.Month, local.Day, clock.Hour, clock.Minute, clock.Second, DateTimeKind.Unspecified);
            time = new DateTimeOffset(day, TimeZoneInfo.Local.GetUtcOffset(day));
            return true;
        }
        // An ISO 8601 date and time; without an offset it is local time.
        if (text.Length >= 16 && text[4] == '-' && text[10] == 'T'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal | DateTimeStyles.AllowWhiteSpaces, out time))
            return true;
        error = $"'{text}' is not a time: expected ISO 8601 (2026-12-07T03:12:00+00:00) or HH:MM[:SS] (today, local time)";
        return false;
    }
}
