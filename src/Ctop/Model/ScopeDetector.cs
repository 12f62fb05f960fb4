using System.Globalization;
using Ctop.Lxcfs;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace Ctop.Model;

/// <summary>
/// Decides whether ctop runs inside a container, from evidence rather than from a "/" path: a cgroup or pid namespace
/// other than the initial one (whose inodes the kernel fixes), a cgroup mount whose root is not "/" (a runtime
/// bind-mounted the container's subtree), a host mount seen from inside a cgroup namespace, or effective limits below the
/// host's (a process started in a limited cgroup is as boxed as a container). Inside, the capacity is the container's own
/// effective limits, its init's age and the load over its tasks; on a host, the online CPUs and MemTotal.
/// </summary>
public sealed class ScopeDetector
{
    /// <summary>PROC_CGROUP_INIT_INO and PROC_PID_INIT_INO: the inodes of the initial namespaces.</summary>
    private const string InitCgroupNs = "cgroup:[4026531835]", InitPidNs = "pid:[4026531836]";

    private readonly CgroupLayout _layout;
    private readonly CgroupReader _reader;
    private readonly string? _cpuPath, _memoryPath, _cpusetPath;

    private readonly ContainerReader _container;
    private readonly Func<double> _bootClock;
    private readonly LxcfsTarget? _target;
    private readonly LoadAverage _load = new();
    private double _lastLoadTick = double.NaN;

    /// <param name="bootClock">Seconds since boot (CLOCK_BOOTTIME); tests pass a fixed clock.</param>
    public ScopeDetector(string procRoot, CgroupLayout layout, CgroupReader reader, Func<double>? bootClock = null)
    {
        _layout = layout;
        _reader = reader;
        _bootClock = bootClock ?? BootClock.Seconds;
        _container = new ContainerReader(procRoot, layout: layout);
        var self = ReadSelfCgroup(procRoot);
        if (self is not null)
        {
            _cpuPath = layout.PathOf(self, Controllers.Cpu);
            _memoryPath = layout.PathOf(self, Controllers.Memory);
            _cpusetPath = layout.PathOf(self, Controllers.Cpuset);
        }
        Name = _cpuPath ?? _memoryPath;
        Reason = DetectContainer(procRoot, layout) ?? LimitedBelowHost(procRoot);
        if (Reason is not null) _target = ContainerTarget(procRoot);
    }

    /// <summary>Why ctop thinks it is in a container; null on a host.</summary>
    public string? Reason { get; }

    public bool InContainer => Reason is not null;

    private string? Name { get; }

    public Scope Detect(HostSample host)
    {
        if (!InContainer) return new Scope(ScopeKind.Host, host.OnlineCpus, (long)host.MemTotalBytes);
        double cpus = host.OnlineCpus;
        if (_cpusetPath is not null && _reader.ReadEffectiveCpus(_cpusetPath) is { IsEmpty: false } set) cpus = Math.Min(cpus, set.Count);
        if (_cpuPath is not null && EffectiveCpu(_cpuPath) is { } quota) cpus = Math.Min(cpus, quota);
        long memory = (long)host.MemTotalBytes;
        if (_memoryPath is not null && EffectiveMemory(_memoryPath) is { } limit) memory = (long)Math.Min((ulong)memory, limit);
        var container = Name is null ? null : ContainerNames.FromPath(Name);
        return new Scope(ScopeKind.Container, cpus, memory, container?.Name ?? Environment.MachineName, Name,
            SwapLimit(), Uptime(), Load());
    }

    /// <summary>The effective swap limit, capped by the host's swap (lxcfs's SwapTotal without the v1 "memory + swap" sum).</summary>
    private long? SwapLimit()
    {
        try
        {
            if (_container.ReadMemory(_memoryPath, LxcfsQuirks.Ctop) is not { } mem) return null;
            ulong hostSwapKb = MeminfoView.HostKb(_container.HostFile("meminfo"), "SwapTotal:");
            return (long)Math.Min(MeminfoView.SwapKb(mem, 0, hostSwapKb, addMemoryLimit: false).Total, long.MaxValue / 1024) * 1024;
        }
        catch (IOException) { return null; }
    }

    private double? Uptime() =>
        _target is not null && _container.ReadUptime(_target, _bootClock()) is { } u ? Math.Max(0, UptimeView.Age(u)) : null;

    /// <summary>The tasks are counted every sample; the averages tick every 5 s of boot time, as the kernel's and lxcfs's do.</summary>
    private ScopeLoad? Load()
    {
        if (_target?.CpuPath is not { } cpu) return null;
        var tasks = _container.CountTasks(cpu);
        double now = _bootClock();
        if (double.IsNaN(_lastLoadTick)) { _lastLoadTick = now; _load.Tick(tasks.Running); }
        // A sample interval longer than 5 s ticks once per elapsed period, so the decay keeps to wall time.
        for (int i = 0; now - _lastLoadTick >= LoadAverage.Period.TotalSeconds && i < 1000; i++)
        {
            _load.Tick(tasks.Running);
            _lastLoadTick += LoadAverage.Period.TotalSeconds;
        }
        return new ScopeLoad(_load.Load1, _load.Load5, _load.Load15, tasks.Running, tasks.Total);
    }

    /// <summary>
    /// Whose init and tasks: in its own pid namespace (with its /proc) the init is PID 1; otherwise the container's oldest
    /// process stands for it, and lxcfs's host-PID-1 answer is not reproduced.
    /// </summary>
    private LxcfsTarget? ContainerTarget(string procRoot)
    {
        try
        {
            var proc = new ProcReader(procRoot);
            if (proc.ReadSelfPid() is not { } selfPid) return null;
            var target = _container.ForPid(selfPid, LxcfsQuirks.Ctop);
            bool ownPidNs = proc.ReadNamespace("pid") is { } pid && pid != InitPidNs && proc.Exists(1);
            return ownPidNs ? target with { UptimePid = 1 } : target;
        }
        catch (IOException) { return null; }
        catch (ArgumentException) { return null; }
        catch (ProcFsFormatException) { return null; }
    }

    /// <summary>
    /// No namespace, but limits below the host's: quota or cpuset smaller than the online CPUs, or a memory limit below
    /// MemTotal, on ctop's own cgroup or an ancestor. Such a process sees a container's capacity.
    /// </summary>
    private string? LimitedBelowHost(string procRoot)
    {
        int online;
        ulong memTotal;
        try
        {
            var proc = new ProcReader(procRoot);
            online = Math.Max(1, proc.ReadSystemStat().Cpus.Count);
            memTotal = proc.ReadMemInfo().MemTotal ?? ulong.MaxValue;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (ProcFsFormatException) { return null; }
        var why = new List<string>();
        if (_cpuPath is not null && EffectiveCpu(_cpuPath) is double q && q < online)
            why.Add(string.Create(CultureInfo.InvariantCulture, $"CPU quota {q:0.###} of {online} CPUs"));
        if (_cpusetPath is not null && _reader.ReadEffectiveCpus(_cpusetPath) is { IsEmpty: false } set && set.Count < online)
            why.Add(string.Create(CultureInfo.InvariantCulture, $"cpuset {set} of {online} CPUs"));
        if (_memoryPath is not null && EffectiveMemory(_memoryPath) is ulong m && m < memTotal)
            why.Add(string.Create(CultureInfo.InvariantCulture, $"memory limit {m} of {memTotal} bytes"));
        return why.Count == 0 ? null : $"effective limits below the host's ({string.Join(", ", why)})";
    }

    private double? EffectiveCpu(string path) => CgroupPath.Smallest(path, p => _reader.ReadCpu(p)?.LimitCores).Value;

    private ulong? EffectiveMemory(string path) => CgroupPath.Smallest(path, p =>
        _reader.ReadMemory(p) is { } m ? Min(m.LimitBytes, m.HierarchicalLimitBytes) : null).Value;

    private static ulong? Min(ulong? a, ulong? b) => a is ulong x && b is ulong y ? Math.Min(x, y) : a ?? b;

    private static ProcPidCgroup? ReadSelfCgroup(string procRoot)
    {
        try { return new ProcReader(procRoot).ReadCgroup(); }
        catch (ProcFsFormatException) { return null; }
    }

    private static string? DetectContainer(string procRoot, CgroupLayout layout)
    {
        if (new ProcReader(procRoot).ReadNamespace("cgroup") is { } cg && cg != InitCgroupNs) return $"in a cgroup namespace ({cg})";
        if (new ProcReader(procRoot).ReadNamespace("pid") is { } pid && pid != InitPidNs) return $"in a pid namespace ({pid})";
        if (layout.SeesNamespaceBoundary) return "cgroup mounts are rooted outside this cgroup namespace";
        if (layout.Hierarchies.FirstOrDefault(h => h.Root != "/") is { } bound)
            return string.Create(CultureInfo.InvariantCulture, $"the cgroup mount {bound.MountPoint} shows only {bound.Root}");
        return null;
    }
}
