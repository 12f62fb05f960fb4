namespace ProcFs.Cgroups;

/// <summary>
/// <c>cpu.stat</c>, v1 or v2, with every time normalised to nanoseconds (v2 prints µs, v1 ns).
/// Usage keys exist only on v2; the bandwidth counters only where the cpu controller is enabled
/// (and nr_bursts/burst on newer kernels), so every value is nullable: null = not reported.
/// </summary>
public readonly record struct CpuStat
{
    public CgroupVersion Version { get; init; }
    public ulong? UsageNs { get; init; }
    public ulong? UserNs { get; init; }
    public ulong? SystemNs { get; init; }
    public ulong? NiceNs { get; init; }
    public ulong? NrPeriods { get; init; }
    public ulong? NrThrottled { get; init; }
    public ulong? ThrottledNs { get; init; }
    public ulong? NrBursts { get; init; }
    public ulong? BurstNs { get; init; }

    public static CpuStat Parse(ReadOnlySpan<byte> data, string filePath, CgroupVersion version) => Parse(data, filePath.AsSpan(), version);

    internal static CpuStat Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath, CgroupVersion version)
    {
        var r = new FlatKeyed(data, filePath);
        var s = new CpuStat { Version = version };
        while (r.MoveNext())
        {
            if (r.Is("nr_periods"u8)) s = s with { NrPeriods = r.U64() };
            else if (r.Is("nr_throttled"u8)) s = s with { NrThrottled = r.U64() };
            else if (r.Is("nr_bursts"u8)) s = s with { NrBursts = r.U64() };
            else if (version == CgroupVersion.V2)
            {
                if (r.Is("usage_usec"u8)) s = s with { UsageNs = r.UsecAsNs() };
                else if (r.Is("user_usec"u8)) s = s with { UserNs = r.UsecAsNs() };
                else if (r.Is("system_usec"u8)) s = s with { SystemNs = r.UsecAsNs() };
                else if (r.Is("nice_usec"u8)) s = s with { NiceNs = r.UsecAsNs() };
                else if (r.Is("throttled_usec"u8)) s = s with { ThrottledNs = r.UsecAsNs() };
                else if (r.Is("burst_usec"u8)) s = s with { BurstNs = r.UsecAsNs() };
            }
            else
            {
                if (r.Is("throttled_time"u8)) s = s with { ThrottledNs = r.U64() };
                else if (r.Is("burst_time"u8)) s = s with { BurstNs = r.U64() };
            }
        }
        // The keys every kernel prints for that version; their absence means a truncated or foreign file.
        if (version == CgroupVersion.V2)
        {
            if (s.UsageNs is null) throw r.MissingKey("usage_usec");
            if (s.UserNs is null) throw r.MissingKey("user_usec");
            if (s.SystemNs is null) throw r.MissingKey("system_usec");
        }
        else
        {
            if (s.NrPeriods is null) throw r.MissingKey("nr_periods");
            if (s.NrThrottled is null) throw r.MissingKey("nr_throttled");
            if (s.ThrottledNs is null) throw r.MissingKey("throttled_time");
        }
        return s;
    }
}
