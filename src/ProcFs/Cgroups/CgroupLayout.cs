using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Cgroups;

public enum CgroupMode
{
    /// <summary>No cgroup filesystem found.</summary>
    None,
    /// <summary>Only v1 hierarchies ("legacy").</summary>
    V1,
    /// <summary>v1 hierarchies plus a cgroup2 mount (usually /sys/fs/cgroup/unified).</summary>
    Hybrid,
    /// <summary>One cgroup2 mount holds the controllers ("unified").</summary>
    V2,
}

/// <summary>
/// Which hierarchy holds each controller on this host, discovered from mountinfo: a controller bound to a v1
/// hierarchy is named in that mount's super-options; otherwise it is on v2 when the cgroup2 mount lists it in
/// cgroup.controllers. So v1, v2 and hybrid hosts all resolve the same way, per controller.
/// </summary>
public sealed class CgroupLayout
{
    private static readonly string[] KnownV1 = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc"];

    private CgroupLayout(IReadOnlyList<CgroupHierarchy> hierarchies)
    {
        Hierarchies = hierarchies;
        Unified = hierarchies.FirstOrDefault(h => h.Version == CgroupVersion.V2);
        bool anyV1 = hierarchies.Any(h => h.Version == CgroupVersion.V1 && h.Controllers.Count > 0);
        Mode = Unified is null ? (anyV1 ? CgroupMode.V1 : CgroupMode.None)
            : anyV1 ? CgroupMode.Hybrid : CgroupMode.V2;
    }

    public IReadOnlyList<CgroupHierarchy> Hierarchies { get; }

    /// <summary>The cgroup2 mount, if any (on a hybrid host it carries PSI and cpu.stat even without controllers).</summary>
    public CgroupHierarchy? Unified { get; }

    public CgroupMode Mode { get; }

    /// <summary>True when some cgroup mount shows a root outside the reader's cgroup namespace ("/..").</summary>
    public bool SeesNamespaceBoundary => Hierarchies.Any(h => h.IsOutsideNamespace);

    /// <summary>The hierarchy that holds <paramref name="controller"/>: its v1 mount, else v2 if enabled there.</summary>
    public CgroupHierarchy? HierarchyOf(string controller)
    {
        if (controller == Controllers.Io)
            return Unified is { } u && u.Has(Controllers.Io) ? u : HierarchyOf(Controllers.Blkio);
        foreach (var h in Hierarchies)
            if (h.Version == CgroupVersion.V1 && h.Has(controller)) return h;
        if (controller == Controllers.Cpuacct && Unified is { } v2 && v2.Has(Controllers.Cpu)) return v2;
        return Unified is { } uni && uni.Has(controller) ? uni : null;
    }

    public CgroupVersion? VersionOf(string controller) => HierarchyOf(controller)?.Version;

    /// <summary>The directory of a cgroup for one controller, or null when the controller is absent or the path unreachable.</summary>
    public string? DirectoryOf(string controller, string cgroupPath) => HierarchyOf(controller)?.DirectoryOf(cgroupPath);

    /// <summary>
    /// The path of <paramref name="pid"/>'s cgroup for a controller, from its /proc/PID/cgroup: the v1 line naming the
    /// controller when the controller is on v1, else the "0::" line.
    /// </summary>
    public string? PathOf(ProcPidCgroup cgroups, string controller)
    {
        var h = HierarchyOf(controller);
        if (h is null) return null;
        if (h.Version == CgroupVersion.V2) return cgroups.Unified?.Path;
        var v1Name = controller == Controllers.Io ? Controllers.Blkio : controller;
        return cgroups.V1For(v1Name)?.Path;
    }

    /// <summary>
    /// Every cgroup path in the hierarchies holding <paramref name="controllers"/> (union, sorted, "/" first).
    /// On v1 a cgroup may exist in some hierarchies only; it is listed once. Directories that vanish mid-walk are skipped.
    /// </summary>
    public IReadOnlyList<string> EnumeratePaths(params string[] controllers) => new CgroupTree(this, controllers).List().ToList();

    /// <summary>
    /// Discovers the layout from <c>{procRoot}/self/mountinfo</c>. When <paramref name="cgroupRoot"/> is given, mount points
    /// under /sys/fs/cgroup are rebased onto it (a host's cgroupfs mounted elsewhere, or a fixture tree); when mountinfo
    /// names no cgroup mount under it, the directory itself is probed.
    /// </summary>
    public static CgroupLayout Discover(string procRoot = "/proc", string? cgroupRoot = null)
    {
        var file = new KernelFile();
        var mountinfoPath = Path.Combine(procRoot, "self", "mountinfo");
        IReadOnlyList<MountInfoEntry> mounts = file.TryRead(mountinfoPath) == ReadStatus.Ok
            ? MountInfo.Parse(file.Data, mountinfoPath)
            : [];
        var layout = FromMounts(mounts, cgroupRoot);
        if (layout.Mode == CgroupMode.None && cgroupRoot is not null) layout = Probe(cgroupRoot);
        return layout;
    }

    public static CgroupLayout FromMounts(IReadOnlyList<MountInfoEntry> mounts, string? cgroupRoot = null)
    {
        const string SysFsCgroup = "/sys/fs/cgroup";
        // Later mounts on the same mount point hide earlier ones (a runtime's tmpfs over /sys/fs/cgroup keeps the
        // old "/.."-rooted lines listed above the new ones): keep the last line per mount point, and drop mounts
        // whose mount point lies under a later mount that covers it.
        var byMountPoint = new Dictionary<string, (int order, MountInfoEntry entry)>();
        for (int i = 0; i < mounts.Count; i++) byMountPoint[mounts[i].MountPoint] = (i, mounts[i]);
        var visible = byMountPoint.Values
            .Where(v => !byMountPoint.Values.Any(o => o.order > v.order && o.entry.MountPoint != "/" && o.entry.MountPoint != v.entry.MountPoint && IsUnder(v.entry.MountPoint, o.entry.MountPoint)))
            .OrderBy(v => v.order)
            .Select(v => v.entry);

        var list = new List<CgroupHierarchy>();
        foreach (var m in visible)
        {
            if (m.FsType is not ("cgroup" or "cgroup2")) continue;
            var mp = m.MountPoint;
            if (cgroupRoot is not null)
            {
                if (!IsUnder(mp, SysFsCgroup)) continue;
                mp = CgroupPath.Join(cgroupRoot, mp[SysFsCgroup.Length..]);
            }
            if (m.FsType == "cgroup2")
            {
                list.Add(new CgroupHierarchy(CgroupVersion.V2, mp, m.Root, ReadControllers(mp)));
            }
            else
            {
                var opts = m.SuperOptionList.ToList();
                var name = opts.FirstOrDefault(o => o.StartsWith("name=", StringComparison.Ordinal))?[5..];
                var controllers = opts.Where(o => KnownV1.Contains(o)).ToList();
                list.Add(new CgroupHierarchy(CgroupVersion.V1, mp, m.Root, controllers, name));
            }
        }
        return new CgroupLayout(list);
    }

    /// <summary>Without mountinfo: a cgroup2 root has cgroup.controllers; v1 shows one directory per hierarchy named by its controllers.</summary>
    public static CgroupLayout Probe(string cgroupRoot)
    {
        var list = new List<CgroupHierarchy>();
        if (File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers")))
            return new CgroupLayout([new CgroupHierarchy(CgroupVersion.V2, cgroupRoot, "/", ReadControllers(cgroupRoot))]);
        if (!Directory.Exists(cgroupRoot)) return new CgroupLayout(list);
        foreach (var dir in Directory.GetDirectories(cgroupRoot).OrderBy(d => d, StringComparer.Ordinal))
        {
            if (new FileInfo(dir).LinkTarget is not null) continue;
            var name = Path.GetFileName(dir);
            if (File.Exists(Path.Combine(dir, "cgroup.controllers")))
                list.Add(new CgroupHierarchy(CgroupVersion.V2, dir, "/", ReadControllers(dir)));
            else if (name.StartsWith("name=", StringComparison.Ordinal) || name == "systemd")
                list.Add(new CgroupHierarchy(CgroupVersion.V1, dir, "/", [], name.Replace("name=", "")));
            else
            {
                var controllers = name.Split(',').Where(c => KnownV1.Contains(c)).ToList();
                if (controllers.Count > 0) list.Add(new CgroupHierarchy(CgroupVersion.V1, dir, "/", controllers));
            }
        }
        return new CgroupLayout(list);
    }

    private static IReadOnlyList<string> ReadControllers(string mountPoint)
    {
        try
        {
            return File.ReadAllText(Path.Combine(mountPoint, "cgroup.controllers"))
                .Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    private static bool IsUnder(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);
}
