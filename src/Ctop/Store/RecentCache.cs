namespace Ctop.Store;

/// <summary>
/// The <c>capacity</c> entries used last (a lookup counts as a use): replay reads around its position in both directions,
/// so an entry is kept by when it was last needed, not when it was made. Not thread-safe.
/// </summary>
internal sealed class RecentCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly Dictionary<TKey, (TValue Value, long Used)> _entries = new();
    private long _clock;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var e))
        {
            _entries[key] = (e.Value, ++_clock);
            value = e.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public bool Contains(TKey key) => _entries.ContainsKey(key);

    public void Add(TKey key, TValue value)
    {
        _entries[key] = (value, ++_clock);
        if (_entries.Count <= capacity) return;
        // Evict the least recently used: a scan of a few hundred entries, far cheaper than what an entry costs to make.
        TKey oldest = key;
        long least = long.MaxValue;
        foreach (var (k, e) in _entries)
            if (e.Used < least) { least = e.Used; oldest = k; }
        _entries.Remove(oldest);
    }

    public void RemoveWhere(Func<TKey, bool> match)
    {
        foreach (var k in _entries.Keys.Where(match).ToList()) _entries.Remove(k);
    }
}
