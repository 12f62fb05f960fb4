using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// Maps comm bytes to one string each, so re-sampling the same processes decodes no new strings. A fixed,
/// open-addressed table: memory stays bounded however many processes come and go (a full probe window
/// evicts, and the evicted name is simply decoded again next time). Not thread-safe, like ProcReader.
/// </summary>
public sealed class CommInterner
{
    private const int Probes = 8;
    private readonly Entry[] _table;
    private readonly int _mask;

    /// <param name="capacity">Rounded up to a power of two; a few times the expected distinct names.</param>
    public CommInterner(int capacity = 4096)
    {
        int size = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));
        _table = new Entry[size];
        _mask = size - 1;
    }

    public string Intern(ReadOnlySpan<byte> bytes)
    {
        var hc = new HashCode();
        hc.AddBytes(bytes);
        int hash = hc.ToHashCode();
        int start = hash & _mask;
        for (int i = 0; i < Probes; i++)
        {
            ref var e = ref _table[(start + i) & _mask];
            if (e.Key is null) return Store(ref e, hash, bytes);
            if (e.Hash == hash && bytes.SequenceEqual(e.Key)) return e.Value!;
        }
        return Store(ref _table[start], hash, bytes);
    }

    private static string Store(ref Entry e, int hash, ReadOnlySpan<byte> bytes)
    {
        e.Hash = hash;
        e.Key = bytes.ToArray();
        e.Value = Utf8.Decode(bytes);
        return e.Value;
    }

    private struct Entry
    {
        public int Hash;
        public byte[]? Key;
        public string? Value;
    }
}
