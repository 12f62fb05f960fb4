using ProcFs.Native;
using System.Globalization;
using ProcFs.Cgroups;

namespace Ctop.Launcher;

/// <summary>
/// One container's cgroup, PARENT/NAME, in every hierarchy holding the controllers it needs: on v1 one directory per
/// hierarchy (co-mounted controllers share one), on v2 one directory in the unified tree. Missing parent levels are
/// created and kept (like docker's /docker); the leaf is created by <see cref="Create"/> and removed by
/// <see cref="Remove"/>, never adopted unless <see cref="OpenOrCreate"/> is asked to.
/// </summary>
public sealed class ContainerCgroup
{
    private readonly CgroupLifecycle _life = new();
    private readonly List<string> _created = new();

    private ContainerCgroup(string path, IReadOnlyList<Entry> dirs)
    {
        Path = path;
        Dirs = dirs;
    }

    public sealed record Entry(string Controller, CgroupHierarchy Hierarchy, string Dir);

    /// <summary>The cgroup path as /proc/PID/cgroup shows it, e.g. /ctop/web.</summary>
    public string Path { get; }

    public IReadOnlyList<Entry> Dirs { get; }

    /// <summary>The leaf directories this object made (removed by <see cref="Remove"/>).</summary>
    public IReadOnlyList<string> Created => _created;

    public IEnumerable<string> DistinctDirs => Dirs.Select(d => d.Dir).Distinct();

    public string? DirOf(string controller) => Dirs.FirstOrDefault(d => d.Controller == controller)?.Dir;

    /// <summary>cpu, cpuacct, memory, pids always (the dashboard reads them); cpuset only when asked, as a v1 cpuset must be initialised.</summary>
    public static IReadOnlyList<string> ControllersFor(LimitSet limits) =>
        limits.Cpuset is null
            ? [Controllers.Cpu, Controllers.Cpuacct, Controllers.Memory, Controllers.Pids]
            : [Controllers.Cpu, Controllers.Cpuacct, Controllers.Memory, Controllers.Pids, Controllers.Cpuset];

    /// <summary>Where the container would live, without touching anything.</summary>
    public static ContainerCgroup Plan(CgroupLayout layout, string parentPath, string name, IEnumerable<string> controllers)
    {
        string path = CgroupPath.Join(parentPath, name);
        var dirs = new List<Entry>();
        foreach (var c in controllers)
        {
            var h = layout.HierarchyOf(c);
            if (h is null) continue; // an absent controller is only an error when a limit needs it (Apply says so)
            if (h.IsOutsideNamespace)
                throw new LimitArgsException($"the {c} hierarchy at {h.MountPoint} belongs to an outer cgroup namespace; ctop cannot create cgroups there");
            string dir = h.DirectoryOf(path) ?? throw new LimitArgsException($"the cgroup {path} is not reachable through {h.MountPoint} (mounted from {h.Root})");
            RefuseLinks(h.MountPoint, dir, path);
            dirs.Add(new Entry(c, h, dir));
        }
        if (dirs.Count == 0) throw new LimitArgsException("no cgroup controllers are mounted (is /sys/fs/cgroup mounted?)");
        return new ContainerCgroup(path, dirs);
    }

    /// <summary>
    /// cgroupfs has no symbolic links, but a tree bind-mounted or faked on another filesystem may: mkdir would follow one
    /// out of the cgroup tree, so no existing level of the path may be one.
    /// </summary>
    private static void RefuseLinks(string mountPoint, string dir, string path)
    {
        if (CgroupDirectory.FirstLink(mountPoint, dir) is { } link)
            throw new LimitArgsException($"{path}: {link} is a symbolic link, not a cgroup; refusing to follow it out of the cgroup tree");
    }

    /// <summary>
    /// Creates the leaf (and missing parents). Refuses a leaf that already exists anywhere. <paramref name="beforeMaking"/>
    /// runs once the plan is checked and before any directory is made (ctop run records its claim there).
    /// </summary>
    public static ContainerCgroup Create(CgroupLayout layout, string parentPath, string name, IEnumerable<string> controllers,
        Action<ContainerCgroup>? beforeMaking = null)
    {
        var cg = Plan(layout, parentPath, name, controllers);
        if (cg.DistinctDirs.FirstOrDefault(CgroupDirectory.Exists) is { } existing)
            throw new LimitArgsException($"a container named {name} already exists ({existing}); pick another --name or remove it");
        beforeMaking?.Invoke(cg);
        cg.EnsureParentsAndLeaf();
        return cg;
    }

    /// <summary>For attach: uses the leaf where it already exists, creates it where it does not.</summary>
    public static ContainerCgroup OpenOrCreate(CgroupLayout layout, string parentPath, string name, IEnumerable<string> controllers, out bool existed)
    {
        var cg = Plan(layout, parentPath, name, controllers);
        existed = cg.DistinctDirs.All(CgroupDirectory.Exists);
        cg.EnsureParentsAndLeaf();
        return cg;
    }

    private void EnsureParentsAndLeaf()
    {
        EnsureParents();
        try { CreateLeaf(); }
        catch (CgroupWriteException e) when (e.Errno == LinuxErrno.ENOENT)
        {
            // An empty parent was removed between the two steps (tests tidy up ctop/): make it again, once.
            EnsureParents();
            CreateLeaf();
        }
    }

    private void EnsureParents()
    {
        var parent = CgroupPath.Parent(Path)!;
        foreach (var h in Dirs.Select(d => d.Hierarchy).Distinct())
        {
            // Top-down, so a new v1 cpuset level is initialised from an already initialised parent.
            foreach (var level in CgroupPath.SelfAndAncestors(parent).Reverse().Skip(1))
            {
                string dir = h.DirectoryOf(level)!;
                if (CgroupDirectory.Exists(dir)) continue;
                try
                {
                    if (h.Version == CgroupVersion.V2) _life.CreateV2(dir);
                    else _life.Create([(h.Has(Controllers.Cpuset) ? Controllers.Cpuset : h.Controllers.FirstOrDefault() ?? "", dir)]);
                }
                catch (CgroupWriteException e) when (e.Errno == LinuxErrno.EEXIST) { } // another ctop made it meanwhile
            }
        }
    }

    private void CreateLeaf()
    {
        try
        {
            var v1 = Dirs.Where(d => d.Hierarchy.Version == CgroupVersion.V1 && !CgroupDirectory.Exists(d.Dir))
                .Select(d => (d.Controller, d.Dir)).ToList();
            if (v1.Count > 0) _created.AddRange(_life.Create(v1));
            foreach (var dir in Dirs.Where(d => d.Hierarchy.Version == CgroupVersion.V2).Select(d => d.Dir).Distinct())
            {
                if (CgroupDirectory.Exists(dir)) continue;
                _life.CreateV2(dir);
                _created.Add(dir);
            }
        }
        catch
        {
            RemoveCreated();
            throw;
        }
    }

    /// <summary>
    /// Writes the limits, all or nothing (ProcFs's <see cref="CgroupLimitPlan"/>): every knob's current values are read
    /// before anything is written, and when the kernel refuses a later knob the earlier ones are written back (newest
    /// first) before the refusal goes on as a CgroupWriteException. That matters for attach to an existing cgroup, which
    /// is not removed on failure; a new cgroup the caller removes.
    /// </summary>
    public void Apply(LimitSet limits)
    {
        var plan = new CgroupLimitPlan { MemoryName = "--memory", SwapName = "--memory-swap" };
        var steps = new List<PlannedKnob>();
        try
        {
            if (limits.HasCpu)
            {
                var e = Need(Controllers.Cpu, "--cpus/--cpu-quota");
                steps.Add(plan.Cpu(e.Dir, e.Hierarchy.Version, true, limits.CpuQuotaUsec, limits.CpuPeriodUsec));
            }
            bool setSwap = limits.MemorySwapBytes is not null || limits.MemorySwapUnlimited;
            if (limits.MemoryBytes is not null || setSwap)
            {
                var e = Need(Controllers.Memory, limits.MemoryBytes is not null ? "--memory" : "--memory-swap");
                // Without v1 swap accounting there is no memory + swap file, and "unlimited" is what it already is.
                if (setSwap && limits.MemorySwapUnlimited && e.Hierarchy.Version == CgroupVersion.V1 && !CgroupDirectory.HasFile(e.Dir, "memory.memsw.limit_in_bytes"))
                    setSwap = false;
                steps.AddRange(plan.Memory(e.Dir, e.Hierarchy.Version, limits.MemoryBytes is not null, limits.MemoryBytes, setSwap,
                    limits.MemorySwapUnlimited ? null : limits.MemorySwapBytes));
            }
            if (limits.Pids is { } pids)
            {
                var e = Need(Controllers.Pids, "--pids");
                steps.Add(plan.Pids(e.Dir, e.Hierarchy.Version, pids));
            }
            if (limits.Cpuset is { } cpus)
            {
                var e = Need(Controllers.Cpuset, "--cpuset");
                steps.Add(plan.CpusetCpus(e.Dir, e.Hierarchy.Version, cpus));
            }
        }
        catch (ProcFs.Parsing.ProcFsFormatException ex)
        {
            throw new CgroupWriteException(ex.FilePath, "(read)", null, ex.Message);
        }
        try { plan.Apply(steps); }
        catch (CgroupPlanException ex) { throw ex.Refusal; } // the refusal is what the user needs to see
    }

    private Entry Need(string controller, string flag) =>
        Dirs.FirstOrDefault(d => d.Controller == controller)
        ?? throw new LimitArgsException($"{flag} needs the {controller} controller, which this host does not mount");

    /// <summary>Moves a process (all its threads) into every directory.</summary>
    public void Add(int pid)
    {
        foreach (var dir in DistinctDirs) _life.MovePid(dir, pid);
    }

    /// <summary>The processes in the cgroup (union over its directories), as host PIDs.</summary>
    public IReadOnlyList<int> Pids()
    {
        var set = new SortedSet<int>();
        foreach (var dir in DistinctDirs) set.UnionWith(CgroupDirectory.Pids(dir));
        return set.ToList();
    }

    /// <summary>SIGKILLs everything in the cgroup until it is empty (forks racing the kill are caught by the next round).</summary>
    public bool KillAll(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var pids = Pids();
            if (pids.Count == 0) return true;
            foreach (var dir in DistinctDirs) CgroupDirectory.Kill(dir);
            foreach (var pid in pids) Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(10);
        }
    }

    /// <summary>Removes the leaf directories this object created, retrying while killed tasks finish exiting.</summary>
    public void Remove(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                _life.Remove(_created);
                _created.Clear();
                return;
            }
            catch (CgroupWriteException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Kills what is inside and removes the leaf; errors are returned, not thrown (this runs on every exit path).</summary>
    public string? Destroy()
    {
        try
        {
            KillAll(TimeSpan.FromSeconds(5));
            Remove(TimeSpan.FromSeconds(5));
            return null;
        }
        catch (CgroupWriteException e) { return e.Message; }
    }

    private void RemoveCreated()
    {
        try { _life.Remove(_created); } catch (CgroupWriteException) { }
        _created.Clear();
    }
}
