using System.Globalization;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace Ctop.Lxcfs;

/// <summary>
/// Whose cgroups a view is computed for. lxcfs (5.0) resolves the reader's pid-namespace init and uses its cgroups, or
/// the reader's own when it shares the host's pid namespace; with <c>--cgroup</c> ctop takes the paths as given.
/// </summary>
public sealed record LxcfsTarget(string? CpuPath, string? CpuacctPath, string? CpusetPath, string? MemoryPath, int? UptimePid, string Description);

/// <summary>
/// Assembles the inputs of the views from ProcFs: the host's files under the proc root, and the cgroup values through the
/// layout. Reads happen here; the views stay pure.
/// </summary>
public sealed class ContainerReader
{
    private readonly CgroupFileReader _files = new();
    private readonly ProcReader _proc;

    public ContainerReader(string procRoot = "/proc", string? cgroupRoot = null, CgroupLayout? layout = null)
    {
        ProcRoot = procRoot;
        _proc = new ProcReader(procRoot);
        Layout = layout ?? CgroupLayout.Discover(procRoot, cgroupRoot);
    }

    public string ProcRoot { get; }
    public CgroupLayout Layout { get; }

    public string HostFile(string name) => new ProcReader(ProcRoot).ReadRootFile(name);

    // ---- whose cgroup ------------------------------------------------------------------------------------------------

    /// <summary>The target for an explicit cgroup path (the same path in every hierarchy, as ctop's own cgroups are).</summary>
    public LxcfsTarget ForCgroup(string path)
    {
        if (!CgroupPath.IsValid(path)) throw new ArgumentException($"'{path}' is not a cgroup path (absolute, no '.' or '..').", nameof(path));
        return new LxcfsTarget(path, path, path, path, OldestIn(path), "cgroup " + path);
    }

    /// <summary>lxcfs's rule for a reader PID: its pid namespace's init, or the reader itself when it shares the host's namespace.</summary>
    public LxcfsTarget ForPid(int pid, LxcfsQuirks quirks)
    {
        var init = PidNamespaceInit(pid);
        int source = init ?? pid;
        var cg = ReadCgroup(source) ?? throw new ArgumentException($"process {pid.ToString(CultureInfo.InvariantCulture)} not found under {ProcRoot}.", nameof(pid));
        string? P(string c) => Layout.PathOf(cg, c) is { } p ? PruneInitScope(p) : null;
        string? cpu = P(Controllers.Cpu);
        // Quirk: /proc/uptime has no shared-namespace fallback, so a reader in the host namespace gets host PID 1.
        int? uptimePid = init ?? (quirks.UptimeOfHostInitWithoutPidns ? 1 : (cpu ?? P(Controllers.Memory)) is { } path ? OldestIn(path) ?? pid : pid);
        var who = init is int i
            ? $"process {pid.ToString(CultureInfo.InvariantCulture)}'s pid-namespace init {i.ToString(CultureInfo.InvariantCulture)}"
            : $"process {pid.ToString(CultureInfo.InvariantCulture)} (host pid namespace)";
        return new LxcfsTarget(cpu, P(Controllers.Cpuacct), P(Controllers.Cpuset), P(Controllers.Memory), uptimePid, who);
    }

    /// <summary>The PID (in the proc root's namespace) of PID 1 of <paramref name="pid"/>'s pid namespace; null when that is the proc root's own.</summary>
    public int? PidNamespaceInit(int pid)
    {
        var ns = NamespaceOf(pid);
        if (ns is null || ns == NamespaceOf(1)) return null;
        var list = new List<int>();
        new ProcReader(ProcRoot).ListPids(list);
        var reader = new ProcReader(ProcRoot);
        foreach (var candidate in list)
        {
            if (NamespaceOf(candidate) != ns) continue;
            if (reader.TryReadStatus(candidate, out var st) && st.NSpid.Length > 0 && st.NSpid[^1] == 1) return candidate;
        }
        return null;
    }

    // ProcReader reads "self" for PID 0; here 0 is no process.
    private string? NamespaceOf(int pid) => pid > 0 ? _proc.ReadNamespace("pid", pid) : null;

    public ProcPidCgroup? ReadCgroup(int pid) => pid > 0 ? _proc.ReadCgroup(pid) : null;

    /// <summary>lxcfs's prune_init_slice(): systemd containers run their init in init.scope; the container is its parent.</summary>
    public static string PruneInitScope(string path) =>
        path.EndsWith("/init.scope", StringComparison.Ordinal) ? (CgroupPath.Parent(path) ?? "/") : path;

    /// <summary>The longest-running process in a cgroup and its descendants (its "init" when it has no pid namespace).</summary>
    public int? OldestIn(string path)
    {
        var reader = new ProcReader(ProcRoot);
        int? best = null;
        ulong bestStart = ulong.MaxValue;
        foreach (var pid in ProcsOf(path, depth: int.MaxValue))
            if (reader.TryReadStat(pid, out var stat) && stat.StartTime < bestStart) { best = pid; bestStart = stat.StartTime; }
        return best;
    }

    /// <summary>PIDs in cgroup.procs of the cgroup (cpu hierarchy, else memory, else v2) and of sub-cgroups down to <paramref name="depth"/> levels.</summary>
    public List<int> ProcsOf(string path, int depth)
    {
        var result = new List<int>();
        var h = Layout.HierarchyOf(Controllers.Cpu) ?? Layout.HierarchyOf(Controllers.Memory) ?? Layout.Unified;
        if (h?.DirectoryOf(path) is { } dir) CollectProcs(dir, depth, result);
        return result;
    }

    private static void CollectProcs(string dir, int depth, List<int> into)
    {
        try
        {
            var pids = new List<int>();
            if (!new CgroupFileReader().TryReadProcs(dir, pids)) return;
            into.AddRange(pids);
            if (depth <= 0) return;
            foreach (var sub in CgroupFileReader.ListChildren(dir)) CollectProcs(sub, depth - 1, into);
        }
        catch (ProcFsFormatException) { }
    }

    // ---- values ------------------------------------------------------------------------------------------------------

    /// <summary>Memory usage, the smallest limit on the path, memory.stat and swap accounting. Null without a memory controller.</summary>
    public MemoryInputs? ReadMemory(string? path, LxcfsQuirks quirks)
    {
        var h = Layout.HierarchyOf(Controllers.Memory);
        if (path is null || h?.DirectoryOf(path) is not { } dir) return null;
        var v = h.Version;
        var usage = _files.ReadMemoryUsage(dir, v);
        var stat = _files.ReadMemoryStat(dir);
        if (usage is null || stat is null) return null;
        var limit = MinLimit(h, path, (d, v) => _files.ReadMemoryLimit(d, v));
        SwapInputs? swap = null;
        if (!_files.ReadSwapLimit(dir, v).IsMissing && _files.ReadSwapUsage(dir, v) is ulong swapUsage)
            swap = new SwapInputs(MinLimit(h, path, (d, v) => _files.ReadSwapLimit(d, v)), swapUsage, _files.ReadSwappiness(dir) ?? 60);
        bool v2 = v == CgroupVersion.V2;
        return new MemoryInputs(v2, usage.Value, limit, MemoryCounters.From(stat, v2, quirks), swap);
    }

    /// <summary>The smallest limit along the path to the root; null when nothing on the way is limited.</summary>
    private static ulong? MinLimit(CgroupHierarchy h, string path, Func<string, CgroupVersion, LimitRead> read) =>
        CgroupPath.Smallest(path, p => h.DirectoryOf(p) is { } d ? read(d, h.Version).Limit : null).Value;

    public CpuInputs ReadCpu(LxcfsTarget target, string hostStat, LxcfsQuirks quirks)
    {
        int online = Math.Max(1, MeminfoView.Lines(hostStat).Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3])));
        var cpuset = ReadCpuset(target.CpusetPath) ?? CpuList.FromCpus(Enumerable.Range(0, online));
        // Quirk: 5.0.3 reads the quota with the cpuset cgroup's path.
        var quotaPath = quirks.QuotaFromCpusetPath ? target.CpusetPath : target.CpuPath;
        var quota = ReadQuota(quotaPath);
        // Quirk (every lxcfs): cpuacct is read with the cpuset cgroup's path.
        var acctPath = quirks.CpuacctFromCpusetPath ? target.CpusetPath : target.CpuacctPath;
        CpuTicks[]? usage = null;
        if (acctPath is not null && Layout.HierarchyOf(Controllers.Cpuacct) is { Version: CgroupVersion.V1 } acct && acct.DirectoryOf(acctPath) is { } dir)
        {
            var all = _files.ReadCpuacctUsageAll(dir);
            usage = CpuTicks.From(all, all is null ? _files.ReadCpuacctUsagePerCpu(dir) : null, SystemConf.UserHz, quirks);
        }
        return new CpuInputs(cpuset, quota?.QuotaUsec, quota?.PeriodUsec, usage, online);
    }

    private CpuMax? ReadQuota(string? path)
    {
        var h = Layout.HierarchyOf(Controllers.Cpu);
        if (path is null || h?.DirectoryOf(path) is not { } dir) return null;
        return h.Version == CgroupVersion.V2 ? _files.ReadCpuMax(dir) : _files.ReadCfsBandwidth(dir);
    }

    /// <summary>lxcfs's get_cpuset(): cpuset.cpus, else cpuset.cpus.effective (v2), else the nearest ancestor with a non-empty set.</summary>
    public CpuList? ReadCpuset(string? path)
    {
        var h = Layout.HierarchyOf(Controllers.Cpuset);
        if (path is null || h is null) return null;
        foreach (var p in CgroupPath.SelfAndAncestors(path))
        {
            if (h.DirectoryOf(p) is not { } dir) continue;
            if (_files.ReadCpusetCpus(dir) is { IsEmpty: false } set) return set;
            if (h.Version == CgroupVersion.V2 && _files.ReadCpusetEffectiveCpus(dir, h.Version) is { IsEmpty: false } eff) return eff;
        }
        return null;
    }

    public UptimeInputs? ReadUptime(LxcfsTarget target, double bootTimeSeconds)
    {
        if (target.UptimePid is not int pid || !new ProcReader(ProcRoot).TryReadStat(pid, out var stat)) return null;
        ulong? busy = null;
        // Busy time is that of the init's own cpuacct cgroup, as lxcfs's get_reaper_busy() reads it.
        string? acctPath = ReadCgroup(pid) is { } cg && Layout.PathOf(cg, Controllers.Cpuacct) is { } p ? PruneInitScope(p) : target.CpuacctPath;
        if (acctPath is not null && Layout.HierarchyOf(Controllers.Cpuacct) is { Version: CgroupVersion.V1 } h && h.DirectoryOf(acctPath) is { } dir)
            busy = _files.ReadCpuacctUsage(dir);
        return new UptimeInputs(bootTimeSeconds, stat.StartTime, SystemConf.UserHz, busy);
    }

    /// <summary>Threads of the cgroup's processes (and 3 levels of sub-cgroups, like lxcfs): running = R or D, last = largest TID.</summary>
    public TaskCount CountTasks(string? path)
    {
        if (path is null) return new TaskCount(0, 0, 0);
        int running = 0, total = 0, last = 0;
        var tids = new List<int>();
        foreach (var pid in ProcsOf(path, depth: 3))
        {
            var tasks = new ProcReader(Path.Combine(ProcRoot, pid.ToString(CultureInfo.InvariantCulture), "task"));
            try { tasks.ListPids(tids); }
            catch (DirectoryNotFoundException) { continue; }
            foreach (var tid in tids)
            {
                if (!tasks.TryReadStat(tid, out var st)) continue;
                total++;
                if (st.State is 'R' or 'D') running++;
                if (tid > last) last = tid;
            }
        }
        return new TaskCount(running, total, last);
    }
}
