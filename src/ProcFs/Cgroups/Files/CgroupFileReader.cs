using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// Reads and parses cgroup files given the cgroup's directory. One instance per reading thread: it reuses one
/// file buffer and one path buffer, so a read allocates only what the parsed value needs. With <see cref="HeldFiles"/>
/// the files stay open between reads (see there).
/// A file that is missing or unreadable gives null (or <see cref="LimitRead.Missing"/>): cgroups vanish between
/// listing and reading, and controllers may be absent. <see cref="LastStatus"/> tells which. Malformed content
/// throws <see cref="ProcFsFormatException"/> naming the file and line.
/// </summary>
public sealed class CgroupFileReader
{

    private readonly KernelFile _file;
    private readonly HeldFiles? _held;
    private char[] _path = new char[256];
    private int _pathLength;

    public CgroupFileReader() : this(new KernelFile()) { }

    public CgroupFileReader(KernelFile file, HeldFiles? held = null)
    {
        _file = file;
        _held = held;
    }

    /// <summary>
    /// How many samples a held file read from now on stays open unread (see <see cref="HeldFiles.Sweep"/>): 1, or N while
    /// reading files that are read every N samples (limits), so that their next read is a pread too.
    /// </summary>
    public int HeldSweeps { get; set; } = 1;

    /// <summary>Outcome of the last file read: Ok, Missing (gone or never there) or Denied.</summary>
    public ReadStatus LastStatus { get; private set; }

    // ---- cpu -----------------------------------------------------------------------------------------------

    /// <summary>v2 <c>cpu.max</c>.</summary>
    public CpuMax? ReadCpuMax(string dir) => Load(dir, "cpu.max") ? CpuMax.Parse(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>cpu.cfs_quota_us</c> + <c>cpu.cfs_period_us</c>; null if either is missing.</summary>
    public CpuMax? ReadCfsBandwidth(string dir)
    {
        if (!Load(dir, "cpu.cfs_quota_us")) return null;
        long? quota = CpuMax.ParseCfsQuota(_file.Data, PathSpan);
        if (!Load(dir, "cpu.cfs_period_us")) return null;
        return new CpuMax(quota, CpuMax.ParseCfsPeriod(_file.Data, PathSpan));
    }

    /// <summary><c>cpu.stat</c> of either version, times in ns.</summary>
    public CpuStat? ReadCpuStat(string dir, CgroupVersion version) =>
        Load(dir, "cpu.stat") ? CpuStat.Parse(_file.Data, PathSpan, version) : null;

    /// <summary>v2 <c>cpu.weight</c>.</summary>
    public CpuWeight? ReadCpuWeight(string dir) => Load(dir, "cpu.weight") ? CpuWeight.Parse(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>cpu.shares</c>.</summary>
    public CpuShares? ReadCpuShares(string dir) => Load(dir, "cpu.shares") ? CpuShares.Parse(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>cpuacct.usage</c>: total CPU time in ns.</summary>
    public ulong? ReadCpuacctUsage(string dir) => ReadCounter(dir, "cpuacct.usage");

    /// <summary>v1 <c>cpuacct.usage_percpu</c>: ns per possible CPU.</summary>
    public ulong[]? ReadCpuacctUsagePerCpu(string dir) =>
        Load(dir, "cpuacct.usage_percpu") ? CpuacctUsage.ParsePerCpu(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>cpuacct.stat</c>: USER_HZ ticks.</summary>
    public CpuacctStat? ReadCpuacctStat(string dir) => Load(dir, "cpuacct.stat") ? CpuacctStat.Parse(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>cpuacct.usage_all</c>: per-CPU user/system ns.</summary>
    public CpuacctUsageAll? ReadCpuacctUsageAll(string dir) =>
        Load(dir, "cpuacct.usage_all") ? CpuacctUsageAll.Parse(_file.Data, PathSpan) : null;

    /// <summary>A CPU or node list: <c>cpuset.cpus</c>, <c>cpuset.effective_cpus</c> (v1), <c>cpuset.cpus.effective</c> (v2), <c>cpuset.mems</c>, ...</summary>
    public CpuList? ReadCpuList(string dir, string file) => Load(dir, file) ? CpuList.Parse(_file.Data, PathSpan) : null;

    // ---- memory ----------------------------------------------------------------------------------------------

    /// <summary><c>memory.stat</c> of either version.</summary>
    public MemoryStat? ReadMemoryStat(string dir) => Load(dir, "memory.stat") ? MemoryStat.Parse(_file.Data, PathSpan) : null;

    /// <summary>From <c>memory.stat</c> only the working set's inactive file and v1's hierarchical limit; allocates nothing.</summary>
    public MemoryStatTotals? ReadMemoryStatTotals(string dir, CgroupVersion version) =>
        Load(dir, "memory.stat") ? MemoryStat.ParseTotals(_file.Data, PathSpan, version) : null;

    /// <summary>v2 <c>memory.events</c>, or <c>memory.events.local</c> when <paramref name="local"/>.</summary>
    public MemoryEvents? ReadMemoryEvents(string dir, bool local = false) =>
        Load(dir, local ? "memory.events.local" : "memory.events") ? MemoryEvents.Parse(_file.Data, PathSpan) : null;

    /// <summary>v1 <c>memory.oom_control</c>.</summary>
    public MemoryOomControl? ReadMemoryOomControl(string dir) =>
        Load(dir, "memory.oom_control") ? MemoryOomControl.Parse(_file.Data, PathSpan) : null;

    /// <summary>Memory in use: v2 <c>memory.current</c>, v1 <c>memory.usage_in_bytes</c>.</summary>
    public ulong? ReadMemoryUsage(string dir, CgroupVersion version) =>
        ReadCounter(dir, version == CgroupVersion.V2 ? "memory.current" : "memory.usage_in_bytes");

    /// <summary>The memory limit: v2 <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>.</summary>
    public LimitRead ReadMemoryLimit(string dir, CgroupVersion version) =>
        ReadLimit(dir, version == CgroupVersion.V2 ? "memory.max" : "memory.limit_in_bytes");

    /// <summary>The swap limit: v2 <c>memory.swap.max</c> (swap alone), v1 <c>memory.memsw.limit_in_bytes</c> (memory + swap).</summary>
    public LimitRead ReadSwapLimit(string dir, CgroupVersion version) =>
        ReadLimit(dir, version == CgroupVersion.V2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");

    /// <summary>Swap in use: v2 <c>memory.swap.current</c>, v1 <c>memory.memsw.usage_in_bytes</c> (memory + swap).</summary>
    public ulong? ReadSwapUsage(string dir, CgroupVersion version) =>
        ReadCounter(dir, version == CgroupVersion.V2 ? "memory.swap.current" : "memory.memsw.usage_in_bytes");

    /// <summary>v1 <c>memory.swappiness</c> (v2 has none: null).</summary>
    public ulong? ReadSwappiness(string dir) => ReadCounter(dir, "memory.swappiness");

    /// <summary>The CPUs configured for the cgroup: <c>cpuset.cpus</c> of either version (empty when it inherits).</summary>
    public CpuList? ReadCpusetCpus(string dir) => ReadCpuList(dir, "cpuset.cpus");

    /// <summary>The CPUs the cgroup may run on: v2 <c>cpuset.cpus.effective</c>, v1 <c>cpuset.effective_cpus</c>.</summary>
    public CpuList? ReadCpusetEffectiveCpus(string dir, CgroupVersion version) =>
        ReadCpuList(dir, version == CgroupVersion.V2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus");

    // ---- single values ---------------------------------------------------------------------------------------

    /// <summary>A u64 counter file: memory.current, memory.usage_in_bytes, memory.failcnt, pids.current, cpuacct.usage, ...</summary>
    public ulong? ReadCounter(string dir, string file) => Load(dir, file) ? CgroupValue.ParseCounter(_file.Data, PathSpan) : null;

    /// <summary>A limit file: memory.max/high/low/min/swap.max, memory.limit_in_bytes, memory.memsw.limit_in_bytes, pids.max, ...</summary>
    public LimitRead ReadLimit(string dir, string file) =>
        Load(dir, file) ? LimitRead.FromParsed(CgroupValue.ParseLimit(_file.Data, PathSpan)) : LimitRead.Missing;

    // ---- pids, io, pressure ------------------------------------------------------------------------------------

    /// <summary><c>pids.events</c>.</summary>
    public PidsEvents? ReadPidsEvents(string dir) => Load(dir, "pids.events") ? PidsEvents.Parse(_file.Data, PathSpan) : null;

    /// <summary>v2 <c>io.stat</c>.</summary>
    public IoStat? ReadIoStat(string dir) => Load(dir, "io.stat") ? IoStat.Parse(_file.Data, PathSpan) : null;

    /// <summary>
    /// v1 <c>blkio.throttle.io_service_bytes</c> + <c>io_serviced</c> (the _recursive forms, including descendants,
    /// unless <paramref name="recursive"/> is false) as read/write totals; null if either file is missing.
    /// </summary>
    public IoTotals? ReadBlkioThrottle(string dir, bool recursive = true)
    {
        if (!Load(dir, recursive ? "blkio.throttle.io_service_bytes_recursive" : "blkio.throttle.io_service_bytes")) return null;
        var bytes = BlkioThrottle.Parse(_file.Data, PathSpan);
        if (!Load(dir, recursive ? "blkio.throttle.io_serviced_recursive" : "blkio.throttle.io_serviced")) return null;
        return BlkioThrottle.ToIoTotals(bytes, BlkioThrottle.Parse(_file.Data, PathSpan));
    }

    /// <summary>v2 PSI file <c>{resource}.pressure</c> ("cpu", "memory", "io", "irq") in a cgroup directory.</summary>
    public Pressure? ReadPressure(string dir, string resource) =>
        Load(dir, resource, ".pressure") ? Pressure.Parse(_file.Data, PathSpan) : null;

    /// <summary>A PSI file by full path, e.g. <c>/proc/pressure/cpu</c>.</summary>
    public Pressure? ReadPressureFile(string path) =>
        Load(path, "", "") ? Pressure.Parse(_file.Data, PathSpan) : null;

    // ---- membership ------------------------------------------------------------------------------------------

    /// <summary>
    /// The PIDs in <c>cgroup.procs</c> (either version) into <paramref name="into"/>, which is cleared first. The file
    /// is many records, so it is read to its end and not held. False when the cgroup is gone or unreadable.
    /// </summary>
    public bool TryReadProcs(string dir, List<int> into)
    {
        into.Clear();
        if (!Load(dir, "cgroup.procs", manyRecords: true)) return false;
        int line = 0;
        foreach (var text in new LineEnumerator(_file.Data))
        {
            line++;
            if (text.IsEmpty) continue;
            if (!Utf8.TryParseInt32(text, out int pid) || pid <= 0)
                throw ProcFsFormatException.At(new string(PathSpan), line, text, "expected a PID per line");
            into.Add(pid);
        }
        return true;
    }

    /// <summary>
    /// The child cgroups of a cgroup directory, as directory paths (symlinks and files excluded, as
    /// <see cref="CgroupTree"/> does). Empty when the directory is gone or unreadable. Allocates; for one-off listings.
    /// </summary>
    public static List<string> ListChildren(string dir)
    {
        var children = new List<string>();
        int fd = Native.DirEntries.OpenDirectory(dir);
        if (fd < 0) return children;
        try
        {
            var entries = new Native.DirEntries(fd, new byte[8192]);
            while (entries.MoveNext())
            {
                if (!entries.MaybeDirectory) continue;
                int child = Native.DirEntries.OpenSubdirectory(fd, entries.Name);
                if (child < 0) continue;
                Native.Libc.Close(child);
                children.Add(Path.Join(dir, System.Text.Encoding.UTF8.GetString(entries.Name)));
            }
        }
        finally { Native.Libc.Close(fd); }
        return children;
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    private ReadOnlySpan<char> PathSpan => _path.AsSpan(0, _pathLength);

    /// <summary>Builds dir/name+suffix in the reused path buffer and reads it; false when missing or denied.</summary>
    private bool Load(string dir, string name, string suffix = "", bool manyRecords = false)
    {
        bool slash = name.Length > 0 && !dir.EndsWith('/');
        int len = dir.Length + (slash ? 1 : 0) + name.Length + suffix.Length;
        if (len > _path.Length) _path = new char[Math.Max(len, _path.Length * 2)];
        var p = _path.AsSpan();
        dir.CopyTo(p);
        int i = dir.Length;
        if (slash) p[i++] = '/';
        name.CopyTo(p[i..]);
        i += name.Length;
        suffix.CopyTo(p[i..]);
        _pathLength = len;
        // Every cgroup file read here is one seq_file record but cgroup.procs, which is read the ordinary way.
        LastStatus = manyRecords ? _file.TryRead(PathSpan) : _file.TryRead(PathSpan, _held, oneRecord: true, HeldSweeps);
        return LastStatus == ReadStatus.Ok;
    }
}
