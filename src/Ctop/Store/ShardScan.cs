namespace Ctop.Store;

/// <summary>
/// What one shard file holds: its valid records in order, the corrupt stretches between them, and where the valid data
/// ends. A record is valid when its header is plausible and its CRC-32 holds; after a corrupt stretch the scan looks for
/// the next record that validates, so one flipped bit costs that record, not the rest of the file.
/// </summary>
internal sealed class ShardScan
{
    public readonly record struct Entry(int Offset, int Size, byte Kind, long UtcTicks);

    public List<Entry> Entries { get; } = new();
    /// <summary>Corrupt stretches followed by a valid record: (offset, length).</summary>
    public List<(int Offset, int Length)> Corrupt { get; } = new();
    /// <summary>The end of the last valid record; bytes after it hold no valid record (a torn write, or one in progress).</summary>
    public int ValidEnd { get; private set; }
    public long StopwatchFrequency { get; private set; }
    /// <summary>Why the file is not a shard at all (no records are read then).</summary>
    public string? HeaderProblem { get; private set; }

    public static ShardScan Scan(ReadOnlySpan<byte> data)
    {
        var scan = new ShardScan();
        if (!StoreFormat.TryReadShardHeader(data, out long frequency, out var problem))
        {
            scan.HeaderProblem = problem;
            return scan;
        }
        scan.StopwatchFrequency = frequency;
        int pos = StoreFormat.ShardHeaderSize;
        scan.ValidEnd = pos;
        while (pos < data.Length)
        {
            if (StoreFormat.IsValidRecord(data[pos..], out int size))
            {
                StoreFormat.TryReadRecordHeader(data[pos..], out byte kind, out _, out _, out long ticks);
                scan.Entries.Add(new Entry(pos, size, kind, ticks));
                pos += size;
                scan.ValidEnd = pos;
                continue;
            }
            int next = NextValid(data, pos + 1);
            if (next < 0) break;
            scan.Corrupt.Add((pos, next - pos));
            pos = next;
        }
        return scan;
    }

    private static int NextValid(ReadOnlySpan<byte> data, int from)
    {
        Span<byte> magic = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(magic, StoreFormat.RecordMagic);
        while (from < data.Length)
        {
            int i = data[from..].IndexOf(magic);
            if (i < 0) return -1;
            int at = from + i;
            if (StoreFormat.IsValidRecord(data[at..], out _)) return at;
            from = at + 1;
        }
        return -1;
    }
}
