using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// CPU bandwidth limit: v2 <c>cpu.max</c> ("max 100000" / "20000 100000") or v1
/// <c>cpu.cfs_quota_us</c> + <c>cpu.cfs_period_us</c>. QuotaUsec null = no limit.
/// </summary>
public readonly record struct CpuMax(long? QuotaUsec, long PeriodUsec)
{
    public const long DefaultPeriodUsec = 100_000;

    public bool IsUnlimited => QuotaUsec is null;

    /// <summary>quota / period, e.g. 0.2 for "20000 100000"; null when unlimited.</summary>
    public double? Cores => QuotaUsec is long q && PeriodUsec > 0 ? (double)q / PeriodUsec : null;

    public static CpuMax Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    /// <summary>v1: combines the contents of cpu.cfs_quota_us (any negative = unlimited) and cpu.cfs_period_us.</summary>
    public static CpuMax FromCfs(ReadOnlySpan<byte> quotaData, string quotaPath, ReadOnlySpan<byte> periodData, string periodPath) =>
        new(ParseCfsQuota(quotaData, quotaPath), ParseCfsPeriod(periodData, periodPath));

    /// <summary>v1 from already-read values; a negative quota means unlimited.</summary>
    public static CpuMax FromCfs(long quotaUsec, long periodUsec) => new(quotaUsec < 0 ? null : quotaUsec, periodUsec);

    public override string ToString() =>
        QuotaUsec is long q ? FormattableString.Invariant($"{q} {PeriodUsec}") : FormattableString.Invariant($"max {PeriodUsec}");

    internal static CpuMax Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var line = CgroupParse.SingleLine(data, filePath);
        var rest = line;
        if (!Utf8.NextToken(ref rest, out var quota)) throw CgroupParse.Error(filePath, 1, line, "empty file, expected '$MAX $PERIOD'");
        if (!Utf8.NextToken(ref rest, out var period)) throw CgroupParse.Error(filePath, 1, line, "expected '$MAX $PERIOD', period missing");
        if (Utf8.NextToken(ref rest, out _)) throw CgroupParse.Error(filePath, 1, line, "expected '$MAX $PERIOD', found more fields");
        long? q = null;
        if (!quota.SequenceEqual("max"u8))
        {
            if (!Utf8.TryParseInt64(quota, out var qv) || qv < 0) throw CgroupParse.Error(filePath, 1, line, "quota is not 'max' or a non-negative integer");
            q = qv;
        }
        return new CpuMax(q, Period(period, filePath, line));
    }

    internal static long? ParseCfsQuota(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var v = CgroupParse.SingleLine(data, filePath);
        if (v.IsEmpty) throw CgroupParse.Error(filePath, 1, v, "empty file, expected a quota in µs");
        if (!Utf8.TryParseInt64(v, out var q)) throw CgroupParse.Error(filePath, 1, v, "quota is not an integer");
        // The kernel stores any negative write as "unlimited" and prints -1.
        return q < 0 ? null : q;
    }

    internal static long ParseCfsPeriod(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var v = CgroupParse.SingleLine(data, filePath);
        if (v.IsEmpty) throw CgroupParse.Error(filePath, 1, v, "empty file, expected a period in µs");
        return Period(v, filePath, v);
    }

    private static long Period(ReadOnlySpan<byte> token, ReadOnlySpan<char> filePath, ReadOnlySpan<byte> line) =>
        Utf8.TryParseInt64(token, out var p) && p > 0 ? p : throw CgroupParse.Error(filePath, 1, line, "period is not a positive integer");
}
