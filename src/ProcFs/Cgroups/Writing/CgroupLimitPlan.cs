using System.Globalization;
using System.Text;
using ProcFs.Native;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>The limits a <see cref="CgroupLimitPlan"/> can change, in the order a change set applies them.</summary>
public enum Knob
{
    /// <summary>CFS bandwidth: v2 cpu.max, v1 cpu.cfs_period_us + cpu.cfs_quota_us.</summary>
    Cpu,
    /// <summary>v2 cpu.weight; v1 cpu.shares (weight × 1024 / 100).</summary>
    CpuWeight,
    /// <summary>Hard limit: v2 memory.max, v1 memory.limit_in_bytes.</summary>
    MemoryMax,
    /// <summary>Throttle limit: v2 memory.high only.</summary>
    MemoryHigh,
    /// <summary>Memory + swap: v1 memory.memsw.limit_in_bytes, v2 memory.swap.max = total − memory.max.</summary>
    MemorySwap,
    /// <summary>pids.max.</summary>
    Pids,
    /// <summary>cpuset.cpus.</summary>
    CpusetCpus,
}

/// <summary>One knob as written: its files with the text before and the text the kernel reads back after.</summary>
public sealed record KnobChange(Knob Knob, CgroupVersion Version, string Directory, IReadOnlyList<WriteResult> Files)
{
    public bool Changed => Files.Any(f => f.Changed);
}

/// <summary>One knob ready to write: its files with the before text (read when planned) and the text to be written.</summary>
public sealed class PlannedKnob
{
    internal PlannedKnob(Knob knob, CgroupVersion version, string dir, IReadOnlyList<WriteResult> intended, Func<IReadOnlyList<WriteResult>> write)
    {
        Knob = knob;
        Version = version;
        Directory = dir;
        Intended = intended;
        Write = write;
    }

    public Knob Knob { get; }
    public CgroupVersion Version { get; }
    public string Directory { get; }

    /// <summary>Before = the file's text now; After = the text that will be written (what a dry run shows).</summary>
    public IReadOnlyList<WriteResult> Intended { get; }

    internal Func<IReadOnlyList<WriteResult>> Write { get; }
}

/// <summary>
/// A plan refused by the kernel part-way: the refusal, and what the earlier knobs were rolled back to (or could not be).
/// </summary>
public sealed class CgroupPlanException(CgroupWriteException refusal, IReadOnlyList<WriteResult> rolledBack, IReadOnlyList<string> rollbackFailed)
    : Exception(refusal.Message, refusal)
{
    public CgroupWriteException Refusal { get; } = refusal;
    public IReadOnlyList<WriteResult> RolledBack { get; } = rolledBack;
    public IReadOnlyList<string> RollbackFailed { get; } = rollbackFailed;
}

/// <summary>
/// Limit changes to one cgroup, planned before anything is written: each knob knows its files, reads their before
/// values, checks the new values against the kernel's ranges and this user's write access, so a refusal found while
/// planning writes nothing. <see cref="Apply"/> then writes knob by knob through <see cref="CgroupWriter"/> and, when
/// the kernel refuses a later knob, writes the earlier ones back (newest first): a plan is applied entirely or not at
/// all. <see cref="Restore"/> writes a knob's before values back (an undo). Planning methods throw
/// <see cref="CgroupWriteException"/> (or <see cref="ProcFsFormatException"/> for a before value it cannot read).
/// </summary>
public sealed class CgroupLimitPlan
{
    private readonly CgroupWriter _writer = new();

    /// <summary>access(2) W_OK on a control file: 0, or the errno. Replaceable so tests can play a non-root user.</summary>
    public Func<string, int> WriteAccess { get; set; } = ControlFile.WriteAccess;

    /// <summary>How messages name the memory limit and the memory + swap total (a caller's option names, e.g. "--memory").</summary>
    public string MemoryName { get; init; } = "a memory limit";
    public string SwapName { get; init; } = "memory + swap";

    // ------------------------------------------------------------------ planning

    /// <summary>CFS bandwidth. <paramref name="setQuota"/> false keeps the current quota; a null period keeps the current period.</summary>
    public PlannedKnob Cpu(string dir, CgroupVersion v, bool setQuota, long? quotaUsec, long? periodUsec)
    {
        if (v == CgroupVersion.V2)
        {
            string file = Path.Combine(dir, "cpu.max");
            string before = ReadBefore(file, Controllers.Cpu);
            var current = CpuMax.Parse(Encoding.UTF8.GetBytes(before), file);
            long? q = setQuota ? quotaUsec : current.QuotaUsec;
            long p = periodUsec ?? current.PeriodUsec;
            string text = $"{Fmt(q, "max")} {Fmt(p)}";
            ValidateCpu(file, file, text, q, p);
            CheckAccess(file, text);
            return new PlannedKnob(Knob.Cpu, v, dir, [new WriteResult(file, before, text)], () => _writer.SetCpuLimit(dir, v, q, p));
        }
        string periodFile = Path.Combine(dir, "cpu.cfs_period_us"), quotaFile = Path.Combine(dir, "cpu.cfs_quota_us");
        string periodBefore = ReadBefore(periodFile, Controllers.Cpu), quotaBefore = ReadBefore(quotaFile, Controllers.Cpu);
        var cfs = CpuMax.FromCfs(Encoding.UTF8.GetBytes(quotaBefore), quotaFile, Encoding.UTF8.GetBytes(periodBefore), periodFile);
        long? newQ = setQuota ? quotaUsec : cfs.QuotaUsec;
        long newP = periodUsec ?? cfs.PeriodUsec;
        string qText = Fmt(newQ, "-1"), pText = Fmt(newP);
        ValidateCpu(periodFile, quotaFile, qText, newQ, newP);
        CheckAccess(periodFile, pText);
        CheckAccess(quotaFile, qText);
        return new PlannedKnob(Knob.Cpu, v, dir, [new WriteResult(periodFile, periodBefore, pText), new WriteResult(quotaFile, quotaBefore, qText)],
            () => _writer.SetCpuLimit(dir, v, newQ, newP));
    }

    /// <summary>The writer's own ranges, checked here too so a bad quota is refused before an earlier knob is written.</summary>
    private static void ValidateCpu(string periodFile, string quotaFile, string text, long? q, long p)
    {
        if (p is < CgroupWriter.MinCfsPeriodUsec or > CgroupWriter.MaxCfsPeriodUsec)
            throw new CgroupWriteException(periodFile, Fmt(p), null, "the period must be between 1000 µs (1 ms) and 1000000 µs (1 s)");
        if (q is < CgroupWriter.MinCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, text, null,
                $"the quota must be at least 1000 µs (1 ms), i.e. {((decimal)CgroupWriter.MinCfsQuotaUsec / p).ToString("0.##########", CultureInfo.InvariantCulture)} CPUs at a {p} µs period");
        if (q is > CgroupWriter.MaxCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, text, null, $"the quota may be at most {CgroupWriter.MaxCfsQuotaUsec} µs (about 203 days, the kernel's max_cfs_runtime)");
    }

    /// <summary>v2 cpu.weight 1–10000; on v1 cpu.shares = weight × 1024 / 100.</summary>
    public PlannedKnob CpuWeight(string dir, CgroupVersion v, int weight)
    {
        string file = Path.Combine(dir, v == CgroupVersion.V2 ? "cpu.weight" : "cpu.shares");
        string text = v == CgroupVersion.V2 ? Fmt(weight) : Fmt(CgroupWriter.WeightToShares(weight));
        if (weight is < CgroupWriter.MinCpuWeight or > CgroupWriter.MaxCpuWeight)
            throw new CgroupWriteException(file, Fmt(weight), null, "the weight must be between 1 and 10000 (default 100)");
        string before = ReadBefore(file, Controllers.Cpu);
        CheckAccess(file, text);
        return new PlannedKnob(Knob.CpuWeight, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetCpuWeight(dir, v, weight)]);
    }

    /// <summary>
    /// The hard memory limit and the memory + swap total (docker's --memory-swap meaning on both versions: v2's
    /// memory.swap.max is swap alone, so it is written as total − memory), planned together because on v1 the kernel
    /// keeps memory ≤ memory + swap at every moment: the total goes first when it does not drop below the current memory
    /// limit, else the memory limit does. A null value is unlimited; <paramref name="setMax"/>/<paramref name="setSwap"/>
    /// false leaves that one as it is.
    /// </summary>
    public IReadOnlyList<PlannedKnob> Memory(string dir, CgroupVersion v, bool setMax, long? max, bool setSwap, long? swapTotal)
    {
        if (!setMax && !setSwap) return [];
        long page = Environment.SystemPageSize;
        string memFile = Path.Combine(dir, v == CgroupVersion.V2 ? "memory.max" : "memory.limit_in_bytes");
        string memBefore = ReadBefore(memFile, Controllers.Memory);
        long? curMem = ParseLimit(memBefore);
        long? newMem = setMax ? max : curMem;
        string unlimited = v == CgroupVersion.V2 ? "max" : "-1";

        PlannedKnob? mem = null, swap = null;
        if (setMax)
        {
            string text = Fmt(max, unlimited);
            if (max is { } b && b < page)
                throw new CgroupWriteException(memFile, text, null, $"the limit must be at least one page ({page} bytes); pass no limit for unlimited");
            if (v == CgroupVersion.V1 && !setSwap && ReadLimitFile(Path.Combine(dir, "memory.memsw.limit_in_bytes")) is { } memsw && Larger(max, memsw))
                throw new CgroupWriteException(memFile, text, null,
                    $"the memory limit may not exceed memory.memsw.limit_in_bytes ({memsw}, memory + swap); raise it with {SwapName} too");
            CheckAccess(memFile, text);
            mem = new PlannedKnob(Knob.MemoryMax, v, dir, [new WriteResult(memFile, memBefore, text)], () => [_writer.SetMemoryMax(dir, v, max)]);
        }
        if (setSwap)
        {
            if (swapTotal is { } t && newMem is { } nm && t < nm)
                throw new CgroupWriteException(Path.Combine(dir, v == CgroupVersion.V2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"), Fmt(t), null,
                    $"memory + swap ({t}) must be at least the memory limit ({nm}), as with docker's --memory-swap");
            if (v == CgroupVersion.V2)
            {
                string file = Path.Combine(dir, "memory.swap.max");
                long? swapOnly = swapTotal is { } tt
                    ? tt - (newMem ?? throw new CgroupWriteException(file, Fmt(tt), null,
                        $"{SwapName} counts memory + swap (as docker's), which needs a memory limit: set {MemoryName} too, or use max"))
                    : null;
                string text = Fmt(swapOnly, "max");
                string before = ReadBefore(file, Controllers.Memory);
                CheckAccess(file, text);
                swap = new PlannedKnob(Knob.MemorySwap, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemorySwapMax(dir, v, swapOnly)]);
            }
            else
            {
                string file = Path.Combine(dir, "memory.memsw.limit_in_bytes");
                string text = Fmt(swapTotal, "-1");
                if (!File.Exists(file))
                    throw new CgroupWriteException(file, text, null,
                        "memory.memsw.limit_in_bytes does not exist: this kernel does not account swap for cgroup v1 (swapaccount=1)");
                if (swapTotal is { } b && b < page)
                    throw new CgroupWriteException(file, text, null, $"the memory + swap limit must be at least one page ({page} bytes); pass no limit for unlimited");
                string before = ReadBefore(file, Controllers.Memory);
                CheckAccess(file, text);
                swap = new PlannedKnob(Knob.MemorySwap, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemorySwapMax(dir, v, swapTotal)]);
            }
        }
        if (mem is not null && swap is not null && v == CgroupVersion.V1 && !Larger(curMem, swapTotal))
            return [swap, mem];
        return new[] { mem, swap }.OfType<PlannedKnob>().ToList();
    }

    /// <summary>v2 memory.high (null = "max"); v1 has none.</summary>
    public PlannedKnob MemoryHigh(string dir, CgroupVersion v, long? high)
    {
        string file = Path.Combine(dir, "memory.high");
        string text = Fmt(high, "max");
        if (v == CgroupVersion.V1)
            throw new CgroupWriteException(file, text, null, "memory.high exists only on cgroup v2 (on v1, the hard limit is memory.limit_in_bytes)");
        if (high is { } b && b < Environment.SystemPageSize)
            throw new CgroupWriteException(file, text, null, $"the limit must be at least one page ({Environment.SystemPageSize} bytes); pass no limit for unlimited");
        string before = ReadBefore(file, Controllers.Memory);
        CheckAccess(file, text);
        return new PlannedKnob(Knob.MemoryHigh, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetMemoryHigh(dir, v, high)]);
    }

    /// <summary>pids.max (null = "max").</summary>
    public PlannedKnob Pids(string dir, CgroupVersion v, long? max)
    {
        string file = Path.Combine(dir, "pids.max");
        string text = Fmt(max, "max");
        if (max is < 0 or > CgroupWriter.MaxPids)
            throw new CgroupWriteException(file, text, null, $"the task limit must be between 0 and {CgroupWriter.MaxPids} (PID_MAX_LIMIT); pass no limit for \"max\"");
        string before = ReadBefore(file, Controllers.Pids);
        CheckAccess(file, text);
        return new PlannedKnob(Knob.Pids, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetPidsMax(dir, max)]);
    }

    /// <summary>cpuset.cpus, a list like "0-3,5".</summary>
    public PlannedKnob CpusetCpus(string dir, CgroupVersion v, string cpus)
    {
        string file = Path.Combine(dir, "cpuset.cpus");
        string text = cpus.Trim();
        if (CgroupWriter.ValidateList(text) is { } problem)
            throw new CgroupWriteException(file, cpus, null, $"{problem}; a CPU list looks like 0-3,5");
        string before = ReadBefore(file, Controllers.Cpuset);
        CheckAccess(file, text);
        return new PlannedKnob(Knob.CpusetCpus, v, dir, [new WriteResult(file, before, text)], () => [_writer.SetCpusetCpus(dir, text)]);
    }

    /// <summary>The step that writes a knob's before values back, for an undo planned like any other change.</summary>
    public PlannedKnob Undo(KnobChange k) =>
        new(k.Knob, k.Version, k.Directory, k.Files.Select(f => f with { Before = f.After, After = f.Before }).ToList(), () => Restore(k));

    private static string ReadBefore(string file, string controller) =>
        ControlFile.TryReadText(file) ?? throw new CgroupWriteException(file, "(read)", null,
            $"{Path.GetFileName(file)} does not exist in {Path.GetDirectoryName(file)} (the {controller} controller is not enabled there, or this kernel lacks the file)");

    /// <summary>Refuses before writing anything when this user cannot open the file for writing.</summary>
    private void CheckAccess(string file, string value)
    {
        int errno = WriteAccess(file);
        if (errno is LinuxErrno.EACCES or LinuxErrno.EPERM)
            throw new CgroupWriteException(file, value, errno, $"needs root (or write access to {file})");
        if (errno == LinuxErrno.EROFS)
            throw new CgroupWriteException(file, value, errno, $"the cgroup filesystem is mounted read-only (inside a container?); needs root (or write access to {file}) on a writable mount");
    }

    // ------------------------------------------------------------------ writing and restoring

    /// <summary>
    /// Writes the knobs in order; on a refusal, restores the knobs already written (newest first) and throws
    /// <see cref="CgroupPlanException"/> naming the refusal and what was rolled back.
    /// </summary>
    public IReadOnlyList<KnobChange> Apply(IReadOnlyList<PlannedKnob> plan)
    {
        var done = new List<KnobChange>();
        try
        {
            foreach (var step in plan)
                done.Add(new KnobChange(step.Knob, step.Version, step.Directory, step.Write()));
            return done;
        }
        catch (CgroupWriteException ex)
        {
            var (rolledBack, failed) = RollBack(done);
            throw new CgroupPlanException(ex, rolledBack, failed);
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
            catch (Exception ex) when (ex is CgroupWriteException or ProcFsFormatException or FormatException)
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
    public IReadOnlyList<WriteResult> Restore(KnobChange k)
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
            case Knob.CpusetCpus:
                return [_writer.SetCpusetCpus(k.Directory, Before(0))];
            default:
                throw new InvalidOperationException($"unknown knob {k.Knob}");
        }
    }

    // ------------------------------------------------------------------ small parsers

    /// <summary>A limit file's value: "max" (v2), -1, or v1's page-counter maximum are unlimited (null).</summary>
    private static long? ParseLimit(string text) =>
        text == "max" ? null : ParseLong(text) is { } n && n >= 0 && n < UnlimitedFloor ? n : null;

    private static long? ReadLimitFile(string file) => ControlFile.TryReadText(file) is { } t ? ParseLimit(t) : null;

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
