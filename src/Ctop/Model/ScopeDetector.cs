using System.Globalization;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace Ctop.Model;

/// <summary>
/// Decides whether ctop runs inside a container, from evidence rather than from a "/" path: a cgroup or pid namespace
/// other than the initial one (whose inodes the kernel fixes), a cgroup mount whose root is not "/" (a runtime
/// bind-mounted the container's subtree), or a host mount seen from inside a cgroup namespace. Inside, the capacity is
/// the container's own effective limits; on a host, the online CPUs and MemTotal.
/// </summary>
public sealed class ScopeDetector
{
    /// <summary>PROC_CGROUP_INIT_INO and PROC_PID_INIT_INO: the inodes of the initial namespaces.</summary>
    private const string InitCgroupNs = "cgroup:[4026531835]", InitPidNs = "pid:[4026531836]";

    private readonly CgroupLayout _layout;
    private readonly CgroupReader _reader;
    private readonly string? _cpuPath, _memoryPath, _cpusetPath;

    public ScopeDetector(string procRoot, CgroupLayout layout, CgroupReader reader)
    {
        _layout = layout;
        _reader = reader;
        Reason = DetectContainer(procRoot, layout);
        var self = ReadSelfCgroup(procRoot);
        if (self is not null)
        {
            _cpuPath = layout.PathOf(self, Controllers.Cpu);
            _memoryPath = layout.PathOf(self, Controllers.Memory);
            _cpusetPath = layout.PathOf(self, Controllers.Cpuset);
        }
        Name = _cpuPath ?? _memoryPath;
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
        return new Scope(ScopeKind.Container, cpus, memory, container?.Name ?? Environment.MachineName, Name);
    }

    private double? EffectiveCpu(string path)
    {
        double? min = null;
        foreach (var p in CgroupPath.SelfAndAncestors(path))
            if (_reader.ReadCpu(p)?.LimitCores is double c && (min is null || c < min)) min = c;
        return min;
    }

    private ulong? EffectiveMemory(string path)
    {
        ulong? min = null;
        foreach (var p in CgroupPath.SelfAndAncestors(path))
        {
            var m = _reader.ReadMemory(p);
            foreach (var l in new[] { m?.LimitBytes, m?.HierarchicalLimitBytes })
                if (l is ulong v && (min is null || v < min)) min = v;
        }
        return min;
    }

    private static ProcPidCgroup? ReadSelfCgroup(string procRoot)
    {
        var file = Path.Combine(procRoot, "self", "cgroup");
        var k = new KernelFile();
        if (k.TryRead(file) != ReadStatus.Ok) return null;
        try { return ProcPidCgroup.Parse(k.Data, file); }
        catch (ProcFsFormatException) { return null; }
    }

    private static string? DetectContainer(string procRoot, CgroupLayout layout)
    {
        if (NamespaceLink(procRoot, "cgroup") is { } cg && cg != InitCgroupNs) return $"in a cgroup namespace ({cg})";
        if (NamespaceLink(procRoot, "pid") is { } pid && pid != InitPidNs) return $"in a pid namespace ({pid})";
        if (layout.SeesNamespaceBoundary) return "cgroup mounts are rooted outside this cgroup namespace";
        if (layout.Hierarchies.FirstOrDefault(h => h.Root != "/") is { } bound)
            return string.Create(CultureInfo.InvariantCulture, $"the cgroup mount {bound.MountPoint} shows only {bound.Root}");
        return null;
    }

    private static string? NamespaceLink(string procRoot, string ns)
    {
        try { return new FileInfo(Path.Combine(procRoot, "self", "ns", ns)).LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
