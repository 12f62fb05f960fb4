using System.Collections.Frozen;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>From memory.stat: the inactive page cache a working set subtracts (v1 total_inactive_file, v2 inactive_file) and v1's hierarchical_memory_limit (null when unlimited).</summary>
public readonly record struct MemoryStatTotals(ulong? InactiveFileBytes, ulong? HierarchicalMemoryLimitBytes);

/// <summary>
/// <c>memory.stat</c>, v1 or v2: flat keyed, keys added over time, so parsed by name. Well-known keys have typed
/// accessors (null = key not printed by this kernel/version); <see cref="TryGet"/> reaches any key.
/// Byte amounts end in Bytes; page-fault counters are event counts.
/// v1 prints local keys, then hierarchical_*_limit, then total_* (cgroup + descendants); v2 keys are hierarchical.
/// </summary>
public sealed class MemoryStat
{
    // The well-known keys: each name is the kernel's key in PascalCase, so the table cannot drift from the enum.
    private enum K
    {
        Anon, File, Kernel, KernelStack, Pagetables, Percpu, Sock, Vmalloc, Shmem,
        FileMapped, FileDirty, FileWriteback, Swapcached, AnonThp,
        InactiveAnon, ActiveAnon, InactiveFile, ActiveFile, Unevictable,
        SlabReclaimable, SlabUnreclaimable, Slab, Pgfault, Pgmajfault,
        WorkingsetRefaultAnon, WorkingsetRefaultFile,
        Cache, Rss, RssHuge, MappedFile, Dirty, Writeback, Swap,
        HierarchicalMemoryLimit, HierarchicalMemswLimit,
        TotalCache, TotalRss, TotalRssHuge, TotalShmem, TotalMappedFile, TotalDirty,
        TotalWriteback, TotalSwap, TotalInactiveAnon, TotalActiveAnon, TotalInactiveFile,
        TotalActiveFile, TotalUnevictable, TotalPgfault, TotalPgmajfault,
        Count,
    }

    private static readonly FrozenDictionary<string, int> Index = Enum.GetValues<K>()
        .Where(k => k != K.Count)
        .ToFrozenDictionary(k => SnakeCase(k.ToString()), k => (int)k, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> IndexBySpan =
        Index.GetAlternateLookup<ReadOnlySpan<char>>();

    private const int MaxKnownKeyLength = 32;

    private readonly ulong?[] _values;
    // The file's bytes, kept for TryGet on keys without an accessor (rare; avoids a string per key per parse).
    private readonly byte[] _raw;

    private MemoryStat(ulong?[] values, byte[] raw) { _values = values; _raw = raw; }

    public static MemoryStat Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static MemoryStat Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var values = new ulong?[(int)K.Count];
        var r = new FlatKeyed(data, filePath);
        Span<char> keyChars = stackalloc char[MaxKnownKeyLength];
        bool any = false;
        while (r.MoveNext())
        {
            any = true;
            // Every memory.stat value is a u64 on all kernels; a non-number means corruption, even for unknown keys.
            ulong v = r.U64();
            var key = r.Key;
            if (key.Length > MaxKnownKeyLength) continue;
            for (int i = 0; i < key.Length; i++) keyChars[i] = (char)key[i];
            if (IndexBySpan.TryGetValue(keyChars[..key.Length], out int idx)) values[idx] = v;
        }
        if (!any) throw CgroupParse.Error(filePath, 1, default, "empty file, expected 'key value' lines");
        return new MemoryStat(values, data.ToArray());
    }

    /// <summary>
    /// Only what a sampler needs every time from memory.stat, without building a MemoryStat: the inactive page cache
    /// of <see cref="InactiveFileBytes"/> and v1's hierarchical_memory_limit (null when not printed, or unlimited).
    /// Validates like <see cref="Parse(ReadOnlySpan{byte}, string)"/>: every value must be a number.
    /// </summary>
    internal static MemoryStatTotals ParseTotals(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath, CgroupVersion version)
    {
        var inactiveKey = version == CgroupVersion.V1 ? "total_inactive_file"u8 : "inactive_file"u8;
        ulong? inactive = null, limit = null;
        var r = new FlatKeyed(data, filePath);
        bool any = false;
        while (r.MoveNext())
        {
            any = true;
            ulong v = r.U64();
            if (r.Is(inactiveKey)) inactive = v;
            else if (r.Is("hierarchical_memory_limit"u8)) limit = v >= CgroupValue.UnlimitedThreshold ? null : v;
        }
        if (!any) throw CgroupParse.Error(filePath, 1, default, "empty file, expected 'key value' lines");
        return new MemoryStatTotals(inactive, limit);
    }

    /// <summary>Any key's value, e.g. "workingset_nodereclaim" or "zswap"; false when the kernel did not print it.</summary>
    public bool TryGet(string key, out ulong value)
    {
        if (Index.TryGetValue(key, out int idx))
        {
            value = _values[idx].GetValueOrDefault();
            return _values[idx].HasValue;
        }
        var r = new FlatKeyed(_raw, "memory.stat");
        while (r.MoveNext())
        {
            if (r.Key.Length == key.Length && Utf8.Decode(r.Key) == key)
            {
                value = r.U64();
                return true;
            }
        }
        value = 0;
        return false;
    }

    /// <summary>All keys in file order (allocates; for detail views and diagnostics).</summary>
    public IEnumerable<KeyValuePair<string, ulong>> Entries()
    {
        var list = new List<KeyValuePair<string, ulong>>();
        var r = new FlatKeyed(_raw, "memory.stat");
        while (r.MoveNext()) list.Add(KeyValuePair.Create(Utf8.Decode(r.Key), r.U64()));
        return list;
    }

    /// <summary>
    /// The inactive page cache to subtract from usage for a working set: total_inactive_file on v1 (includes
    /// descendants, like usage_in_bytes), inactive_file on v2 (already hierarchical). Same choice as cAdvisor,
    /// docker and the .NET runtime.
    /// </summary>
    public ulong? InactiveFileBytes(CgroupVersion version) =>
        version == CgroupVersion.V1 ? Get(K.TotalInactiveFile) : Get(K.InactiveFile);

    /// <summary>usage − inactive file, floored at 0 (kubelet's container_memory_working_set_bytes); usage when unknown.</summary>
    public ulong WorkingSetBytes(ulong usageBytes, CgroupVersion version) =>
        InactiveFileBytes(version) is ulong inactive ? (inactive < usageBytes ? usageBytes - inactive : 0) : usageBytes;

    private ulong? Get(K k) => _values[(int)k];

    /// <summary>"KernelStack" → "kernel_stack".</summary>
    internal static string SnakeCase(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>The keys with typed accessors (for tests and diagnostics).</summary>
    internal static IEnumerable<string> KnownKeyNames => Index.Keys;

    public ulong? AnonBytes => Get(K.Anon);
    public ulong? FileBytes => Get(K.File);
    public ulong? KernelBytes => Get(K.Kernel);
    public ulong? KernelStackBytes => Get(K.KernelStack);
    public ulong? PagetablesBytes => Get(K.Pagetables);
    public ulong? PercpuBytes => Get(K.Percpu);
    public ulong? SockBytes => Get(K.Sock);
    public ulong? VmallocBytes => Get(K.Vmalloc);
    public ulong? ShmemBytes => Get(K.Shmem);
    public ulong? FileMappedBytes => Get(K.FileMapped);
    public ulong? FileDirtyBytes => Get(K.FileDirty);
    public ulong? FileWritebackBytes => Get(K.FileWriteback);
    public ulong? SwapcachedBytes => Get(K.Swapcached);
    public ulong? AnonThpBytes => Get(K.AnonThp);
    public ulong? InactiveAnonBytes => Get(K.InactiveAnon);
    public ulong? ActiveAnonBytes => Get(K.ActiveAnon);
    // inactive_file itself: InactiveFileBytes(CgroupVersion.V2) (a property of that name would clash with the method).
    public ulong? ActiveFileBytes => Get(K.ActiveFile);
    public ulong? UnevictableBytes => Get(K.Unevictable);
    public ulong? SlabReclaimableBytes => Get(K.SlabReclaimable);
    public ulong? SlabUnreclaimableBytes => Get(K.SlabUnreclaimable);
    public ulong? SlabBytes => Get(K.Slab);
    public ulong? Pgfault => Get(K.Pgfault);
    public ulong? Pgmajfault => Get(K.Pgmajfault);
    public ulong? WorkingsetRefaultAnon => Get(K.WorkingsetRefaultAnon);
    public ulong? WorkingsetRefaultFile => Get(K.WorkingsetRefaultFile);

    // v1 local keys
    public ulong? CacheBytes => Get(K.Cache);
    public ulong? RssBytes => Get(K.Rss);
    public ulong? RssHugeBytes => Get(K.RssHuge);
    public ulong? MappedFileBytes => Get(K.MappedFile);
    public ulong? DirtyBytes => Get(K.Dirty);
    public ulong? WritebackBytes => Get(K.Writeback);
    public ulong? SwapBytes => Get(K.Swap);

    /// <summary>v1: the effective limit (minimum over ancestors); Missing on v2.</summary>
    public LimitRead HierarchicalMemoryLimitBytes => Limit(K.HierarchicalMemoryLimit);
    /// <summary>v1: effective memory+swap limit; Missing without swap accounting or on v2.</summary>
    public LimitRead HierarchicalMemswLimitBytes => Limit(K.HierarchicalMemswLimit);

    // v1 hierarchical (cgroup + descendants)
    public ulong? TotalCacheBytes => Get(K.TotalCache);
    public ulong? TotalRssBytes => Get(K.TotalRss);
    public ulong? TotalRssHugeBytes => Get(K.TotalRssHuge);
    public ulong? TotalShmemBytes => Get(K.TotalShmem);
    public ulong? TotalMappedFileBytes => Get(K.TotalMappedFile);
    public ulong? TotalDirtyBytes => Get(K.TotalDirty);
    public ulong? TotalWritebackBytes => Get(K.TotalWriteback);
    public ulong? TotalSwapBytes => Get(K.TotalSwap);
    public ulong? TotalInactiveAnonBytes => Get(K.TotalInactiveAnon);
    public ulong? TotalActiveAnonBytes => Get(K.TotalActiveAnon);
    public ulong? TotalInactiveFileBytes => Get(K.TotalInactiveFile);
    public ulong? TotalActiveFileBytes => Get(K.TotalActiveFile);
    public ulong? TotalUnevictableBytes => Get(K.TotalUnevictable);
    public ulong? TotalPgfault => Get(K.TotalPgfault);
    public ulong? TotalPgmajfault => Get(K.TotalPgmajfault);

    private LimitRead Limit(K k) =>
        Get(k) is ulong v ? (v >= CgroupValue.UnlimitedThreshold ? LimitRead.Unlimited : LimitRead.Of(v)) : LimitRead.Missing;
}
