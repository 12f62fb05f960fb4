namespace Ctop.Model;

/// <summary>One point of a cgroup's or process's history.</summary>
public readonly record struct HistoryPoint(DateTimeOffset Time, double? Cores, double? LimitCores, long? MemoryBytes, long? MemoryLimitBytes, double? ThrottledRatio);

/// <summary>
/// The last <see cref="Capacity"/> points per cgroup and per process. Bounded twice: points per key, and keys that
/// have not been seen for a whole history length are forgotten, so churn cannot grow it. Written by the sampling
/// thread, read by the UI: reads return copies.
/// </summary>
public sealed class History
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Series> _cgroups = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Series> _processes = new();
    private long _generation;

    public History(int capacity = 300) => Capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Capacity { get; }

    public int CgroupCount { get { lock (_gate) return _cgroups.Count; } }
    public int ProcessCount { get { lock (_gate) return _processes.Count; } }

    public void Add(Frame frame)
    {
        lock (_gate)
        {
            _generation++;
            foreach (var c in frame.Cgroups)
                Get(_cgroups, c.Path).Add(new HistoryPoint(frame.Time, c.Cpu.UsedCores, c.Effective.CpuLimitCores ?? c.Cpu.LimitCores,
                    c.Memory.UsageBytes, c.Effective.MemoryLimitBytes ?? c.Memory.LimitBytes, c.Cpu.ThrottledRatio), _generation);
            foreach (var p in frame.Processes)
                Get(_processes, p.Pid).Add(new HistoryPoint(frame.Time, p.CpuPercent / 100.0, null, p.RssBytes, null, null), _generation);
            Forget(_cgroups);
            Forget(_processes);
        }
    }

    public IReadOnlyList<HistoryPoint> OfCgroup(string path) { lock (_gate) return _cgroups.TryGetValue(path, out var s) ? s.ToArray() : []; }

    public IReadOnlyList<HistoryPoint> OfProcess(int pid) { lock (_gate) return _processes.TryGetValue(pid, out var s) ? s.ToArray() : []; }

    private Series Get<TKey>(Dictionary<TKey, Series> d, TKey key) where TKey : notnull
    {
        if (!d.TryGetValue(key, out var s)) d[key] = s = new Series(Capacity);
        return s;
    }

    private void Forget<TKey>(Dictionary<TKey, Series> d) where TKey : notnull
    {
        if (_generation % 16 != 0) return; // amortise the sweep
        List<TKey>? stale = null;
        foreach (var (k, s) in d)
            if (_generation - s.LastGeneration >= Capacity) (stale ??= new()).Add(k);
        if (stale != null) foreach (var k in stale) d.Remove(k);
    }

    /// <summary>
    /// A ring that starts small and doubles up to its capacity: under churn most keys are seen once or twice, and a
    /// full ring each (300 points of 96 bytes) kept for a whole history length made the dashboard's memory grow by
    /// hundreds of megabytes before the first of them was forgotten.
    /// </summary>
    private sealed class Series(int capacity)
    {
        private const int FirstSize = 4;
        private HistoryPoint[] _ring = new HistoryPoint[Math.Min(FirstSize, capacity)];
        private int _start, _count;
        public long LastGeneration { get; private set; }

        public void Add(HistoryPoint p, long generation)
        {
            LastGeneration = generation;
            if (_count == _ring.Length && _ring.Length < capacity)
            {
                var bigger = new HistoryPoint[Math.Min(capacity, _ring.Length * 2)];
                for (int i = 0; i < _count; i++) bigger[i] = _ring[(_start + i) % _ring.Length];
                _ring = bigger;
                _start = 0;
            }
            if (_count < _ring.Length) _ring[(_start + _count++) % _ring.Length] = p;
            else { _ring[_start] = p; _start = (_start + 1) % _ring.Length; }
        }

        public HistoryPoint[] ToArray()
        {
            var a = new HistoryPoint[_count];
            for (int i = 0; i < _count; i++) a[i] = _ring[(_start + i) % _ring.Length];
            return a;
        }
    }
}
