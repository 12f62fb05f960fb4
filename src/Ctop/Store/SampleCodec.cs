using System.Runtime.InteropServices;
using System.Text;
using Ctop.Model;
using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Store;

/// <summary>
/// One recorded sample: what the sampler read, the container names the runtimes gave at that moment (by runtime and
/// id, only those that differ from the cgroup path's), and whether a recording run started here (no frame pairs it with
/// the sample before: the monotonic clock may have restarted).
/// </summary>
public sealed record RecordedSample(Sample Sample, IReadOnlyDictionary<string, ContainerId> Names, bool RunStart)
{
    public static string NameKey(ContainerId id) => id.Runtime + "/" + id.Id;
}

/// <summary>
/// Encodes samples against the one before (docs/store.md): a cgroup or process that did not change costs nothing, a
/// changed one costs a bit mask and the zigzag-varint differences of the fields that changed. Strings (paths, users,
/// commands, cpu lists) go through a table that lives from one key frame to the next. A key frame is encoded against
/// nothing and resets the table, so a reader can start there. Encoder and decoder keep the same state.
/// </summary>
internal sealed class SampleCodec
{
    internal const int CgroupSlots = 52;
    internal const int ProcessSlots = 10;
    private const int MaxCount = 1 << 22;

    private readonly Dictionary<string, ulong[]> _cgroups = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong[]> _processes = new();
    private readonly Dictionary<string, byte[]> _names = new(StringComparer.Ordinal);
    private readonly List<string> _strings = new();
    private readonly Dictionary<string, int> _stringIds = new(StringComparer.Ordinal);
    private long _timestamp, _utcTicks;
    // Decoder-side caches: objects reused while what they came from is unchanged.
    private readonly Dictionary<string, CgroupStats> _cgroupObjects = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ProcessInfo> _infoObjects = new();
    private readonly Dictionary<string, ContainerId> _nameObjects = new(StringComparer.Ordinal);
    private readonly Dictionary<int, CpuList> _cpuLists = new();
    private readonly Dictionary<int, ContainerId?> _containerOfPath = new();
    private readonly ByteSink _scratch = new();
    public bool Primed { get; private set; }

    public void Reset()
    {
        _cgroups.Clear(); _encodedCgroups.Clear(); _processes.Clear(); _encodedProcesses.Clear(); _names.Clear(); _strings.Clear(); _stringIds.Clear();
        _cgroupObjects.Clear(); _infoObjects.Clear(); _nameObjects.Clear(); _cpuLists.Clear(); _containerOfPath.Clear();
        _timestamp = _utcTicks = 0;
        Primed = false;
    }

    // ---------------------------------------------------------------- encoding

    public void Encode(RecordedSample recorded, bool key, ByteSink o)
    {
        if (key) Reset();
        var s = recorded.Sample;
        o.Byte((byte)((key ? 1 : 0) | (recorded.RunStart ? 2 : 0)));
        o.VarS(s.Timestamp - _timestamp);
        o.VarS(s.ProcessTimestamp - s.Timestamp);
        o.VarS(s.Time.UtcTicks - _utcTicks);
        o.VarS((long)s.Time.Offset.TotalMinutes);
        _timestamp = s.Timestamp;
        _utcTicks = s.Time.UtcTicks;
        EncodeHost(s.Host, o);
        EncodeScope(s.Scope, o);
        EncodeCgroups(s.Cgroups, o);
        EncodeProcesses(s.Processes, o);
        EncodeNames(recorded.Names, o);
        Primed = true;
    }

    private void Str(string s, ByteSink o)
    {
        if (_stringIds.TryGetValue(s, out int id)) { o.VarU((ulong)id); return; }
        o.VarU((ulong)_strings.Count);
        o.Utf8(s);
        _stringIds[s] = _strings.Count;
        _strings.Add(s);
    }

    private int StrId(string s, ByteSink o)
    {
        Str(s, o);
        return _stringIds[s];
    }

    private static void OptDouble(double? d, ByteSink o)
    {
        if (d is double v) { o.Byte(1); o.Double(v); }
        else o.Byte(0);
    }

    private static void OptLong(long? l, ByteSink o)
    {
        if (l is long v) { o.Byte(1); o.VarS(v); }
        else o.Byte(0);
    }

    private static void EncodeHost(HostSample h, ByteSink o)
    {
        var c = h.Cpu;
        foreach (var v in (ReadOnlySpan<ulong>)[c.User, c.Nice, c.System, c.Idle, c.IoWait, c.Irq, c.SoftIrq, c.Steal, c.Guest, c.GuestNice]) o.VarU(v);
        o.VarU((ulong)h.OnlineCpus);
        o.VarU(h.MemTotalBytes);
        OptLong((long?)h.MemAvailableBytes, o);
        o.Double(h.Load.Load1); o.Double(h.Load.Load5); o.Double(h.Load.Load15);
        o.VarS(h.Load.Running); o.VarS(h.Load.Total); o.VarS(h.Load.LastPid);
        o.Double(h.Uptime.UptimeSeconds); o.Double(h.Uptime.IdleSeconds);
    }

    private void EncodeScope(Scope s, ByteSink o)
    {
        o.Byte((byte)s.Kind);
        o.Double(s.Cpus);
        o.VarS(s.MemoryBytes);
        OptStr(s.Name, o);
        OptStr(s.CgroupPath, o);
        OptLong(s.SwapBytes, o);
        OptDouble(s.UptimeSeconds, o);
        if (s.Load is { } l)
        {
            o.Byte(1);
            o.Double(l.Load1); o.Double(l.Load5); o.Double(l.Load15); o.VarS(l.Running); o.VarS(l.Total);
        }
        else o.Byte(0);
    }

    private void OptStr(string? s, ByteSink o)
    {
        if (s is null) { o.Byte(0); return; }
        o.Byte(1);
        Str(s, o);
    }

    private readonly List<string> _removedPaths = new();
    private readonly List<(string Path, EncodedCgroup Slots, ulong Mask)> _changedCgroups = new();
    private readonly HashSet<string> _seenPaths = new(StringComparer.Ordinal);
    /// <summary>Encoder side: each cgroup's slots as last written, and a buffer the next sample is flattened into (the two
    /// swap when it changed), so a sample allocates nothing per cgroup.</summary>
    private readonly Dictionary<string, EncodedCgroup> _encodedCgroups = new(StringComparer.Ordinal);

    private sealed class EncodedCgroup
    {
        public ulong[] Before = new ulong[CgroupSlots], Now = new ulong[CgroupSlots];
        /// <summary>The cpu list last seen and its string id: the text is formatted only when the list changed.</summary>
        public CpuList? Cpus;
        public int CpusId;
    }

    private void EncodeCgroups(IReadOnlyDictionary<string, CgroupStats> cgroups, ByteSink o)
    {
        _removedPaths.Clear(); _changedCgroups.Clear(); _seenPaths.Clear();
        foreach (var (path, c) in cgroups)
        {
            _seenPaths.Add(path);
            bool known = _encodedCgroups.TryGetValue(path, out var e);
            if (!known) _encodedCgroups[path] = e = new EncodedCgroup();
            int cpusId = 0;
            if (c.EffectiveCpus is { } cpus)
            {
                // The cpu list's string id is written with the record that introduces it (below); here only its id matters.
                if (e!.Cpus is null || !ReferenceEquals(e.Cpus, cpus) && !e.Cpus.Equals(cpus)) (e.Cpus, e.CpusId) = (cpus, StrIdSilently(cpus.ToString()));
                cpusId = e.CpusId;
            }
            Array.Clear(e!.Now);
            Flatten(c, e.Now, cpusId);
            ulong mask = known ? Diff(e.Before, e.Now) : Diff(default, e.Now) | 1;
            if (mask != 0) _changedCgroups.Add((path, e, mask));
        }
        foreach (var path in _encodedCgroups.Keys)
            if (!_seenPaths.Contains(path)) _removedPaths.Add(path);
        o.VarU((ulong)_pendingStrings.Count);
        foreach (var p in _pendingStrings) o.Utf8(p);
        _pendingStrings.Clear();
        o.VarU((ulong)_removedPaths.Count);
        foreach (var p in _removedPaths) { o.VarU((ulong)_stringIds[p]); _encodedCgroups.Remove(p); }
        o.VarU((ulong)_changedCgroups.Count);
        foreach (var (path, e, mask) in _changedCgroups)
        {
            Str(path, o);
            // A new cgroup's "before" is all zeros (its slots were never written).
            WriteSlots(e.Before, e.Now, mask, o);
            (e.Before, e.Now) = (e.Now, e.Before);
        }
    }

    private readonly List<string> _pendingStrings = new();

    /// <summary>An id for a string, announced in the record's list of new strings (read before the slots that use it).</summary>
    private int StrIdSilently(string s)
    {
        if (_stringIds.TryGetValue(s, out int id)) return id;
        id = _strings.Count;
        _stringIds[s] = id;
        _strings.Add(s);
        _pendingStrings.Add(s);
        return id;
    }

    private static ulong Diff(ReadOnlySpan<ulong> before, ReadOnlySpan<ulong> now)
    {
        ulong mask = 0;
        for (int i = 0; i < now.Length; i++)
            if ((before.IsEmpty ? 0 : before[i]) != now[i]) mask |= 1UL << i;
        return mask;
    }

    private static void WriteSlots(ReadOnlySpan<ulong> before, ReadOnlySpan<ulong> now, ulong mask, ByteSink o)
    {
        o.VarU(mask);
        for (int i = 0; i < now.Length; i++)
            if ((mask & (1UL << i)) != 0) o.VarS((long)(now[i] - (before.IsEmpty ? 0 : before[i])));
    }

    private readonly List<int> _removedPids = new();
    private readonly List<int> _sortedPids = new();
    private readonly List<ProcessSample> _sorted = new();
    private readonly List<EncodedProcess> _sortedEncoded = new();
    private readonly Dictionary<int, EncodedProcess> _encodedProcesses = new();

    /// <summary>
    /// The encoder's memory of a PID: its strings' ids, kept while the sampler keeps the same <see cref="ProcessInfo"/>
    /// (it makes a new one only when the process changed cgroup or was replaced), so its strings are not hashed again.
    /// </summary>
    private sealed class EncodedProcess
    {
        public ProcessInfo? Info;
        public ulong User, Command, Cgroup;
    }

    private void EncodeProcesses(IReadOnlyDictionary<int, ProcessSample> processes, ByteSink o)
    {
        // The sampler's order (/proc lists PIDs ascending on most filesystems) is the sorted one nearly always: then the
        // samples are taken as listed, with no sort and no look-ups.
        _sortedPids.Clear();
        _sorted.Clear();
        bool ascending = true;
        int prev = int.MinValue;
        foreach (var (pid, p) in processes)
        {
            if (pid < prev) ascending = false;
            prev = pid;
            _sortedPids.Add(pid);
            _sorted.Add(p);
        }
        if (!ascending)
        {
            _sortedPids.Sort();
            _sorted.Clear();
            foreach (var pid in _sortedPids) _sorted.Add(processes[pid]);
        }
        _removedPids.Clear();
        foreach (var pid in _processes.Keys)
            if (!processes.ContainsKey(pid)) _removedPids.Add(pid);
        _removedPids.Sort();
        _sortedEncoded.Clear();
        for (int k = 0; k < _sorted.Count; k++)
        {
            var p = _sorted[k];
            ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_encodedProcesses, _sortedPids[k], out _);
            e ??= new EncodedProcess();
            if (!ReferenceEquals(e.Info, p.Info))
            {
                e.Info = p.Info;
                e.User = (ulong)StrIdSilently(p.Info.User);
                e.Command = (ulong)StrIdSilently(p.Info.Command);
                e.Cgroup = p.Info.CgroupPath is { } cg ? (ulong)StrIdSilently(cg) + 1 : 0;
            }
            _sortedEncoded.Add(e);
        }
        o.VarU((ulong)_pendingStrings.Count);
        foreach (var s in _pendingStrings) o.Utf8(s);
        _pendingStrings.Clear();
        o.VarU((ulong)_removedPids.Count);
        int last = 0;
        foreach (var pid in _removedPids)
        {
            o.VarU((ulong)(pid - last));
            last = pid;
            _processes.Remove(pid);
            _encodedProcesses.Remove(pid);
        }
        // The changed ones are counted first, so the count can lead.
        _scratch.Clear();
        int changed = 0;
        last = 0;
        Span<ulong> slots = stackalloc ulong[ProcessSlots];
        for (int k = 0; k < _sorted.Count; k++)
        {
            var p = _sorted[k];
            var e = _sortedEncoded[k];
            int pid = _sortedPids[k];
            slots[0] = p.StartTime;
            slots[1] = (ulong)p.Ppid;
            slots[2] = p.State;
            slots[3] = p.CpuTicks;
            slots[4] = (ulong)p.RssBytes;
            slots[5] = (ulong)p.Threads;
            slots[6] = p.WaitNs is ulong w ? w + 1 : 0;
            slots[7] = e.User;
            slots[8] = e.Command;
            slots[9] = e.Cgroup;
            ref var before = ref CollectionsMarshal.GetValueRefOrAddDefault(_processes, pid, out bool existed);
            ulong mask = Diff(existed ? before : default, slots);
            if (!existed) mask |= 1; // new: always written, even if all zero
            if (mask == 0) continue;
            changed++;
            _scratch.VarU((ulong)(pid - last));
            last = pid;
            WriteSlots(existed ? before : default, slots, mask, _scratch);
            // The slots array is kept and overwritten in place: a sample allocates only for new processes.
            before ??= new ulong[ProcessSlots];
            slots.CopyTo(before);
        }
        o.VarU((ulong)changed);
        o.Bytes(_scratch.Written);
        // The sampler's order: written only when it is not ascending, so the replayed frame lists rows as the live one did.
        _sorted.Clear();
        _sortedEncoded.Clear();
        o.Byte(ascending ? (byte)0 : (byte)1);
        if (ascending) return;
        o.VarU((ulong)processes.Count);
        last = 0;
        foreach (var pid in processes.Keys) { o.VarS(pid - (long)last); last = pid; }
    }

    private void EncodeNames(IReadOnlyDictionary<string, ContainerId> names, ByteSink o)
    {
        var removed = _names.Keys.Where(k => !names.ContainsKey(k)).ToList();
        var changed = new List<(string, byte[])>();
        foreach (var (k, id) in names)
        {
            var bytes = NameBytes(id);
            if (!_names.TryGetValue(k, out var before) || !before.AsSpan().SequenceEqual(bytes)) changed.Add((k, bytes));
        }
        o.VarU((ulong)removed.Count);
        foreach (var k in removed) { o.Utf8(k); _names.Remove(k); }
        o.VarU((ulong)changed.Count);
        foreach (var (k, bytes) in changed)
        {
            o.Utf8(k);
            o.VarU((ulong)bytes.Length);
            o.Bytes(bytes);
            _names[k] = bytes;
        }
    }

    private byte[] NameBytes(ContainerId id)
    {
        var b = new ByteSink();
        b.Utf8(id.Runtime); b.Utf8(id.Id); b.Utf8(id.Name); b.Utf8(id.Source);
        if (id.Image is { } image) { b.Byte(1); b.Utf8(image); } else b.Byte(0);
        if (id.Labels is { } labels)
        {
            b.Byte(1);
            b.VarU((ulong)labels.Count);
            foreach (var (k, v) in labels) { b.Utf8(k); b.Utf8(v); }
        }
        else b.Byte(0);
        if (id.Pod is { } pod) { b.Byte(1); b.Utf8(pod.Namespace); b.Utf8(pod.Name); b.Utf8(pod.Uid); } else b.Byte(0);
        return b.Written.ToArray();
    }

    // ---------------------------------------------------------------- the cgroup's slots

    private const int PresenceSlot = 0, NullSlot = 1, CpusSlot = 21, IoSlot = 22, PressureSlot = 28;

    private static void Flatten(CgroupStats c, ulong[] s, int cpusId)
    {
        ulong present = 0, nonNull = 0;
        void Set(int i, ulong? v) { if (v is ulong x) { s[i] = x; nonNull |= 1UL << i; } }
        if (c.Cpu is { } cpu)
        {
            present |= 1;
            Set(2, cpu.UsageNs); Set(3, (ulong?)cpu.QuotaUsec); Set(4, (ulong?)cpu.PeriodUsec); Set(5, (ulong?)(long?)cpu.Weight);
            Set(6, cpu.Shares); Set(7, cpu.NrPeriods); Set(8, cpu.NrThrottled); Set(9, cpu.ThrottledNs);
        }
        if (c.Memory is { } m)
        {
            present |= 2;
            Set(10, m.UsageBytes); Set(11, m.LimitBytes); Set(12, m.HighBytes); Set(13, m.InactiveFileBytes); Set(14, m.SwapUsageBytes);
            Set(15, m.SwapLimitBytes); Set(16, m.OomKills); Set(17, m.Failcnt); Set(18, m.HierarchicalLimitBytes);
        }
        if (c.Pids is { } pids) { present |= 4; Set(19, pids.Current); Set(20, pids.Max); }
        if (c.EffectiveCpus is not null) { present |= 8; s[CpusSlot] = (ulong)cpusId; }
        if (c.Io is { } io)
        {
            present |= 16;
            s[IoSlot] = io.ReadBytes; s[IoSlot + 1] = io.WriteBytes; s[IoSlot + 2] = io.ReadIos;
            s[IoSlot + 3] = io.WriteIos; s[IoSlot + 4] = io.DiscardBytes; s[IoSlot + 5] = io.DiscardIos;
        }
        if (c.Pressure is { } p)
        {
            present |= 32;
            for (int r = 0; r < 3; r++)
            {
                if ((r switch { 0 => p.Cpu, 1 => p.Memory, _ => p.Io }) is not { } pr) continue;
                present |= 64UL << r;
                for (int l = 0; l < 2; l++)
                {
                    if ((l == 0 ? pr.Some : pr.Full) is not { } line) continue;
                    present |= 512UL << (r * 2 + l);
                    int at = PressureSlot + (r * 2 + l) * 4;
                    s[at] = (ulong)BitConverter.DoubleToInt64Bits(line.Avg10);
                    s[at + 1] = (ulong)BitConverter.DoubleToInt64Bits(line.Avg60);
                    s[at + 2] = (ulong)BitConverter.DoubleToInt64Bits(line.Avg300);
                    s[at + 3] = line.TotalUsec;
                }
            }
        }
        s[PresenceSlot] = present;
        s[NullSlot] = nonNull;
    }

    private CgroupStats Unflatten(string path, ulong[] s)
    {
        ulong present = s[PresenceSlot], nonNull = s[NullSlot];
        ulong? Get(int i) => (nonNull & (1UL << i)) != 0 ? s[i] : null;
        var cpu = (present & 1) == 0 ? null
            : new CgroupCpu(Get(2), (long?)Get(3), (long?)Get(4), (int?)(long?)Get(5), Get(6), Get(7), Get(8), Get(9));
        var mem = (present & 2) == 0 ? null
            : new CgroupMemory(Get(10), Get(11), Get(12), Get(13), Get(14), Get(15), Get(16), Get(17), Get(18));
        var pids = (present & 4) == 0 ? null : new CgroupPids(Get(19), Get(20));
        CpuList? cpus = (present & 8) == 0 ? null : CpuListOf((int)s[CpusSlot]);
        IoTotals? io = (present & 16) == 0 ? null
            : new IoTotals(s[IoSlot], s[IoSlot + 1], s[IoSlot + 2], s[IoSlot + 3], s[IoSlot + 4], s[IoSlot + 5]);
        CgroupPressure? pressure = null;
        if ((present & 32) != 0)
        {
            var res = new Pressure?[3];
            for (int r = 0; r < 3; r++)
            {
                if ((present & (64UL << r)) == 0) continue;
                var lines = new PressureLine?[2];
                for (int l = 0; l < 2; l++)
                {
                    if ((present & (512UL << (r * 2 + l))) == 0) continue;
                    int at = PressureSlot + (r * 2 + l) * 4;
                    lines[l] = new PressureLine(BitConverter.Int64BitsToDouble((long)s[at]), BitConverter.Int64BitsToDouble((long)s[at + 1]),
                        BitConverter.Int64BitsToDouble((long)s[at + 2]), s[at + 3]);
                }
                res[r] = new Pressure(lines[0], lines[1]);
            }
            pressure = new CgroupPressure(res[0], res[1], res[2]);
        }
        return new CgroupStats(path, cpu, mem, pids, cpus, io, pressure);
    }

    private CpuList CpuListOf(int id)
    {
        if (_cpuLists.TryGetValue(id, out var list)) return list;
        var text = String(id);
        try { list = CpuList.Parse(Encoding.UTF8.GetBytes(text), "recorded cpu list"); }
        catch (ProcFs.Parsing.ProcFsFormatException e) { throw new StoreFormatException(e.Message); }
        _cpuLists[id] = list;
        return list;
    }

    // ---------------------------------------------------------------- decoding

    /// <summary>Decodes one record onto the state the previous one left. A key frame needs no state.</summary>
    public RecordedSample Decode(ReadOnlySpan<byte> data)
    {
        var i = new ByteSource(data);
        byte flags = i.Byte();
        bool key = (flags & 1) != 0;
        if (key) Reset();
        else if (!Primed) throw new StoreFormatException("a delta record without the key frame before it");
        long timestamp = _timestamp + i.VarS();
        long processTimestamp = timestamp + i.VarS();
        long utc = _utcTicks + i.VarS();
        long offset = i.VarS();
        if (utc < DateTimeOffset.MinValue.UtcTicks || utc > DateTimeOffset.MaxValue.UtcTicks || Math.Abs(offset) > 14 * 60)
            throw new StoreFormatException("time out of range");
        _timestamp = timestamp;
        _utcTicks = utc;
        var time = new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset));
        var host = DecodeHost(ref i);
        var scope = DecodeScope(ref i);
        var cgroups = DecodeCgroups(ref i);
        var processes = DecodeProcesses(ref i);
        var names = DecodeNames(ref i);
        if (!i.End) throw new StoreFormatException("trailing bytes after the sample");
        Primed = true;
        var sample = new Sample
        {
            Timestamp = timestamp, ProcessTimestamp = processTimestamp, Time = time, Host = host, Scope = scope,
            Cgroups = cgroups, Processes = processes,
        };
        return new RecordedSample(sample, names, (flags & 2) != 0);
    }

    private string String(ulong id) => id < (ulong)_strings.Count ? _strings[(int)id] : throw new StoreFormatException($"unknown string {id}");
    private string String(int id) => String((ulong)(uint)id);

    private string ReadStr(ref ByteSource i)
    {
        ulong id = i.VarU();
        if (id == (ulong)_strings.Count)
        {
            var s = i.Utf8();
            _stringIds.TryAdd(s, _strings.Count);
            _strings.Add(s);
            return s;
        }
        return String(id);
    }

    private static double? ReadOptDouble(ref ByteSource i) => i.Byte() != 0 ? i.Double() : null;
    private static long? ReadOptLong(ref ByteSource i) => i.Byte() != 0 ? i.VarS() : null;
    private string? ReadOptStr(ref ByteSource i) => i.Byte() != 0 ? ReadStr(ref i) : null;

    private static HostSample DecodeHost(ref ByteSource i)
    {
        var cpu = new CpuTimes(i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU(), i.VarU());
        int online = i.Count(1 << 20);
        ulong total = i.VarU();
        ulong? avail = (ulong?)ReadOptLong(ref i);
        var load = new LoadAvg(i.Double(), i.Double(), i.Double(), (int)i.VarS(), (int)i.VarS(), (int)i.VarS());
        var uptime = new Uptime(i.Double(), i.Double());
        return new HostSample(cpu, online, total, avail, load, uptime);
    }

    private Scope DecodeScope(ref ByteSource i)
    {
        byte kind = i.Byte();
        if (kind > 1) throw new StoreFormatException($"unknown scope kind {kind}");
        double cpus = i.Double();
        long memory = i.VarS();
        var name = ReadOptStr(ref i);
        var path = ReadOptStr(ref i);
        var swap = ReadOptLong(ref i);
        var uptime = ReadOptDouble(ref i);
        ScopeLoad? load = i.Byte() != 0 ? new ScopeLoad(i.Double(), i.Double(), i.Double(), (int)i.VarS(), (int)i.VarS()) : null;
        return new Scope((ScopeKind)kind, cpus, memory, name, path, swap, uptime, load);
    }

    private void ReadNewStrings(ref ByteSource i)
    {
        int n = i.Count(MaxCount);
        for (int k = 0; k < n; k++)
        {
            var s = i.Utf8();
            _stringIds.TryAdd(s, _strings.Count);
            _strings.Add(s);
        }
    }

    private static void ReadSlots(ref ByteSource i, ulong[] slots)
    {
        ulong mask = i.VarU();
        if (slots.Length < 64 && mask >> slots.Length != 0) throw new StoreFormatException("field mask out of range");
        for (int k = 0; k < slots.Length; k++)
            if ((mask & (1UL << k)) != 0) slots[k] += (ulong)i.VarS();
    }

    private Dictionary<string, CgroupStats> DecodeCgroups(ref ByteSource i)
    {
        ReadNewStrings(ref i);
        int removed = i.Count(MaxCount);
        for (int k = 0; k < removed; k++)
        {
            var path = String(i.VarU());
            if (!_cgroups.Remove(path)) throw new StoreFormatException($"removed cgroup {path} was not there");
            _cgroupObjects.Remove(path);
        }
        int changed = i.Count(MaxCount);
        for (int k = 0; k < changed; k++)
        {
            var path = ReadStr(ref i);
            if (!_cgroups.TryGetValue(path, out var slots)) _cgroups[path] = slots = new ulong[CgroupSlots];
            ReadSlots(ref i, slots);
            _cgroupObjects.Remove(path);
        }
        var result = new Dictionary<string, CgroupStats>(_cgroups.Count, StringComparer.Ordinal);
        // In the sampler's order (the tree is listed sorted by ordinal path; /proc lists PIDs ascending), so a replayed
        // frame lists its rows as the live one did.
        foreach (var path in _cgroups.Keys.Order(StringComparer.Ordinal))
        {
            var slots = _cgroups[path];
            if (!_cgroupObjects.TryGetValue(path, out var stats)) _cgroupObjects[path] = stats = Unflatten(path, slots);
            result[path] = stats;
        }
        return result;
    }

    private Dictionary<int, ProcessSample> DecodeProcesses(ref ByteSource i)
    {
        ReadNewStrings(ref i);
        int removed = i.Count(MaxCount);
        long pid = 0;
        for (int k = 0; k < removed; k++)
        {
            pid += (long)i.VarU();
            if (pid > int.MaxValue || !_processes.Remove((int)pid)) throw new StoreFormatException($"removed process {pid} was not there");
            _infoObjects.Remove((int)pid);
        }
        int changed = i.Count(MaxCount);
        pid = 0;
        for (int k = 0; k < changed; k++)
        {
            pid += (long)i.VarU();
            if (pid > int.MaxValue) throw new StoreFormatException("pid out of range");
            if (!_processes.TryGetValue((int)pid, out var slots)) _processes[(int)pid] = slots = new ulong[ProcessSlots];
            ulong user = slots[7], command = slots[8], cgroup = slots[9];
            ReadSlots(ref i, slots);
            if (slots[7] != user || slots[8] != command || slots[9] != cgroup) _infoObjects.Remove((int)pid);
        }
        IEnumerable<int> order = _processes.Keys.Order();
        if (i.Byte() != 0)
        {
            int n = i.Count(MaxCount);
            if (n != _processes.Count) throw new StoreFormatException("the process order does not list every process");
            var listed = new int[n];
            long at = 0;
            for (int k = 0; k < n; k++)
            {
                at += i.VarS();
                if (at < 0 || at > int.MaxValue || !_processes.ContainsKey((int)at)) throw new StoreFormatException($"the process order names an unknown process {at}");
                listed[k] = (int)at;
            }
            order = listed;
        }
        var result = new Dictionary<int, ProcessSample>(_processes.Count);
        foreach (var p in order)
        {
            var s = _processes[p];
            if (!_infoObjects.TryGetValue(p, out var info))
            {
                string? cgroup = s[9] == 0 ? null : String(s[9] - 1);
                _infoObjects[p] = info = new ProcessInfo(String(s[7]), String(s[8]), cgroup, cgroup is null ? null : ContainerOf((int)(s[9] - 1), cgroup));
            }
            if (s[2] > char.MaxValue || s[1] > int.MaxValue || s[5] > int.MaxValue) throw new StoreFormatException($"process {p} out of range");
            if (!result.TryAdd(p, default)) throw new StoreFormatException($"the process order lists {p} twice");
            result[p] = new ProcessSample(p, s[0], (int)s[1], (char)s[2], s[3], (long)s[4], (int)s[5], info) { WaitNs = s[6] == 0 ? null : s[6] - 1 };
        }
        return result;
    }

    private ContainerId? ContainerOf(int id, string path)
    {
        if (!_containerOfPath.TryGetValue(id, out var c)) _containerOfPath[id] = c = ContainerNames.FromPath(path);
        return c;
    }

    private Dictionary<string, ContainerId> DecodeNames(ref ByteSource i)
    {
        int removed = i.Count(MaxCount);
        for (int k = 0; k < removed; k++)
        {
            var key = i.Utf8();
            if (!_names.Remove(key)) throw new StoreFormatException($"removed name {key} was not there");
            _nameObjects.Remove(key);
        }
        int changed = i.Count(MaxCount);
        for (int k = 0; k < changed; k++)
        {
            var key = i.Utf8();
            int n = i.Count(1 << 20);
            var bytes = new byte[n];
            for (int b = 0; b < n; b++) bytes[b] = i.Byte();
            _nameObjects[key] = ReadName(bytes);
            _names[key] = bytes;
        }
        return new Dictionary<string, ContainerId>(_nameObjects, StringComparer.Ordinal);
    }

    private static ContainerId ReadName(byte[] bytes)
    {
        var i = new ByteSource(bytes);
        string runtime = i.Utf8(), id = i.Utf8(), name = i.Utf8(), source = i.Utf8();
        string? image = i.Byte() != 0 ? i.Utf8() : null;
        SortedDictionary<string, string>? labels = null;
        if (i.Byte() != 0)
        {
            labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            int n = i.Count(1 << 16);
            for (int k = 0; k < n; k++) labels[i.Utf8()] = i.Utf8();
        }
        PodName? pod = i.Byte() != 0 ? new PodName(i.Utf8(), i.Utf8(), i.Utf8()) : null;
        if (!i.End) throw new StoreFormatException("trailing bytes after a container name");
        return new ContainerId(runtime, id, name) { Image = image, Labels = labels, Pod = pod, Source = source };
    }
}
