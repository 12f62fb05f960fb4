using System.Diagnostics;
using Ctop.Containers;
using Ctop.Model;

namespace Ctop.Store;

/// <summary>A place in a store: a shard (in write order) and a record within it.</summary>
public readonly record struct StorePosition(int Shard, int Record) : IComparable<StorePosition>
{
    public int CompareTo(StorePosition other) => Shard != other.Shard ? Shard.CompareTo(other.Shard) : Record.CompareTo(other.Record);
}

/// <summary>
/// Reads a store directory, also while `ctop record` writes it. Shards are scanned when first needed (their file read
/// once, every record's checksum checked); the shard file names give their start times, so going to a time reads only
/// the shard that holds it. Corrupt records are reported once each (through the report callback) and skipped, with the
/// samples after them up to the next key frame, which cannot be decoded without them. Nothing a file holds makes a
/// reader throw: every problem becomes a report. One instance per thread.
/// </summary>
public sealed class StoreReader
{
    private readonly Action<string> _report;
    private readonly List<Shard> _shards = new();
    private readonly SampleCodec _codec = new();
    private StorePosition? _codecAt;
    private byte[] _raw = new byte[64 * 1024];
    // Three key-frame intervals and a little: stepping back through a chunk decodes it once, not once per step, the
    // sparklines' minute before a position (which reaches into the chunk before) does not push out the chunk it is in,
    // and the chunk before that, decoded ahead (DecodeAhead), does not push out either.
    private const int CacheSize = 4 * 64;
    private readonly RecentCache<StorePosition, RecordedSample?> _cache = new(CacheSize);

    private sealed class Shard(string path, DateTimeOffset start)
    {
        public string Path { get; } = path;
        public DateTimeOffset Start { get; } = start;
        public byte[]? Data;
        public ShardScan? Scan;
        /// <summary>Per record: decodable (it is a key frame, or its chain back to one is intact).</summary>
        public bool[] Usable = [];
        public long LastUsed;
        /// <summary>Given in memory (tests): never read from or dropped to disk.</summary>
        public byte[]? Pinned;
    }

    public StoreReader(string dir, Action<string>? report = null)
    {
        Directory = dir;
        _report = report ?? (_ => { });
        foreach (var (path, _, start) in StoreFormat.ListShards(dir)) _shards.Add(new Shard(path, start));
    }

    /// <summary>A reader over shard files given as bytes, in write order (fuzz tests).</summary>
    internal StoreReader(IEnumerable<byte[]> shards, Action<string>? report = null)
    {
        Directory = "";
        _report = report ?? (_ => { });
        int i = 0;
        foreach (var data in shards) _shards.Add(new Shard($"shard{++i}", DateTimeOffset.MinValue) { Pinned = data });
    }

    public string Directory { get; }
    /// <summary>Shard files read and their bytes, since this reader was made (what a cold open costs in I/O).</summary>
    public int FilesRead { get; private set; }
    public long BytesRead { get; private set; }
    /// <summary>Records decompressed and decoded since this reader was made.</summary>
    public long RecordsDecoded { get; private set; }
    public int ShardCount => _shards.Count;
    public bool IsEmpty => _shards.Count == 0;

    /// <summary>Reads shards that appeared since opening (a store being written); returns whether any did.</summary>
    public bool Refresh()
    {
        if (Directory.Length == 0) return false;
        var known = _shards.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
        bool added = false;
        foreach (var (path, _, start) in StoreFormat.ListShards(Directory))
            if (!known.Contains(path)) { _shards.Add(new Shard(path, start)); added = true; }
        // The last shard may have grown.
        if (_shards.Count > 0 && _shards[^1].Scan is { } scan && new FileInfo(_shards[^1].Path) is { Exists: true } fi && fi.Length > scan.ValidEnd)
        {
            Unload(_shards[^1]);
            added = true;
        }
        return added;
    }

    private void Unload(Shard s)
    {
        s.Data = null;
        s.Scan = null;
        s.Usable = [];
        if (_codecAt is { } at && _shards[at.Shard] == s) _codecAt = null;
        _cache.RemoveWhere(k => _shards[k.Shard] == s);
    }

    private ShardScan Load(int index)
    {
        var s = _shards[index];
        s.LastUsed = Stopwatch.GetTimestamp();
        if (s.Scan is { } ready) return ready;
        // Keep two shards in memory at most: the one being read and its neighbour.
        foreach (var other in _shards.Where(o => o.Data is not null && o != s).OrderBy(o => o.LastUsed).SkipLast(1).ToList())
        {
            other.Data = null;
            if (_codecAt is { } at && _shards[at.Shard] == other) _codecAt = null;
        }
        byte[] data;
        if (s.Pinned is { } pinned) data = pinned;
        else try
        {
            using var f = new FileStream(s.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            data = new byte[f.Length];
            f.ReadExactly(data);
            FilesRead++;
            BytesRead += data.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _report($"{s.Path}: cannot read: {e.Message}");
            data = [];
        }
        var scan = ShardScan.Scan(data);
        bool last = index == _shards.Count - 1;
        // The newest shard may be being created: a short header there is not yet a problem.
        if (scan.HeaderProblem is not null && data.Length > 0 && !(last && data.Length < StoreFormat.ShardHeaderSize)) _report($"{s.Path}: {scan.HeaderProblem}; skipped");
        foreach (var (off, len) in scan.Corrupt) _report($"{s.Path}: {len} corrupt bytes at offset {off} skipped");
        if (!last && scan.HeaderProblem is null && scan.ValidEnd < data.Length)
            _report($"{s.Path}: {data.Length - scan.ValidEnd} bytes of a torn record at the end skipped");
        var usable = new bool[scan.Entries.Count];
        bool chain = false;
        int prevEnd = StoreFormat.ShardHeaderSize;
        for (int i = 0; i < usable.Length; i++)
        {
            var e = scan.Entries[i];
            if (e.Offset != prevEnd) chain = false; // corrupt bytes between: the delta chain is broken
            if (e.Kind == StoreFormat.KindKey) chain = true;
            usable[i] = chain;
            prevEnd = e.Offset + e.Size;
        }
        s.Data = data;
        s.Scan = scan;
        s.Usable = usable;
        return scan;
    }

    private byte[] DataOf(int shard)
    {
        if (_shards[shard].Data is { } d) return d;
        _shards[shard].Scan = null;
        Load(shard);
        return _shards[shard].Data!;
    }

    public int RecordCount(int shard) => Load(shard).Entries.Count;

    public DateTimeOffset RecordTime(StorePosition p) => new(Load(p.Shard).Entries[p.Record].UtcTicks, TimeSpan.Zero);

    public bool IsKeyFrame(StorePosition p) => Load(p.Shard).Entries[p.Record].Kind == StoreFormat.KindKey;

    public bool Exists(StorePosition p) => p.Shard >= 0 && p.Shard < _shards.Count && p.Record >= 0 && p.Record < RecordCount(p.Shard);

    public StorePosition? First() => Next(new StorePosition(0, -1));

    public StorePosition? Last()
    {
        for (int s = _shards.Count - 1; s >= 0; s--)
            if (RecordCount(s) > 0) return new StorePosition(s, RecordCount(s) - 1);
        return null;
    }

    public StorePosition? Next(StorePosition p)
    {
        int s = Math.Max(0, p.Shard), r = p.Record + 1;
        if (p.Shard < 0) r = 0;
        for (; s < _shards.Count; s++, r = 0)
            if (r < RecordCount(s)) return new StorePosition(s, r);
        return null;
    }

    public StorePosition? Previous(StorePosition p)
    {
        int s = Math.Min(p.Shard, _shards.Count - 1), r = p.Record - 1;
        for (; s >= 0; s--)
        {
            if (s != p.Shard) r = RecordCount(s) - 1;
            if (r >= 0 && r < RecordCount(s)) return new StorePosition(s, r);
        }
        return null;
    }

    /// <summary>
    /// The first record, in write order, whose time is at or after <paramref name="time"/>; the last record when all are
    /// earlier. Only the shards around the time are read: the file names say when each began.
    /// </summary>
    public StorePosition? Seek(DateTimeOffset time)
    {
        if (_shards.Count == 0) return null;
        int s = 0;
        for (int i = 0; i < _shards.Count; i++)
            if (_shards[i].Start <= time) s = i;
        for (; s < _shards.Count; s++)
        {
            var entries = Load(s).Entries;
            for (int r = 0; r < entries.Count; r++)
                if (entries[r].UtcTicks >= time.UtcTicks) return new StorePosition(s, r);
        }
        return Last();
    }

    /// <summary>The sample recorded at <paramref name="p"/>, or null when it cannot be decoded (reported once).</summary>
    public RecordedSample? Sample(StorePosition p)
    {
        if (_cache.TryGet(p, out var cached)) return cached;
        var scan = Load(p.Shard);
        var shard = _shards[p.Shard];
        if (p.Record < 0 || p.Record >= scan.Entries.Count || !shard.Usable[p.Record]) return null;
        int from = p.Record;
        while (scan.Entries[from].Kind != StoreFormat.KindKey) from--;
        // The decoder continues from where it is when that is in this chunk, before p.
        if (_codecAt is { } at && at.Shard == p.Shard && at.Record >= from && at.Record < p.Record) from = at.Record + 1;
        return Decode(p.Shard, from, p.Record);
    }

    /// <summary>Decodes records <paramref name="from"/> to <paramref name="to"/> of a shard (the decoder is at the one before, or from is a key frame) and caches them; the last one.</summary>
    private RecordedSample? Decode(int shardIndex, int from, int to)
    {
        var scan = Load(shardIndex);
        var shard = _shards[shardIndex];
        RecordedSample? result = null;
        var data = DataOf(shardIndex);
        long frequency = scan.StopwatchFrequency;
        for (int r = from; r <= to; r++)
        {
            var e = scan.Entries[r];
            try
            {
                int n = StoreFormat.Unpack(data.AsSpan(e.Offset, e.Size), ref _raw);
                result = _codec.Decode(_raw.AsSpan(0, n));
                RecordsDecoded++;
                if (frequency != Stopwatch.Frequency) result = Rescale(result, frequency);
                _codecAt = new StorePosition(shardIndex, r);
                _cache.Add(new StorePosition(shardIndex, r), result);
            }
            catch (Exception ex) when (ex is StoreFormatException or InvalidDataException or ArgumentException or OverflowException)
            {
                _report($"{shard.Path}: record at offset {e.Offset} cannot be decoded ({ex.Message}); skipped up to the next key frame");
                for (int k = r; k < shard.Usable.Length && (k == r || scan.Entries[k].Kind != StoreFormat.KindKey); k++) shard.Usable[k] = false;
                _codecAt = null;
                _codec.Reset();
                return null;
            }
        }
        return result;
    }

    /// <summary>
    /// Decodes part of the chunk (key frame and its deltas) that ends at <paramref name="p"/>, so that reading it later
    /// costs no decoding: 1/<paramref name="calls"/> of what is left of it, continuing where the decoder stopped, so it is
    /// done after that many calls. Replay calls it on each move for the chunk the sparklines' minute reaches next when
    /// stepping back, instead of decoding the whole chunk on the one step that reaches it.
    /// </summary>
    public void DecodeAhead(StorePosition p, int calls)
    {
        if (!Exists(p) || !_shards[p.Shard].Usable[p.Record]) return;
        var entries = Load(p.Shard).Entries;
        int from = p.Record;
        while (entries[from].Kind != StoreFormat.KindKey) from--;
        // The last record of the chunk not in the cache: the decoder has to go through it. Those in it count as used,
        // so that they stay until the minute reaches them.
        int last = from - 1;
        for (int r = from; r <= p.Record; r++)
            if (!_cache.TryGet(new StorePosition(p.Shard, r), out _)) last = r;
        if (last < from) return;
        int next = _codecAt is { } at && at.Shard == p.Shard && at.Record >= from && at.Record < last ? at.Record + 1 : from;
        int left = last - next + 1;
        int now = (left + Math.Max(1, calls) - 1) / Math.Max(1, calls);
        Decode(p.Shard, next, next + now - 1);
    }

    /// <summary>Samples taken with another monotonic clock rate are brought to this process's, for the frame builder.</summary>
    private static RecordedSample Rescale(RecordedSample r, long frequency)
    {
        long Scale(long t) => (long)((Int128)t * Stopwatch.Frequency / frequency);
        var s = r.Sample;
        return r with
        {
            Sample = new Sample
            {
                Timestamp = Scale(s.Timestamp), ProcessTimestamp = Scale(s.ProcessTimestamp), Time = s.Time, Host = s.Host,
                Scope = s.Scope, Processes = s.Processes, Cgroups = s.Cgroups,
            },
        };
    }

    /// <summary>
    /// The frame that ends at <paramref name="p"/>: built from the sample before it and its own, as live ctop built it,
    /// with the container names the runtimes gave then. Null at the start of a recording run or next to a corrupt record.
    /// </summary>
    public Frame? Frame(StorePosition p)
    {
        var cur = Sample(p);
        if (cur is null || cur.RunStart || Previous(p) is not { } before) return null;
        var prev = Sample(before);
        if (prev is null) return null;
        // Sample(before) may have moved the decoder; the current one is cached.
        return Build(prev, cur);
    }

    public static Frame Build(RecordedSample prev, RecordedSample cur)
    {
        var frame = FrameBuilder.Build(prev.Sample, cur.Sample);
        if (cur.Names.Count == 0) return frame;
        var names = cur.Names;
        return ContainerCatalog.Annotate(frame, id => names.TryGetValue(RecordedSample.NameKey(id), out var e) ? e : id);
    }

    /// <summary>Frames from the first record at or after <paramref name="begin"/> to the last at or before <paramref name="end"/>.</summary>
    public IEnumerable<Frame> Frames(DateTimeOffset? begin, DateTimeOffset? end)
    {
        var p = begin is { } b ? Seek(b) : First();
        if (p is { } first && begin is { } b2 && RecordTime(first) < b2) yield break; // all before begin
        for (; p is { } at; p = Next(at))
        {
            if (end is { } e && RecordTime(at) > e) yield break;
            if (Frame(at) is { } f) yield return f;
        }
    }
}
