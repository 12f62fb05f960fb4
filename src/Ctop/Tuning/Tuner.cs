using System.Globalization;
using System.Text;
using ProcFs.Cgroups;
using ProcFs.Parsing;

namespace Ctop.Tuning;

/// <summary>
/// Changes the limits of cgroups through <see cref="CgroupWriter"/>, finding each controller's directory through the
/// layout (v1: the controller's hierarchy; v2: the unified directory). A change set is validated as a whole before
/// anything is written, then applied knob by knob; when the kernel refuses a later knob, the earlier ones are restored
/// to their before values, so a request is applied entirely or not at all. Every change is kept in <see cref="Log"/>
/// for this run, and <see cref="Undo"/> restores the before values of the last change on a cgroup.
/// Thread-safe: the dashboard may call it from its UI thread while other code reads the log.
/// </summary>
public sealed class Tuner
{
    private readonly CgroupLimitPlan _plan = new() { MemoryName = "--memory", SwapName = "--memory-swap" };
    private readonly object _gate = new();
    private readonly List<Change> _log = [];
    private readonly HashSet<int> _undone = [];
    private int _nextId = 1;

    public Tuner(CgroupLayout layout) => Layout = layout;

    public CgroupLayout Layout { get; }

    /// <summary>Every change (and undo) made through this tuner, oldest first.</summary>
    public IReadOnlyList<Change> Log
    {
        get { lock (_gate) return _log.ToArray(); }
    }

    /// <summary>Raised after a change or undo was written (not for dry runs), outside the tuner's lock.</summary>
    public event Action<Change>? Logged;

    /// <summary>access(2) W_OK on a control file: 0, or the errno. Replaceable so tests can play a non-root user.</summary>
    internal Func<string, int> WriteAccess { get => _plan.WriteAccess; set => _plan.WriteAccess = value; }

    /// <summary>
    /// Applies <paramref name="set"/> to the cgroup at <paramref name="cgroupPath"/> (as /proc/PID/cgroup prints it).
    /// With <paramref name="dryRun"/>, validates and returns what would be written (After = the text to write) without
    /// writing. Throws <see cref="TuningRefusedException"/> when validation or the kernel refuses; nothing stays changed.
    /// </summary>
    public Change Apply(string cgroupPath, ChangeSet set, bool dryRun = false)
    {
        if (set.IsEmpty) throw new ArgumentException("the change set changes nothing", nameof(set));
        Change change;
        lock (_gate)
        {
            var plan = Plan(cgroupPath, set);
            if (dryRun)
                return new Change(0, cgroupPath, ChangeKind.DryRun,
                    plan.Select(p => new KnobChange(p.Knob, p.Version, p.Directory, p.Intended)).ToList(), DateTimeOffset.Now);
            change = Record(cgroupPath, ChangeKind.Applied, Execute(cgroupPath, plan), null);
        }
        Logged?.Invoke(change);
        return change;
    }

    /// <summary>True when <see cref="Undo"/> has a change to revert on this cgroup.</summary>
    public bool CanUndo(string cgroupPath)
    {
        lock (_gate) return LastUndoable(cgroupPath) is not null;
    }

    /// <summary>
    /// Restores exactly the before values of the last change on this cgroup not yet undone (so repeated undos walk back
    /// through the cgroup's changes). Returns the undo as a logged change, or null when there is nothing to undo.
    /// All-or-nothing like <see cref="Apply"/>: if the kernel refuses a restore (e.g. usage has grown above an old,
    /// lower memory limit), the knobs already restored are put back and <see cref="TuningRefusedException"/> says why.
    /// </summary>
    public Change? Undo(string cgroupPath)
    {
        Change change;
        lock (_gate)
        {
            if (LastUndoable(cgroupPath) is not { } last) return null;
            var steps = last.Knobs.Reverse().Where(k => k.Changed).Select(_plan.Undo).ToList();
            change = Record(cgroupPath, ChangeKind.Undo, Execute(cgroupPath, steps), last.Id);
            _undone.Add(last.Id);
        }
        Logged?.Invoke(change);
        return change;
    }

    /// <summary>
    /// The dashboard's +/- keys: moves the CPU quota by <paramref name="deltaCores"/> (e.g. ±0.1) at the current period.
    /// From unlimited, a step down starts from the CPUs the cgroup may use (its cpuset, else the online CPUs); a step up
    /// leaves it unlimited. Never goes below the kernel's 1 ms minimum quota. Returns null when nothing changes.
    /// </summary>
    public Change? Step(string cgroupPath, double deltaCores)
    {
        Change change;
        // Read and write under one lock, so two quick key presses step twice rather than both from the same quota.
        lock (_gate)
        {
            var cpu = new CgroupReader(Layout).ReadCpu(cgroupPath)
                ?? throw Refused(cgroupPath, new CgroupWriteException(cgroupPath, "step", null, $"the cgroup {cgroupPath} has no CPU controller files (cpu.max / cpu.cfs_quota_us)"));
            long period = cpu.PeriodUsec is long pp && pp > 0 ? pp : TuningValues.DefaultPeriodUsec;
            decimal cores;
            if (cpu.QuotaUsec is { } q) cores = (decimal)q / period;
            else if (deltaCores >= 0) return null;
            else cores = CpuCount(cgroupPath);
            long quota = (long)Math.Round((cores + (decimal)deltaCores) * period, MidpointRounding.AwayFromZero);
            quota = Math.Max(quota, CgroupWriter.MinCfsQuotaUsec);
            if (quota == cpu.QuotaUsec) return null;
            change = Record(cgroupPath, ChangeKind.Applied, Execute(cgroupPath, Plan(cgroupPath, new ChangeSet { CpuQuota = Limit.Of(quota) })), null);
        }
        Logged?.Invoke(change);
        return change;
    }

    // ------------------------------------------------------------------ planning

    /// <summary>Reads every before value and checks the whole set (in ProcFs's plan), so a refusal found here writes nothing.</summary>
    private List<PlannedKnob> Plan(string path, ChangeSet set)
    {
        // The kernel has no limits on the root cgroup (v2 has no files for them, v1 refuses); say so before trying.
        if (path == "/")
            throw Refused(path, new CgroupWriteException("root cgroup", "limits", null, "the root cgroup / has no limits of its own; choose a cgroup below it"));
        try
        {
            var plan = new List<PlannedKnob>();
            if (set.CpuQuota is not null || set.CpuPeriodUsec is not null)
            {
                var (dir, v) = Locate(path, Controllers.Cpu);
                plan.Add(_plan.Cpu(dir, v, set.CpuQuota is not null, set.CpuQuota?.Value, set.CpuPeriodUsec));
            }
            if (set.CpuWeight is { } w)
            {
                var (dir, v) = Locate(path, Controllers.Cpu);
                plan.Add(_plan.CpuWeight(dir, v, w));
            }
            if (set.MemoryMax is not null || set.MemorySwap is not null)
            {
                var (dir, v) = Locate(path, Controllers.Memory);
                plan.AddRange(_plan.Memory(dir, v, set.MemoryMax is not null, set.MemoryMax?.Value, set.MemorySwap is not null, set.MemorySwap?.Value));
            }
            if (set.MemoryHigh is { } high)
            {
                var (dir, v) = Locate(path, Controllers.Memory);
                plan.Add(_plan.MemoryHigh(dir, v, high.Value));
            }
            if (set.Pids is { } pids)
            {
                var (dir, v) = Locate(path, Controllers.Pids);
                plan.Add(_plan.Pids(dir, v, pids.Value));
            }
            return plan;
        }
        catch (CgroupWriteException ex)
        {
            throw Refused(path, ex);
        }
        catch (ProcFsFormatException ex)
        {
            // A before value this reader cannot read: nothing is written on a guess.
            throw Refused(path, new CgroupWriteException(ex.FilePath, "(read)", null, ex.Message));
        }
    }

    /// <summary>The controller's directory for the cgroup, which must exist: v1 cgroups may be missing from some hierarchies.</summary>
    private (string Dir, CgroupVersion Version) Locate(string path, string controller)
    {
        var h = Layout.HierarchyOf(controller)
            ?? throw new CgroupWriteException(path, controller, null, $"the {controller} controller is not mounted or enabled on this host");
        string dir = h.DirectoryOf(path)
            ?? throw new CgroupWriteException(path, controller, null, $"the cgroup {path} cannot be reached through the {controller} mount at {h.MountPoint} (root {h.Root})");
        if (!CgroupDirectory.Exists(dir))
            throw new CgroupWriteException(dir, controller, null, $"the cgroup {path} does not exist in the {controller} hierarchy ({h.MountPoint})");
        return (dir, h.Version);
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Writes the plan all-or-nothing (ProcFs rolls back); a refusal becomes ctop's TuningRefusedException.</summary>
    private List<KnobChange> Execute(string path, IReadOnlyList<PlannedKnob> plan)
    {
        try { return [.. _plan.Apply(plan)]; }
        catch (CgroupPlanException ex) { throw new TuningRefusedException(path, ex.Refusal, [.. ex.RolledBack], [.. ex.RollbackFailed]); }
    }

    private Change Record(string path, ChangeKind kind, IReadOnlyList<KnobChange> knobs, int? reverts)
    {
        var change = new Change(_nextId++, path, kind, knobs, DateTimeOffset.Now) { Reverts = reverts };
        _log.Add(change);
        return change;
    }

    private Change? LastUndoable(string path)
    {
        for (int i = _log.Count - 1; i >= 0; i--)
            if (_log[i] is { Kind: ChangeKind.Applied } c && c.Cgroup == path && !_undone.Contains(c.Id)) return c;
        return null;
    }

    private decimal CpuCount(string path)
    {
        var reader = new CgroupReader(Layout);
        foreach (var p in CgroupPath.SelfAndAncestors(path))
            if (reader.ReadEffectiveCpus(p) is { Count: > 0 } cpus) return cpus.Count;
        return Environment.ProcessorCount;
    }

    private static TuningRefusedException Refused(string path, CgroupWriteException ex) => new(path, ex, [], []);
}
