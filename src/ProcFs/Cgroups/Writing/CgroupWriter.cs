using ProcFs.Native;
using System.Globalization;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// Changes the limits of one cgroup, given the controller's directory (discovery is someone else's job).
/// Every method validates before writing anything, writes each file in one write(2), re-reads it (the
/// kernel rounds) and returns before/after; a refusal throws <see cref="CgroupWriteException"/> with a
/// rule a user can act on, and leaves the old values in place. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// CPU weight: <see cref="SetCpuWeight"/> takes the v2 scale (1–10000, default 100) on both versions and
/// on v1 writes cpu.shares = round(weight × 1024 / 100), the kernel's own v2→shares conversion;
/// <see cref="SetCpuShares"/> writes raw v1 shares (2–262144) and refuses out-of-range values the kernel
/// would silently clamp.
/// </remarks>
public sealed class CgroupWriter
{
    public const long MinCfsQuotaUsec = 1000;
    public const long MinCfsPeriodUsec = 1000;
    public const long MaxCfsPeriodUsec = 1_000_000;
    /// <summary>The kernel's max_cfs_runtime in µs, 2^44 − 1 (about 203.6 days) [observed: +1 → EINVAL].</summary>
    public const long MaxCfsQuotaUsec = (1L << 44) - 1;
    public const int MinCpuWeight = 1, MaxCpuWeight = 10_000;
    public const long MinCpuShares = 2, MaxCpuShares = 262_144;
    /// <summary>PID_MAX_LIMIT on 64-bit; pids.max above it is EINVAL.</summary>
    public const long MaxPids = 4_194_304;

    private const string QuotaRange = "the quota must be at least 1000 µs (1 ms)";

    private static long PageSize => Environment.SystemPageSize;

    // ---------------------------------------------------------------- CPU bandwidth

    /// <summary>
    /// Sets the CFS quota per period (null quota = unlimited). v2 writes cpu.max once; v1 writes
    /// cpu.cfs_period_us and cpu.cfs_quota_us (only those that change), in the order that keeps the
    /// intermediate state valid when one exists, and rolls the first back if the second is refused.
    /// Returns one result on v2, two (period, quota) on v1.
    /// </summary>
    public IReadOnlyList<WriteResult> SetCpuLimit(string cpuDir, CgroupVersion v, long? quotaUsec, long periodUsec = 100_000)
    {
        string quotaText = quotaUsec?.ToString(CultureInfo.InvariantCulture) ?? (v == CgroupVersion.V2 ? "max" : "-1");
        string periodText = periodUsec.ToString(CultureInfo.InvariantCulture);
        string periodFile = v == CgroupVersion.V2 ? Path.Combine(cpuDir, "cpu.max") : Path.Combine(cpuDir, "cpu.cfs_period_us");
        string quotaFile = v == CgroupVersion.V2 ? periodFile : Path.Combine(cpuDir, "cpu.cfs_quota_us");
        string v2Value = $"{quotaText} {periodText}";

        if (periodUsec is < MinCfsPeriodUsec or > MaxCfsPeriodUsec)
            throw new CgroupWriteException(periodFile, v == CgroupVersion.V2 ? v2Value : periodText, null,
                "the period must be between 1000 µs (1 ms) and 1000000 µs (1 s)");
        if (quotaUsec is < MinCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, v == CgroupVersion.V2 ? v2Value : quotaText, null,
                QuotaRange + (quotaUsec <= 0 ? "; pass no quota for unlimited" : ""));
        if (quotaUsec is > MaxCfsQuotaUsec)
            throw new CgroupWriteException(quotaFile, v == CgroupVersion.V2 ? v2Value : quotaText, null,
                $"the quota may be at most {MaxCfsQuotaUsec} µs (about 203 days, the kernel's max_cfs_runtime)");

        // The kernel refuses a quota below the burst, and quota + burst above max_cfs_runtime.
        string burstFile = Path.Combine(cpuDir, v == CgroupVersion.V2 ? "cpu.max.burst" : "cpu.cfs_burst_us");
        if (quotaUsec is { } q && ReadLong(burstFile) is { } burst and > 0)
        {
            if (burst > q)
                throw new CgroupWriteException(quotaFile, v == CgroupVersion.V2 ? v2Value : quotaText, null,
                    $"the quota must be at least the burst in {Path.GetFileName(burstFile)} ({burst} µs)");
            if (burst + q > MaxCfsQuotaUsec)
                throw new CgroupWriteException(quotaFile, v == CgroupVersion.V2 ? v2Value : quotaText, null,
                    $"quota + burst ({burst} µs) may be at most {MaxCfsQuotaUsec} µs (the kernel's max_cfs_runtime)");
        }

        if (v == CgroupVersion.V2)
        {
            string before = ReadBefore(periodFile, v2Value);
            return new[] { Write(periodFile, v2Value, before, "limit", null) };
        }
        return SetCpuLimitV1(cpuDir, periodFile, quotaFile, quotaUsec, periodUsec);
    }

    private IReadOnlyList<WriteResult> SetCpuLimitV1(string cpuDir, string periodFile, string quotaFile, long? newQ, long newP)
    {
        string newQText = newQ?.ToString(CultureInfo.InvariantCulture) ?? "-1";
        string newPText = newP.ToString(CultureInfo.InvariantCulture);
        string periodBefore = ReadBefore(periodFile, newPText);
        string quotaBefore = ReadBefore(quotaFile, newQText);
        long oldP = ParseLong(periodFile, periodBefore);
        long? oldQ = ParseLong(quotaFile, quotaBefore) is var oq and >= 0 ? oq : null;

        bool periodChanges = oldP != newP, quotaChanges = oldQ != newQ;
        var period = new WriteResult(periodFile, periodBefore, periodBefore);
        var quota = new WriteResult(quotaFile, quotaBefore, quotaBefore);

        if (periodChanges && quotaChanges)
        {
            bool periodFirst = PeriodFirst(oldQ, oldP, newQ, newP);
            if (periodFirst)
            {
                // The kernel checks the pair (new period, old quota) on the first write.
                period = Write(periodFile, newPText, periodBefore, "period", e => ExplainCfs(cpuDir, e, oldQ, newP));
                quota = WriteOrRollBack(quotaFile, newQText, quotaBefore, "limit", period, e => ExplainCfs(cpuDir, e, newQ, newP));
            }
            else
            {
                quota = Write(quotaFile, newQText, quotaBefore, "limit", e => ExplainCfs(cpuDir, e, newQ, oldP));
                period = WriteOrRollBack(periodFile, newPText, periodBefore, "period", quota, e => ExplainCfs(cpuDir, e, newQ, newP));
            }
        }
        else if (periodChanges)
            period = Write(periodFile, newPText, periodBefore, "period", e => ExplainCfs(cpuDir, e, newQ, newP));
        else if (quotaChanges)
            quota = Write(quotaFile, newQText, quotaBefore, "limit", e => ExplainCfs(cpuDir, e, newQ, newP));
        return new[] { period, quota };
    }

    /// <summary>The second of two v1 writes: on refusal, restores the first file so nothing is half-applied.</summary>
    private WriteResult WriteOrRollBack(string file, string value, string before, string noun, WriteResult first, Func<int, string?> explain)
    {
        try
        {
            return Write(file, value, before, noun, explain);
        }
        catch (CgroupWriteException ex) when (ex.Errno is not null)
        {
            int errno = ControlFile.TryWrite(first.File, first.Before, out _);
            string now = ControlFile.TryReadText(first.File) ?? "?";
            string note = errno == 0 && now == first.Before
                ? $"; {Path.GetFileName(first.File)} was rolled back to {first.Before}"
                : $"; rolling {Path.GetFileName(first.File)} back to {first.Before} failed ({(errno == 0 ? "it reads " + now : LinuxErrno.Name(errno))})";
            throw new CgroupWriteException(ex.FilePath, ex.Value, ex.Errno, ex.Rule + note);
        }
    }

    /// <summary>
    /// Which v1 file to write first. Each write makes the kernel validate (period, quota) against the
    /// nearest limited ancestor (ratio must not exceed it) and limited descendants (must not go below
    /// theirs); an unlimited quota is always acceptable. So: from or to unlimited, go through
    /// (period, unlimited). Otherwise the two intermediate ratios multiply to old × new ratio, so either
    /// both lie between the old and new ratio (both safe) or neither does; the lower one is taken, as a
    /// limited parent is the commoner constraint than limited children under the cgroups ctop edits.
    /// </summary>
    internal static bool PeriodFirst(long? oldQ, long oldP, long? newQ, long newP)
    {
        if (oldQ is not { } oq) return true;
        if (newQ is not { } nq) return false;
        return (double)oq / newP <= (double)nq / oldP;
    }

    /// <summary>Explains a v1 CFS EINVAL that passed validation: the hierarchy rules of __cfs_schedulable.</summary>
    private static string? ExplainCfs(string cpuDir, int errno, long? quota, long period)
    {
        if (errno != LinuxErrno.EINVAL) return null;
        string dir = cpuDir.TrimEnd('/');
        string? parent = Path.GetDirectoryName(dir);
        if (parent is null || !File.Exists(Path.Combine(parent, "cpu.cfs_quota_us")))
            return "the root cgroup's CPU bandwidth cannot be limited";
        if (quota is not { } q) return "the kernel refused an unlimited quota here (check the parent's limits)";

        // An unlimited ancestor inherits its own parent's limit, so the nearest limited one governs.
        for (string? a = parent; a is not null && File.Exists(Path.Combine(a, "cpu.cfs_quota_us")); a = Path.GetDirectoryName(a))
        {
            if (ReadLong(Path.Combine(a, "cpu.cfs_quota_us")) is not { } aq || aq < 0) continue;
            long ap = ReadLong(Path.Combine(a, "cpu.cfs_period_us")) ?? 100_000;
            if (KernelRatio(q, period) > KernelRatio(aq, ap))
                return $"a child's quota/period may not exceed its parent's: {Path.GetFileName(a)} allows {aq}/{ap} µs ({Cores(aq, ap)} CPUs), this asks {q}/{period} µs ({Cores(q, period)} CPUs)";
            break;
        }
        foreach (var child in SafeDescendants(dir))
        {
            if (ReadLong(Path.Combine(child, "cpu.cfs_quota_us")) is not { } cq || cq < 0) continue;
            long cp = ReadLong(Path.Combine(child, "cpu.cfs_period_us")) ?? 100_000;
            if (KernelRatio(cq, cp) > KernelRatio(q, period))
                return $"a parent's quota/period may not go below a child's: {Path.GetFileName(child)} has {cq}/{cp} µs ({Cores(cq, cp)} CPUs), this asks {q}/{period} µs ({Cores(q, period)} CPUs)";
        }
        return "the kernel refused the CPU bandwidth (check cpu.cfs_burst_us and the parent's and children's limits)";
    }

    /// <summary>The kernel's to_ratio(): runtime scaled by 2^20 over the period, both in ns.</summary>
    private static UInt128 KernelRatio(long quotaUsec, long periodUsec) =>
        ((UInt128)(ulong)quotaUsec * 1000 << 20) / ((UInt128)(ulong)periodUsec * 1000);

    private static string Cores(long q, long p) => ((double)q / p).ToString("0.###", CultureInfo.InvariantCulture);

    private static IEnumerable<string> SafeDescendants(string dir)
    {
        try { return Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).ToList(); }
        catch (IOException) { return Array.Empty<string>(); }
        catch (UnauthorizedAccessException) { return Array.Empty<string>(); }
    }

    // ---------------------------------------------------------------- CPU weight

    /// <summary>v2 cpu.weight 1–10000; on v1 converted to cpu.shares = round(weight × 1024 / 100).</summary>
    public WriteResult SetCpuWeight(string cpuDir, CgroupVersion v, int weight)
    {
        string file = Path.Combine(cpuDir, v == CgroupVersion.V2 ? "cpu.weight" : "cpu.shares");
        if (weight is < MinCpuWeight or > MaxCpuWeight)
            throw new CgroupWriteException(file, weight.ToString(CultureInfo.InvariantCulture), null,
                "the weight must be between 1 and 10000 (default 100)");
        if (v == CgroupVersion.V1) return WriteShares(file, WeightToShares(weight));
        string value = weight.ToString(CultureInfo.InvariantCulture);
        return Write(file, value, ReadBefore(file, value), "weight",
            e => e == LinuxErrno.ERANGE ? "the weight must be between 1 and 10000" : null);
    }

    /// <summary>The kernel's sched_weight_from_cgroup(): DIV_ROUND_CLOSEST(weight × 1024, 100).</summary>
    public static long WeightToShares(int weight) => ((long)weight * 1024 + 50) / 100;

    /// <summary>v1 cpu.shares 2–262144 (refused outside rather than silently clamped by the kernel).</summary>
    public WriteResult SetCpuShares(string cpuDir, CgroupVersion v, long shares)
    {
        string file = Path.Combine(cpuDir, "cpu.shares");
        string value = shares.ToString(CultureInfo.InvariantCulture);
        if (v == CgroupVersion.V2)
            throw new CgroupWriteException(file, value, null, "cpu.shares exists only on cgroup v1; set cpu.weight (1–10000) instead");
        if (shares is < MinCpuShares or > MaxCpuShares)
            throw new CgroupWriteException(file, value, null, "the shares must be between 2 and 262144 (default 1024)");
        return WriteShares(file, shares);
    }

    private WriteResult WriteShares(string file, long shares)
    {
        string value = shares.ToString(CultureInfo.InvariantCulture);
        return Write(file, value, ReadBefore(file, value), "shares", null);
    }

    // ---------------------------------------------------------------- memory

    /// <summary>Hard limit: v2 memory.max, v1 memory.limit_in_bytes; null = unlimited. At least one page.</summary>
    public WriteResult SetMemoryMax(string memDir, CgroupVersion v, long? bytes)
    {
        if (v == CgroupVersion.V2)
        {
            string file2 = Path.Combine(memDir, "memory.max");
            string value2 = ValidateBytes(file2, bytes, "max", PageSize, "the limit");
            return Write(file2, value2, ReadBefore(file2, value2), "limit", null);
        }
        string file = Path.Combine(memDir, "memory.limit_in_bytes");
        string value = ValidateBytes(file, bytes, "-1", PageSize, "the limit");
        string memswFile = Path.Combine(memDir, "memory.memsw.limit_in_bytes");
        // The kernel compares page counts: the memory limit may not exceed memory + swap.
        if (ReadLong(memswFile) is { } memsw && Pages(bytes) > memsw / PageSize)
            throw new CgroupWriteException(file, value, null,
                $"the memory limit may not exceed memory.memsw.limit_in_bytes ({memsw}, memory + swap); raise that first");
        string before = ReadBefore(file, value);
        return Write(file, value, before, "limit", e => e switch
        {
            LinuxErrno.EBUSY => "usage cannot be reclaimed below the new limit",
            LinuxErrno.EINVAL => "the memory limit may not exceed memory.memsw.limit_in_bytes (memory + swap)",
            _ => null,
        });
    }

    /// <summary>Throttle limit, v2 memory.high only; null = "max". At least one page.</summary>
    public WriteResult SetMemoryHigh(string memDir, CgroupVersion v, long? bytes)
    {
        string file = Path.Combine(memDir, "memory.high");
        string value = ValidateBytes(file, bytes, "max", PageSize, "the limit");
        if (v == CgroupVersion.V1)
            throw new CgroupWriteException(file, value, null, "memory.high exists only on cgroup v2");
        return Write(file, value, ReadBefore(file, value), "limit", null);
    }

    /// <summary>
    /// Swap limit. v2: memory.swap.max, swap alone (0 = no swap; null = "max"). v1: the kernel only has
    /// memory.memsw.limit_in_bytes, which counts memory + swap, so <paramref name="bytes"/> is written as that
    /// total and must be at least memory.limit_in_bytes (null = -1, unlimited); missing without swap accounting.
    /// </summary>
    public WriteResult SetMemorySwapMax(string memDir, CgroupVersion v, long? bytes)
    {
        if (v == CgroupVersion.V2)
        {
            string file2 = Path.Combine(memDir, "memory.swap.max");
            string value2 = ValidateBytes(file2, bytes, "max", 0, "the swap limit");
            return Write(file2, value2, ReadBefore(file2, value2), "limit", null);
        }
        string file = Path.Combine(memDir, "memory.memsw.limit_in_bytes");
        string value = ValidateBytes(file, bytes, "-1", PageSize, "the memory + swap limit");
        if (!File.Exists(file))
            throw new CgroupWriteException(file, value, null,
                "memory.memsw.limit_in_bytes does not exist: this kernel does not account swap for cgroup v1 (swapaccount=1)");
        string memFile = Path.Combine(memDir, "memory.limit_in_bytes");
        if (ReadLong(memFile) is { } mem && Pages(bytes) < mem / PageSize)
            throw new CgroupWriteException(file, value, null,
                $"memory.memsw.limit_in_bytes (memory + swap) must be at least memory.limit_in_bytes ({mem}); lower that first");
        return Write(file, value, ReadBefore(file, value), "limit", e => e switch
        {
            LinuxErrno.EBUSY => "usage (memory + swap) cannot be reclaimed below the new limit",
            LinuxErrno.EINVAL => "memory.memsw.limit_in_bytes (memory + swap) must be at least memory.limit_in_bytes",
            _ => null,
        });
    }

    private static long Pages(long? bytes) => bytes is { } b ? b / PageSize : long.MaxValue / PageSize;

    private static string ValidateBytes(string file, long? bytes, string unlimited, long min, string what)
    {
        if (bytes is not { } b) return unlimited;
        string value = b.ToString(CultureInfo.InvariantCulture);
        if (b < min)
            throw new CgroupWriteException(file, value, null, min == 0
                ? $"{what} must not be negative; pass no limit for unlimited"
                : $"{what} must be at least one page ({min} bytes); pass no limit for unlimited");
        return value;
    }

    // ---------------------------------------------------------------- pids

    /// <summary>pids.max on v1 and v2; null = "max". 0 is allowed (no new tasks at all).</summary>
    public WriteResult SetPidsMax(string pidsDir, long? max)
    {
        string file = Path.Combine(pidsDir, "pids.max");
        string value = max?.ToString(CultureInfo.InvariantCulture) ?? "max";
        if (max is < 0 or > MaxPids)
            throw new CgroupWriteException(file, value, null,
                $"the task limit must be between 0 and {MaxPids} (PID_MAX_LIMIT); pass no limit for \"max\"");
        return Write(file, value, ReadBefore(file, value), "limit", null);
    }

    // ---------------------------------------------------------------- cpuset

    /// <summary>cpuset.cpus, a list like "0-3,5" (syntax checked before writing; the kernel checks the CPUs).</summary>
    public WriteResult SetCpusetCpus(string cpusetDir, string cpus) => SetCpusetList(cpusetDir, "cpuset.cpus", cpus, "CPU");

    /// <summary>cpuset.mems, a NUMA node list like "0" or "0-1".</summary>
    public WriteResult SetCpusetMems(string cpusetDir, string mems) => SetCpusetList(cpusetDir, "cpuset.mems", mems, "memory node");

    private WriteResult SetCpusetList(string dir, string name, string list, string what)
    {
        string file = Path.Combine(dir, name);
        string value = list.Trim();
        if (ValidateList(value) is { } problem)
            throw new CgroupWriteException(file, list, null, $"{problem}; a {what} list looks like 0-3,5");
        string possible = name == "cpuset.cpus" ? "/sys/devices/system/cpu/possible" : "/sys/devices/system/node/possible";
        return Write(file, value, ReadBefore(file, value), "value", e => e switch
        {
            LinuxErrno.ERANGE => $"a {what} number is beyond what this machine can have (possible: {ControlFile.TryReadText(possible) ?? "?"})",
            LinuxErrno.EACCES => $"the {what}s must be a subset of the parent's {name} ({ParentValue(dir, name)})",
            LinuxErrno.EINVAL => $"every {what} must exist and be online in the root cpuset ({ControlFile.TryReadText(Path.Combine(HierarchyRoot(dir, name), name)) ?? "?"})",
            LinuxErrno.EBUSY => $"a child cpuset uses {what}s outside the new list, or an exclusive sibling owns them",
            LinuxErrno.ENOSPC => $"a cgroup with tasks cannot have an empty {name}",
            _ => null,
        });
    }

    /// <summary>Null when <paramref name="list"/> is "N" or "N-M" items (N ≤ M) joined by commas, else the problem.</summary>
    internal static string? ValidateList(string list)
    {
        if (list.Length == 0) return "the list is empty";
        foreach (var item in list.Split(','))
        {
            int dash = item.IndexOf('-');
            string a = dash < 0 ? item : item[..dash], b = dash < 0 ? item : item[(dash + 1)..];
            if (!IsNumber(a) || !IsNumber(b)) return $"'{Printable.Escape(item, 200)}' is not a number or a range N-M";
            if (int.Parse(a, CultureInfo.InvariantCulture) > int.Parse(b, CultureInfo.InvariantCulture))
                return $"the range '{item}' runs backwards";
        }
        return null;

        static bool IsNumber(string s) =>
            s.Length is > 0 and <= 9 && s.All(char.IsAsciiDigit);
    }

    private static string ParentValue(string dir, string name)
    {
        string? parent = Path.GetDirectoryName(dir.TrimEnd('/'));
        return parent is null ? "?" : $"{Path.GetFileName(parent)}: {ControlFile.TryReadText(Path.Combine(parent, name)) ?? "?"}";
    }

    private static string HierarchyRoot(string dir, string name)
    {
        string cur = dir.TrimEnd('/');
        while (Path.GetDirectoryName(cur) is { } p && File.Exists(Path.Combine(p, name))) cur = p;
        return cur;
    }

    // ---------------------------------------------------------------- plumbing

    /// <summary>Reads the current value (before any write); a vanished cgroup or missing file is reported here.</summary>
    internal static string ReadBefore(string file, string value)
    {
        var f = new KernelFile(256);
        var status = f.TryRead(file);
        if (status == ReadStatus.Ok) return Utf8.Decode(Utf8.Trim(f.Data));
        int errno = status == ReadStatus.Missing ? LinuxErrno.ENOENT : LinuxErrno.EACCES;
        throw new CgroupWriteException(file, value, errno, Explain(file, errno, openFailed: true));
    }

    /// <summary>Writes, re-reads, or throws with the file-specific explanation (falling back to the generic one).</summary>
    internal static WriteResult Write(string file, string value, string before, string noun, Func<int, string?>? explain)
    {
        int errno = ControlFile.TryWrite(file, value, out bool openFailed);
        if (errno != 0)
        {
            string rule = (openFailed ? null : explain?.Invoke(errno)) ?? Explain(file, errno, openFailed);
            if (!openFailed && ControlFile.TryReadText(file) == before) rule += $"; the old {noun} {(before.Length == 0 ? "(empty)" : before)} stays";
            throw new CgroupWriteException(file, value, errno, rule);
        }
        string after = ControlFile.TryReadText(file)
            ?? throw new CgroupWriteException(file, value, LinuxErrno.ENOENT, Explain(file, LinuxErrno.ENOENT, true) + " (after the write succeeded)");
        return new WriteResult(file, before, after);
    }

    /// <summary>The generic sentence for an errno from writing a cgroup control file.</summary>
    internal static string Explain(string file, int errno, bool openFailed)
    {
        string dir = Path.GetDirectoryName(file) ?? "/";
        return errno switch
        {
            LinuxErrno.ENOENT or LinuxErrno.ENOTDIR when !Directory.Exists(dir) => $"the cgroup {dir} no longer exists",
            LinuxErrno.ENOENT => $"{Path.GetFileName(file)} does not exist in {dir} (the controller is not enabled there, or this kernel lacks the file)",
            LinuxErrno.EACCES or LinuxErrno.EPERM when openFailed => $"needs root (or write access to {file})",
            LinuxErrno.EACCES or LinuxErrno.EPERM => "the kernel denied the change (a hierarchy or delegation rule)",
            LinuxErrno.EROFS => "the cgroup filesystem is mounted read-only (inside a container?)",
            LinuxErrno.EINVAL => "the kernel considers the value invalid for this file",
            LinuxErrno.EBUSY => "the cgroup is busy (its tasks or child cgroups conflict with the change)",
            LinuxErrno.ERANGE => "the value is outside the range the kernel accepts",
            LinuxErrno.ENOSPC => "the cgroup cannot hold tasks (a v1 cpuset needs cpuset.cpus and cpuset.mems first)",
            LinuxErrno.ESRCH => "no such process",
            _ => Native.Libc.StrError(errno),
        };
    }

    internal static long? ReadLong(string file) =>
        ControlFile.TryReadText(file) is { } s && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : null;

    private static long ParseLong(string file, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new ProcFsFormatException(file, 1, text, "expected an integer");
}
