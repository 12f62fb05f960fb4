namespace Ctop.Model;

/// <summary>One point of a cgroup's history.</summary>
public readonly record struct HistoryPoint(DateTimeOffset Time, double? Cores, double? LimitCores, long? MemoryBytes, long? MemoryLimitBytes, double? ThrottledRatio);

/// <summary>
/// The last <see cref="Capacity"/> points per cgroup, for the detail view's sparklines. Bounded twice: points per key, and
/// keys that have not been seen for a whole history length are forgotten, so churn cannot grow it. A ring starts small and
/// grows to the capacity as points arrive, and points are stored packed (56 bytes, not the 96 of a HistoryPoint), so a
/// host of many short-lived cgroups costs little. Processes have no history: nothing shows one. Written by the sampling thread, read by the UI: reads return copies.
/// </summary>
public sealed class History
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Series> _cgroups = new(StringComparer.Ordinal);
    private long _generation;

    public History(int capacity = 300) => Capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Capacity { get; }

    public int CgroupCount { get { lock (_gate) return _cgroups.Count; } }

    public void Add(Frame frame)
    {
        lock (_gate)
        {
            _generation++;
            foreach (var c in frame.Cgroups)
            {
                if (!_cgroups.TryGetValue(c.Path, out var s)) _cgroups[c.Path] = s = new Series(Capacity);
                s.Add(new HistoryPoint(frame.Time, c.Cpu.UsedCores, c.Effective.CpuLimitCores ?? c.Cpu.LimitCores,
                    c.Memory.UsageBytes, c.Effective.MemoryLimitBytes ?? c.Memory.LimitBytes, c.Cpu.ThrottledRatio), _generation);
            }
            Forget();
        }
    }

    /// <summary>Forgets every point (replay, after a jump in time).</summary>
    public void Clear() { lock (_gate) _cgroups.Clear(); }

    public IReadOnlyList<HistoryPoint> OfCgroup(string path) { lock (_gate) return _cgroups.TryGetValue(path, out var s) ? s.ToArray() : []; }

    private void Forget()
    {
        if (_generation % 16 != 0) return; // amortise the sweep
        List<string>? stale = null;
        foreach (var (k, s) in _cgroups)
            if (_generation - s.LastGeneration >= Capacity) (stale ??= new()).Add(k);
        if (stale != null) foreach (var k in stale) _cgroups.Remove(k);
    }

    /// <summary>A point as stored: nulls as NaN or -1 (no count or size is negative), the time as UTC ticks and an offset.</summary>
    private readonly struct Packed
    {
        private readonly long _utcTicks;
        private readonly double _cores, _limitCores, _throttled;
        private readonly long _memory, _memoryLimit;
        private readonly short _offsetMinutes;

        public Packed(HistoryPoint p)
        {
            _utcTicks = p.Time.UtcTicks;
            _offsetMinutes = (short)p.Time.TotalOffsetMinutes;
            _cores = p.Cores ?? double.NaN;
            _limitCores = p.LimitCores ?? double.NaN;
            _throttled = p.ThrottledRatio ?? double.NaN;
            _memory = p.MemoryBytes is long m && m >= 0 ? m : -1;
            _memoryLimit = p.MemoryLimitBytes is long l && l >= 0 ? l : -1;
        }

        public HistoryPoint Unpack() => new(
            new DateTimeOffset(_utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(_offsetMinutes)),
            Value(_cores), Value(_limitCores), _memory < 0 ? null : _memory, _memoryLimit < 0 ? null : _memoryLimit, Value(_throttled));

        private static double? Value(double d) => double.IsNaN(d) ? null : d;
    }

    private sealed class Series(int capacity)
    {
        private const int FirstSize = 16;
        private Packed[] _ring = new Packed[Math.Min(FirstSize, capacity)];
        private int _start, _count;
        public long LastGeneration { get; private set; }

        public void Add(HistoryPoint p, long generation)
        {
            LastGeneration = generation;
            if (_count == _ring.Length && _ring.Length < capacity)
            {
                // Grow while not yet full (the points are in order from 0 until then).
                Array.Resize(ref _ring, Math.Min(capacity, _ring.Length * 2));
            }
            if (_count < _ring.Length) _ring[(_start + _count++) % _ring.Length] = new Packed(p);
            else { _ring[_start] = new Packed(p); _start = (_start + 1) % _ring.Length; }
        }

        public HistoryPoint[] ToArray()
        {
            var a = new HistoryPoint[_count];
            for (int i = 0; i < _count; i++) a[i] = _ring[(_start + i) % _ring.Length].Unpack();
            return a;
        }
    }
}
