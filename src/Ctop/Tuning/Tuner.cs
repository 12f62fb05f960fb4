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
    private const int EPERM = 1, EACCES = 13, EROFS = 30;

    private readonly CgroupWriter _writer = new();
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
    internal Func<string, int> WriteAccess { get; set; } = DefaultWriteAccess;

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
                    plan.Select(p => new KnobChange(p.Knob, p.Version, p.Dir, p.Intended)).ToList(), DateTimeOffset.Now);
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
            var steps = last.Knobs.Reverse()
                .Where(k => k.Changed)
                .Select(k => new Planned(k.Knob, k.Version, k.Directory, k.Files.Select(f => f with { Before = f.After, After = f.Before }).ToList(), () => Restore(k)))
                .ToList();
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

    /// <summary>One knob ready to write: the files with their before text and the text to be written.</summary>
    private sealed record Planned(Knob Knob, CgroupVersion Version, string Dir, IReadOnlyList<WriteResult> Intended, Func<IReadOnlyList<WriteResult>> Write);

    /// <summary>Reads every before value and checks the whole set, so a refusal found here writes nothing.</summary>
    private List<Planned> Plan(string path, ChangeSet set)
    {
        // The kernel has no limits on the root cgroup (v2 has no files for them, v1 refuses); say so before trying.
        if (path == "/")
            throw Refused(path, new CgroupWriteException("root cgroup", "limits", null, "the root cgroup / has no limits of its own; choose a cgroup below it"));
        try
        {
            var plan = new List<Planned>();
            if (set.CpuQuota is not null || set.CpuPeriodUsec is not null) plan.Add(PlanCpu(path, set));
            if (set.CpuWeight is { } w) plan.Add(PlanWeight(path, w));
            plan.AddRange(PlanMemory(path, set));
            if (set.MemoryHigh is { } high) plan.Add(PlanMemoryHigh(path, high));
            if (set.Pids is { } pids) plan.Add(PlanPids(path, pids));
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

    private Planned PlanCpu(string path, ChangeSet set)
    {
        var (dir, v) = Locate(path, Controllers.Cpu);
        if (v == CgroupVersion.V2)
        {
            string file = Path.Combine(dir, "cpu.max");
            string before = ReadBefore(file, path, Controllers.Cpu);
            var current = CpuMax.Parse(Encoding.UTF8.GetBytes(before), file);
            long? curQ = current.QuotaUsec;
            long curP = current.PeriodUsec;
            long? q = set.CpuQuota is { } lq ? lq.Value : curQ;
            long p = set.CpuPeriodUsec ?? curP;
            string text = $"{Fmt(q, "max")} {Fmt(p)}";
            ValidateCpu(file, file, text, q, p);
            CheckAccess(file, text);
            return new Planned(Knob.Cpu, v, dir, [new WriteResult(file, before, text)], () => _writer.SetCpuLimit(dir, v, q, p));
        }
        string periodFile = Path.Combine(dir, "cpu.cfs_period_us"), quotaFile = Path.Combine(dir, "cpu.cfs_quota_us");
        string periodBefore = ReadBefore(periodFile, path, Controllers.Cpu), quotaBefore = ReadBefore(quotaFile, path, Controllers.Cpu);
        var cfs = CpuMax.FromCfs(Encoding.UTF8.GetBytes(quotaBefore), quotaFile, Encoding.UTF8.GetBytes(periodBefore), periodFile);
        long? newQ = set.CpuQuota is { } l ? l.Value : cfs.QuotaUsec;
        long newP = set.CpuPeriodUsec ?? cfs.PeriodUsec;
        string qText = Fmt(newQ, "-1"), pText = Fmt(newP);
        ValidateCpu(periodFile, quotaFile, qText, newQ, newP);
        CheckAccess(periodFile, pText);
        CheckAccess(quotaFile, qText);
        return new Planned(Knob.Cpu, v, dir, [new WriteResult(periodFile, periodBefore, pText), new WriteResult(quotaFile, quotaBefore, qText)],
            () => _writer.SetCpuLimit(dir, v, newQ, newP));
    }

    /// <summary>The writer's own ranges, checked here too so a bad quota is refused before an earlier knob is written.</summary>
    private static void ValidateCpu(string periodFile, string quotaFile, string text, long? q, long p)
    {
        if (p is < CgroupWriter.MinCfsPeriodUsec or > CgroupWriter.MaxCfsPeriodUsec)
            throw new CgroupWriteException(periodFile, Fmt(p), null, "the period must be between 1000 µs (1 ms) and 1000000 µs (1 s)");
        if (q is < CgroupWriter.MinCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, text, null,
                $"the quota must be at least 1000 µs (1 ms), i.e. {TuningValues.FormatCores(CgroupWriter.MinCfsQuotaUsec, p)} CPUs at a {p} µs period");
        if (q is > CgroupWriter.MaxCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, text, null, $"the quota may be at most {CgroupWriter.MaxCfsQuotaUsec} µs (about 203 days, the kernel's max_cfs_runtime)");
    }

    private Planned PlanWeight(string path, int weight)
    {
        var (dir, v) = Locate(path, Controllers.Cpu);
        string file = Path.Combine(dir, v == CgroupVersion.V2 ? "cpu.weight" : "cpu.shares");
        string text = v == CgroupVersion.V2 ? Fmt(weight) : Fmt(CgroupWriter.WeightToShares(weight));
        if (weight is < CgroupWriter.MinCpuWeight or > CgroupWriter.MaxCpuWeight)
            throw new CgroupWriteException(file, Fmt(weight), null, "the weight must be between 1 and 10000 (default 100)");
        string before = ReadBefore(file, path, Controllers.Cpu);
        CheckAccess(file, text);
        return new Planned(Knob.CpuWeight, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetCpuWeight(dir, v, weight)]);
    }

    /// <summary>
    /// memory.max and memory + swap together, because on v1 the kernel keeps memory ≤ memory + swap at every moment:
    /// the swap total goes first when it does not drop below the current memory limit, else the memory limit does.
    /// </summary>
    private IEnumerable<Planned> PlanMemory(string path, ChangeSet set)
    {
        if (set.MemoryMax is null && set.MemorySwap is null) return [];
        var (dir, v) = Locate(path, Controllers.Memory);
        long page = Environment.SystemPageSize;
        string memFile = Path.Combine(dir, v == CgroupVersion.V2 ? "memory.max" : "memory.limit_in_bytes");
        string memBefore = ReadBefore(memFile, path, Controllers.Memory);
        long? curMem = ParseLimit(memBefore);
        long? newMem = set.MemoryMax is { } m ? m.Value : curMem;
        string unlimited = v == CgroupVersion.V2 ? "max" : "-1";

        Planned? mem = null, swap = null;
        if (set.MemoryMax is { } mm)
        {
            string text = Fmt(mm.Value, unlimited);
            if (mm.Value is { } b && b < page)
                throw new CgroupWriteException(memFile, text, null, $"the limit must be at least one page ({page} bytes); pass no limit for unlimited");
            if (v == CgroupVersion.V1 && set.MemorySwap is null && ReadLimitFile(Path.Combine(dir, "memory.memsw.limit_in_bytes")) is { } memsw && Larger(mm.Value, memsw))
                throw new CgroupWriteException(memFile, text, null,
                    $"the memory limit may not exceed memory.memsw.limit_in_bytes ({memsw}, memory + swap); raise it with --memory-swap too");
            CheckAccess(memFile, text);
            mem = new Planned(Knob.MemoryMax, v, dir, [new WriteResult(memFile, memBefore, text)], () => [_writer.SetMemoryMax(dir, v, mm.Value)]);
        }
        if (set.MemorySwap is { } total)
        {
            if (total.Value is { } t && newMem is { } nm && t < nm)
                throw new CgroupWriteException(Path.Combine(dir, v == CgroupVersion.V2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"), Fmt(t), null,
                    $"memory + swap ({t}) must be at least the memory limit ({nm}), as with docker's --memory-swap");
            if (v == CgroupVersion.V2)
            {
                string file = Path.Combine(dir, "memory.swap.max");
                long? swapOnly = total.Value is { } tt
                    ? tt - (newMem ?? throw new CgroupWriteException(file, Fmt(tt), null,
                        "--memory-swap counts memory + swap (as docker's), which needs a memory limit: set --memory too, or use max"))
                    : null;
                string text = Fmt(swapOnly, "max");
                string before = ReadBefore(file, path, Controllers.Memory);
                CheckAccess(file, text);
                swap = new Planned(Knob.MemorySwap, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemorySwapMax(dir, v, swapOnly)]);
            }
            else
            {
                string file = Path.Combine(dir, "memory.memsw.limit_in_bytes");
                string text = Fmt(total.Value, "-1");
                if (!File.Exists(file))
                    throw new CgroupWriteException(file, text, null,
                        "memory.memsw.limit_in_bytes does not exist: this kernel does not account swap for cgroup v1 (swapaccount=1)");
                if (total.Value is { } b && b < page)
                    throw new CgroupWriteException(file, text, null, $"the memory + swap limit must be at least one page ({page} bytes); pass no limit for unlimited");
                string before = ReadBefore(file, path, Controllers.Memory);
                CheckAccess(file, text);
                swap = new Planned(Knob.MemorySwap, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemorySwapMax(dir, v, total.Value)]);
            }
        }
        if (mem is not null && swap is not null && v == CgroupVersion.V1 && !Larger(curMem, set.MemorySwap!.Value.Value))
            return [swap, mem];
        return new[] { mem, swap }.OfType<Planned>();
    }

    private Planned PlanMemoryHigh(string path, Limit high)
    {
        var (dir, v) = Locate(path, Controllers.Memory);
        string file = Path.Combine(dir, "memory.high");
        string text = Fmt(high.Value, "max");
        if (v == CgroupVersion.V1)
            throw new CgroupWriteException(file, text, null, "memory.high exists only on cgroup v2 (on v1, --memory sets the hard limit)");
        if (high.Value is { } b && b < Environment.SystemPageSize)
            throw new CgroupWriteException(file, text, null, $"the limit must be at least one page ({Environment.SystemPageSize} bytes); pass no limit for unlimited");
        string before = ReadBefore(file, path, Controllers.Memory);
        CheckAccess(file, text);
        return new Planned(Knob.MemoryHigh, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemoryHigh(dir, v, high.Value)]);
    }

    private Planned PlanPids(string path, Limit pids)
    {
        var (dir, v) = Locate(path, Controllers.Pids);
        string file = Path.Combine(dir, "pids.max");
        string text = Fmt(pids.Value, "max");
        if (pids.Value is < 0 or > CgroupWriter.MaxPids)
            throw new CgroupWriteException(file, text, null, $"the task limit must be between 0 and {CgroupWriter.MaxPids} (PID_MAX_LIMIT); pass no limit for \"max\"");
        string before = ReadBefore(file, path, Controllers.Pids);
        CheckAccess(file, text);
        return new Planned(Knob.Pids, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetPidsMax(dir, pids.Value)]);
    }

    /// <summary>The controller's directory for the cgroup, which must exist: v1 cgroups may be missing from some hierarchies.</summary>
    private (string Dir, CgroupVersion Version) Locate(string path, string controller)
    {
        var h = Layout.HierarchyOf(controller)
            ?? throw new CgroupWriteException(path, controller, null, $"the {controller} controller is not mounted or enabled on this host");
        string dir = h.DirectoryOf(path)
            ?? throw new CgroupWriteException(path, controller, null, $"the cgroup {path} cannot be reached through the {controller} mount at {h.MountPoint} (root {h.Root})");
        if (!Directory.Exists(dir))
            throw new CgroupWriteException(dir, controller, null, $"the cgroup {path} does not exist in the {controller} hierarchy ({h.MountPoint})");
        return (dir, h.Version);
    }

    private static string ReadBefore(string file, string path, string controller) =>
        ReadText(file) ?? throw new CgroupWriteException(file, "(read)", null,
            $"{Path.GetFileName(file)} does not exist in {Path.GetDirectoryName(file)} (the {controller} controller is not enabled for {path}, or this kernel lacks the file)");

    /// <summary>Refuses before writing anything when this user cannot open the file for writing.</summary>
    private void CheckAccess(string file, string value)
    {
        int errno = WriteAccess(file);
        if (errno is EACCES or EPERM)
            throw new CgroupWriteException(file, value, errno, $"needs root (or write access to {file})");
        if (errno == EROFS)
            throw new CgroupWriteException(file, value, errno, $"the cgroup filesystem is mounted read-only (inside a container?); needs root (or write access to {file}) on a writable mount");
    }

    private static int DefaultWriteAccess(string file) =>
        Mono.Unix.Native.Syscall.access(file, Mono.Unix.Native.AccessModes.W_OK) == 0
            ? 0
            : Mono.Unix.Native.NativeConvert.FromErrno(Mono.Unix.Native.Stdlib.GetLastError());

    // ------------------------------------------------------------------ writing and restoring

    /// <summary>Writes the knobs in order; on a refusal, restores the knobs already written (newest first) and throws.</summary>
    private List<KnobChange> Execute(string path, IReadOnlyList<Planned> plan)
    {
        var done = new List<KnobChange>();
        try
        {
            foreach (var step in plan)
                done.Add(new KnobChange(step.Knob, step.Version, step.Dir, step.Write()));
            return done;
        }
        catch (CgroupWriteException ex)
        {
            var (rolledBack, failed) = RollBack(done);
            throw new TuningRefusedException(path, ex, rolledBack, failed);
        }
        catch
        {
            RollBack(done);
            throw;
        }
    }

    private (List<WriteResult> RolledBack, List<string> Failed) RollBack(List<KnobChange> done)
    {
        var rolled = new List<WriteResult>();
        var failed = new List<string>();
        for (int i = done.Count - 1; i >= 0; i--)
        {
            var k = done[i];
            if (!k.Changed) continue;
            try
            {
                var now = Restore(k);
                foreach (var f in k.Files.Where(f => f.Changed))
                {
                    string? reads = now.FirstOrDefault(n => n.File == f.File)?.After;
                    if (reads == f.Before) rolled.Add(f);
                    else failed.Add($"{f.File} reads {reads ?? "?"} instead of {f.Before}");
                }
            }
            catch (Exception ex) when (ex is CgroupWriteException or ProcFs.Parsing.ProcFsFormatException or FormatException)
            {
                failed.Add($"{string.Join(", ", k.Files.Where(f => f.Changed).Select(f => f.File))} still {string.Join(", ", k.Files.Where(f => f.Changed).Select(f => f.After))} ({ex.Message})");
            }
        }
        return (rolled, failed);
    }

    /// <summary>
    /// Writes a knob's before values back through the writer, which re-validates and orders v1 CPU writes. The kernel's
    /// own text is written back as it read ("max", "-1" or the number), so the files read exactly as they did.
    /// </summary>
    private IReadOnlyList<WriteResult> Restore(KnobChange k)
    {
        string Before(int i) => k.Files[i].Before;
        switch (k.Knob)
        {
            case Knob.Cpu when k.Version == CgroupVersion.V2:
            {
                var parts = Before(0).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return _writer.SetCpuLimit(k.Directory, k.Version, parts[0] == "max" ? null : Require(parts[0]), Require(parts[1]));
            }
            case Knob.Cpu:
                return _writer.SetCpuLimit(k.Directory, k.Version, Require(Before(1)) is var q and >= 0 ? q : null, Require(Before(0)));
            case Knob.CpuWeight when k.Version == CgroupVersion.V2:
                return [_writer.SetCpuWeight(k.Directory, k.Version, (int)Require(Before(0)))];
            case Knob.CpuWeight:
                return [_writer.SetCpuShares(k.Directory, k.Version, Require(Before(0)))];
            case Knob.MemoryMax:
                return [_writer.SetMemoryMax(k.Directory, k.Version, RestoreBytes(Before(0)))];
            case Knob.MemoryHigh:
                return [_writer.SetMemoryHigh(k.Directory, k.Version, RestoreBytes(Before(0)))];
            case Knob.MemorySwap:
                return [_writer.SetMemorySwapMax(k.Directory, k.Version, RestoreBytes(Before(0)))];
            case Knob.Pids:
                return [_writer.SetPidsMax(k.Directory, RestoreBytes(Before(0)))];
            default:
                throw new InvalidOperationException($"unknown knob {k.Knob}");
        }
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

    // ------------------------------------------------------------------ small parsers

    internal static string? ReadText(string file)
    {
        try { return KernelFile.ReadText(file); }
        catch (IOException) { return null; }
    }

    /// <summary>A limit file's value: "max" (v2), -1, or v1's page-counter maximum are unlimited (null).</summary>
    private static long? ParseLimit(string text) =>
        text == "max" ? null : ParseLong(text) is { } n && n >= 0 && n < UnlimitedFloor ? n : null;

    private static long? ReadLimitFile(string file) => ReadText(file) is { } t ? ParseLimit(t) : null;

    /// <summary>v1 prints "unlimited" as PAGE_COUNTER_MAX × page size; anything this large is no limit.</summary>
    private const long UnlimitedFloor = 0x7FFF_FFFF_0000_0000;

    /// <summary>a &gt; b where null is unlimited (larger than any number).</summary>
    private static bool Larger(long? a, long? b) => a is null ? b is not null : b is not null && a > b;

    /// <summary>Restoring writes the number the kernel printed (even v1's huge "unlimited"), so it reads back identically.</summary>
    private static long? RestoreBytes(string text) => text is "max" or "-1" ? null : Require(text);

    private static long? ParseLong(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : null;

    private static long Require(string s) =>
        ParseLong(s) ?? throw new FormatException($"'{s}' is not a number");

    private static string Fmt(long n) => n.ToString(CultureInfo.InvariantCulture);
    private static string Fmt(long? n, string unlimited) => n is { } x ? Fmt(x) : unlimited;
}
