namespace ProcFs.Cgroups;

/// <summary>
/// v2 <c>memory.events</c> (hierarchical unless mounted with memory_localevents) and <c>memory.events.local</c>:
/// event counts. oom_group_kill appeared in 5.16, so it is null on older kernels.
/// </summary>
public readonly record struct MemoryEvents(ulong Low, ulong High, ulong Max, ulong Oom, ulong OomKill, ulong? OomGroupKill)
{
    public static MemoryEvents Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static MemoryEvents Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var r = new FlatKeyed(data, filePath);
        ulong? low = null, high = null, max = null, oom = null, oomKill = null, groupKill = null;
        while (r.MoveNext())
        {
            if (r.Is("low"u8)) low = r.U64();
            else if (r.Is("high"u8)) high = r.U64();
            else if (r.Is("max"u8)) max = r.U64();
            else if (r.Is("oom"u8)) oom = r.U64();
            else if (r.Is("oom_kill"u8)) oomKill = r.U64();
            else if (r.Is("oom_group_kill"u8)) groupKill = r.U64();
        }
        return new MemoryEvents(
            low ?? throw r.MissingKey("low"),
            high ?? throw r.MissingKey("high"),
            max ?? throw r.MissingKey("max"),
            oom ?? throw r.MissingKey("oom"),
            oomKill ?? throw r.MissingKey("oom_kill"),
            groupKill);
    }
}

/// <summary>v1 <c>memory.oom_control</c>. oom_kill (count of OOM kills) exists since 4.13, so it is nullable.</summary>
public readonly record struct MemoryOomControl(bool OomKillDisable, bool UnderOom, ulong? OomKill)
{
    public static MemoryOomControl Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static MemoryOomControl Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var r = new FlatKeyed(data, filePath);
        bool? disable = null, under = null;
        ulong? kills = null;
        while (r.MoveNext())
        {
            if (r.Is("oom_kill_disable"u8)) disable = Flag(ref r);
            else if (r.Is("under_oom"u8)) under = Flag(ref r);
            else if (r.Is("oom_kill"u8)) kills = r.U64();
        }
        return new MemoryOomControl(disable ?? throw r.MissingKey("oom_kill_disable"), under ?? throw r.MissingKey("under_oom"), kills);
    }

    private static bool Flag(ref FlatKeyed r) => r.U64() switch
    {
        0 => false,
        1 => true,
        _ => throw r.Fail("expected 0 or 1"),
    };
}

/// <summary><c>pids.events</c> (v1 and v2): max = number of forks refused because of pids.max.</summary>
public readonly record struct PidsEvents(ulong Max)
{
    public static PidsEvents Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static PidsEvents Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var r = new FlatKeyed(data, filePath);
        ulong? max = null;
        // Newer kernels add keys such as max.imposed; only "max" is universal.
        while (r.MoveNext())
            if (r.Is("max"u8)) max = r.U64();
        return new PidsEvents(max ?? throw r.MissingKey("max"));
    }
}
