using Microsoft.Win32.SafeHandles;

namespace Ctop.Store;

/// <summary>How a store is written and kept.</summary>
public sealed record StoreOptions
{
    public const string DefaultDirectory = "/var/log/ctop";
    /// <summary>A new shard file this often, so retention can delete whole files.</summary>
    public TimeSpan ShardDuration { get; init; } = TimeSpan.FromHours(1);
    /// <summary>A key frame every this many samples: where a reader can start, and how far back a step may have to decode.</summary>
    public int KeyEvery { get; init; } = 60;
    /// <summary>Delete shards whose samples are all older than this; null keeps them.</summary>
    public TimeSpan? Retain { get; init; }
    /// <summary>Delete the oldest shards while the store is larger than this; null: no limit.</summary>
    public long? MaxBytes { get; init; }
    /// <summary>Brotli quality (0–11).</summary>
    public int Quality { get; init; } = 5;
    /// <summary>fsync after every record: a power cut loses at most the record being written.</summary>
    public bool Sync { get; init; } = true;
}

/// <summary>
/// Appends samples to a store directory (docs/store.md). On opening, the newest shard is checked record by record: a
/// torn tail (a write cut by SIGKILL or a power cut) is truncated away and reported, and writing goes on in that shard
/// if it is still current. Each record is written with one write and synced, so at most the sample being written is
/// lost. Readers may read the files meanwhile.
/// </summary>
public sealed class StoreWriter : IDisposable
{
    private readonly string _dir;
    private readonly StoreOptions _options;
    private readonly Action<string> _report;
    private readonly SampleCodec _codec = new();
    private readonly ByteSink _raw = new();
    private byte[] _framed = new byte[64 * 1024];
    private SafeFileHandle? _file;
    private string? _path;
    private long _offset, _sequence;
    private DateTimeOffset _shardStart;
    private int _sinceKey;

    public StoreWriter(string dir, StoreOptions options, Action<string>? report = null)
    {
        _dir = dir;
        _options = options;
        _report = report ?? (_ => { });
        Directory.CreateDirectory(dir);
        Recover();
    }

    public long BytesWritten { get; private set; }
    public long RecordsWritten { get; private set; }
    public string? CurrentShard => _path;

    private void Recover()
    {
        var shards = StoreFormat.ListShards(_dir);
        if (shards.Count == 0) return;
        var (path, seq, start) = shards[^1];
        _sequence = seq;
        byte[] data = File.ReadAllBytes(path);
        if (data.Length < StoreFormat.ShardHeaderSize)
        {
            // Cut short while it was being created: nothing in it was ever a record.
            _report($"{path}: an incomplete shard header ({data.Length} bytes) removed");
            File.Delete(path);
            return;
        }
        var scan = ShardScan.Scan(data);
        if (scan.HeaderProblem is not null)
        {
            _report($"{path}: {scan.HeaderProblem}; a new shard is started");
            return;
        }
        foreach (var (off, len) in scan.Corrupt) _report($"{path}: {len} corrupt bytes at offset {off} skipped");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        if (scan.ValidEnd < data.Length)
        {
            // Only a tail without any valid record after it: the write that was cut short.
            _report($"{path}: {data.Length - scan.ValidEnd} bytes of a torn record at the end truncated");
            RandomAccess.SetLength(handle, scan.ValidEnd);
            if (_options.Sync) RandomAccess.FlushToDisk(handle);
        }
        _file = handle;
        _path = path;
        _offset = scan.ValidEnd;
        _shardStart = start;
        _sinceKey = 0; // the encoder has no state: the next record is a key frame
    }

    public void Append(RecordedSample recorded)
    {
        var time = recorded.Sample.Time;
        if (_file is null || time >= _shardStart + _options.ShardDuration) StartShard(time);
        bool key = _sinceKey == 0 || _sinceKey >= _options.KeyEvery;
        _raw.Clear();
        _codec.Encode(recorded, key, _raw);
        int n = StoreFormat.Frame(_raw.Written, key ? StoreFormat.KindKey : StoreFormat.KindDelta, time, ref _framed, _options.Quality);
        RandomAccess.Write(_file!, _framed.AsSpan(0, n), _offset);
        if (_options.Sync) RandomAccess.FlushToDisk(_file!);
        _offset += n;
        BytesWritten += n;
        RecordsWritten++;
        _sinceKey = key ? 1 : _sinceKey + 1;
    }

    private void StartShard(DateTimeOffset time)
    {
        _file?.Dispose();
        _sequence++;
        _shardStart = time;
        _path = Path.Combine(_dir, StoreFormat.ShardName(_sequence, time));
        _file = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        var header = StoreFormat.ShardHeader(time);
        RandomAccess.Write(_file, header, 0);
        _offset = header.Length;
        _sinceKey = 0;
        if (_options.Sync)
        {
            RandomAccess.FlushToDisk(_file);
            SyncDirectory();
        }
        EnforceRetention(time);
    }

    private void SyncDirectory()
    {
        try
        {
            using var dir = File.OpenHandle(_dir, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // best effort: the file's own sync is what matters
    }

    /// <summary>Deletes whole shards, oldest first, never the one being written: those past the retention and, while the store is too large, the oldest.</summary>
    public void EnforceRetention(DateTimeOffset now)
    {
        var shards = StoreFormat.ListShards(_dir);
        long total = 0;
        var sizes = new long[shards.Count];
        for (int i = 0; i < shards.Count; i++)
        {
            try { sizes[i] = new FileInfo(shards[i].Path).Length; } catch (IOException) { }
            total += sizes[i];
        }
        for (int i = 0; i < shards.Count - 1; i++)
        {
            if (shards[i].Path == _path) break;
            // A shard ends where the next begins: all its samples are older than the next one's start.
            bool expired = _options.Retain is { } keep && shards[i + 1].Start < now - keep;
            bool tooBig = _options.MaxBytes is { } max && total > max;
            if (!expired && !tooBig) break;
            try
            {
                File.Delete(shards[i].Path);
                total -= sizes[i];
                _report($"{shards[i].Path}: deleted ({(expired ? "older than the retention" : "the store is over its size limit")})");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _report($"{shards[i].Path}: cannot delete: {e.Message}");
                break;
            }
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
