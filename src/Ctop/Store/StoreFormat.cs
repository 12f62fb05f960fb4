using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;

namespace Ctop.Store;

/// <summary>
/// The on-disk layout (docs/store.md): shard files named by sequence and start time, a checksummed shard header, then
/// records of a checksummed header and a compressed payload. Little-endian throughout.
/// </summary>
public static class StoreFormat
{
    public const int Version = 1;
    public const string Extension = ".ctr";
    public const int ShardHeaderSize = 40;
    public const int RecordHeaderSize = 28;
    /// <summary>No sample is this large (a 100,000-process host encodes to a few MB); a longer length is corruption.</summary>
    public const int MaxPayload = 64 << 20;
    public const byte KindKey = 1, KindDelta = 2;
    public const byte CodecBrotli = 1;
    internal static ReadOnlySpan<byte> ShardMagic => "CTOPSTOR"u8;
    internal const uint RecordMagic = 0x52504F43; // "COPR" little-endian: "CTOP record"

    public static string ShardName(long sequence, DateTimeOffset start) =>
        string.Create(CultureInfo.InvariantCulture, $"ctop-{sequence:D8}-{start.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}{Extension}");

    /// <summary>The sequence and start time a shard's name carries; false for any other file.</summary>
    public static bool TryParseShardName(string fileName, out long sequence, out DateTimeOffset start)
    {
        sequence = 0;
        start = default;
        var name = Path.GetFileName(fileName);
        if (!name.StartsWith("ctop-", StringComparison.Ordinal) || !name.EndsWith(Extension, StringComparison.Ordinal)) return false;
        var parts = name[5..^Extension.Length].Split('-');
        return parts.Length == 2 && parts[0].Length == 8
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && DateTimeOffset.TryParseExact(parts[1], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out start);
    }

    /// <summary>The shards of a directory in write order (by sequence).</summary>
    public static List<(string Path, long Sequence, DateTimeOffset Start)> ListShards(string dir)
    {
        var list = new List<(string, long, DateTimeOffset)>();
        if (!Directory.Exists(dir)) return list;
        foreach (var f in Directory.EnumerateFiles(dir, "ctop-*" + Extension))
            if (TryParseShardName(f, out var seq, out var start)) list.Add((f, seq, start));
        list.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return list;
    }

    public static byte[] ShardHeader(DateTimeOffset created)
    {
        var h = new byte[ShardHeaderSize];
        ShardMagic.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(8), Version);
        BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(12), (int)ProcFs.Proc.SystemConf.UserHz);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(16), System.Diagnostics.Stopwatch.Frequency);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(24), created.UtcTicks);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(36), Crc32.HashToUInt32(h.AsSpan(0, 36)));
        return h;
    }

    /// <summary>The shard header's fields, or why it is not one.</summary>
    public static bool TryReadShardHeader(ReadOnlySpan<byte> h, out long stopwatchFrequency, out string? problem)
    {
        stopwatchFrequency = 0;
        problem = null;
        if (h.Length < ShardHeaderSize || !h[..8].SequenceEqual(ShardMagic)) { problem = "not a ctop store file"; return false; }
        if (Crc32.HashToUInt32(h[..36]) != BinaryPrimitives.ReadUInt32LittleEndian(h[36..])) { problem = "shard header checksum mismatch"; return false; }
        int version = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
        if (version != Version) { problem = $"store format version {version}, this ctop reads version {Version}"; return false; }
        stopwatchFrequency = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        if (stopwatchFrequency <= 0) { problem = "bad clock frequency in the shard header"; return false; }
        return true;
    }

    /// <summary>Compresses a payload and frames it as a record: header (with the CRC-32 of header and payload) then payload.</summary>
    public static int Frame(ReadOnlySpan<byte> raw, byte kind, DateTimeOffset time, ref byte[] output, int quality)
    {
        int bound = BrotliEncoder.GetMaxCompressedLength(raw.Length) + RecordHeaderSize;
        if (output.Length < bound) output = new byte[Math.Max(bound, output.Length * 2)];
        // The window need not exceed the record: a smaller one is much cheaper to set up, per record, for writer and reader.
        int window = Math.Clamp(32 - int.LeadingZeroCount(Math.Max(raw.Length, 1)), 10, 24);
        using var encoder = new BrotliEncoder(quality, window);
        var status = encoder.Compress(raw, output.AsSpan(RecordHeaderSize), out _, out int written, isFinalBlock: true);
        if (status != System.Buffers.OperationStatus.Done) throw new InvalidOperationException("compression did not finish: " + status);
        var h = output.AsSpan(0, RecordHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h, RecordMagic);
        h[4] = kind;
        h[5] = CodecBrotli;
        h[6] = h[7] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], written);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], raw.Length);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], time.UtcTicks);
        var crc = new Crc32();
        crc.Append(h[..24]);
        crc.Append(output.AsSpan(RecordHeaderSize, written));
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], crc.GetCurrentHashAsUInt32());
        return RecordHeaderSize + written;
    }

    /// <summary>A record's header fields, if plausible (the checksum is checked by <see cref="IsValidRecord"/>).</summary>
    public static bool TryReadRecordHeader(ReadOnlySpan<byte> h, out byte kind, out int length, out int rawLength, out long utcTicks)
    {
        kind = 0; length = rawLength = 0; utcTicks = 0;
        if (h.Length < RecordHeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(h) != RecordMagic) return false;
        kind = h[4];
        length = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
        rawLength = BinaryPrimitives.ReadInt32LittleEndian(h[12..]);
        utcTicks = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        return kind is KindKey or KindDelta && h[5] == CodecBrotli && length is > 0 and <= MaxPayload && rawLength is > 0 and <= MaxPayload
            && utcTicks >= DateTimeOffset.MinValue.UtcTicks && utcTicks <= DateTimeOffset.MaxValue.UtcTicks;
    }

    /// <summary>Whether a whole record (header and payload) starts at the beginning of <paramref name="data"/> and its checksum holds.</summary>
    public static bool IsValidRecord(ReadOnlySpan<byte> data, out int size)
    {
        size = 0;
        if (!TryReadRecordHeader(data, out _, out int length, out _, out _) || data.Length - RecordHeaderSize < length) return false;
        var crc = new Crc32();
        crc.Append(data[..24]);
        crc.Append(data.Slice(RecordHeaderSize, length));
        if (crc.GetCurrentHashAsUInt32() != BinaryPrimitives.ReadUInt32LittleEndian(data[24..])) return false;
        size = RecordHeaderSize + length;
        return true;
    }

    /// <summary>Decompresses a valid record's payload into <paramref name="raw"/> (grown as needed); returns its length.</summary>
    public static int Unpack(ReadOnlySpan<byte> record, ref byte[] raw)
    {
        TryReadRecordHeader(record, out _, out int length, out int rawLength, out _);
        if (raw.Length < rawLength) raw = new byte[Math.Max(rawLength, raw.Length * 2)];
        if (!BrotliDecoder.TryDecompress(record.Slice(RecordHeaderSize, length), raw.AsSpan(0, rawLength), out int written) || written != rawLength)
            throw new StoreFormatException("the payload does not decompress to its recorded length");
        return written;
    }
}
