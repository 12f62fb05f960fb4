using System.Globalization;
using Ctop.Model;
using ProcFs.Cgroups;

namespace Ctop.Diagnosis;

/// <summary>One cgroup named by the diagnosis, with why, and the figures behind it.</summary>
public sealed record Finding(string Cgroup, string Name, double Score, string Reason, IReadOnlyDictionary<string, double?> Metrics);

public sealed record DiagnosisReport(DateTimeOffset Time, double IntervalSeconds, IReadOnlyList<Finding> Culprits, IReadOnlyList<Finding> Victims);

/// <summary>
/// Names noisy neighbours from one frame. A cgroup's fair share of CPU is its weight against its active siblings' (CFS
/// shares are work-conserving, so idle siblings claim nothing) times what the parent got. A victim waits for a CPU
/// (schedstat run-queue delay), is throttled by its quota, or is pressed against its memory limit; a culprit uses clearly
/// more than its share while someone else is a victim. See docs/diagnose.md.
/// </summary>
public static class Diagnoser
{
    /// <summary>Below these a cgroup is neither waiting nor using: noise.</summary>
    public const double ActiveCores = 0.02, WaitingSecondsPerSecond = 0.02, ExcessCores = 0.1;

    /// <summary>
    /// Processes that sit in the root cgroup itself compete at the root level beside its children; they are counted as one
    /// tenant with the default weight (the host's own work against each container), under this path, which the kernel
    /// never prints. (CFS weighs each such task like a whole cgroup, which is exactly how they crowd containers out.)
    /// </summary>
    public const string RootTasksPath = "//";

    public static DiagnosisReport Diagnose(Frame frame)
    {
        frame = WithRootTasks(frame);
        var byPath = frame.Cgroups.ToDictionary(c => c.Path, StringComparer.Ordinal);
        var fair = FairShares(frame, byPath);
        var victims = new List<Finding>();
        var complaints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in frame.Cgroups)
        {
            if (c.Path == "/" || !IsLeafOfInterest(c, byPath)) continue;
            if (Victim(c, fair) is var (v, complaint) && v is not null) { victims.Add(v); complaints[v.Cgroup] = complaint; }
        }
        victims.Sort((a, b) => b.Score.CompareTo(a.Score));

        var culprits = new List<Finding>();
        foreach (var c in frame.Cgroups)
        {
            if (c.Path == "/" || !IsLeafOfInterest(c, byPath)) continue;
            if (c.Cpu.UsedCores is not double used || !fair.TryGetValue(c.Path, out var share)) continue;
            double excess = used - share;
            // Someone else must be suffering for taking more than a share to matter.
            var hurt = victims.FirstOrDefault(v => !Related(v.Cgroup, c.Path));
            if (excess < ExcessCores || hurt is null) continue;
            string limit = c.Effective.CpuLimitCores is double l ? $"a limit of {F(l)} cores" : "no limit";
            string reason = $"{c.Name} uses {F(used)} cores with {limit} (fair share {F(share)}) while {hurt.Name} {complaints[hurt.Cgroup]}";
            culprits.Add(new Finding(c.Path, c.Name, excess * (1 + hurt.Score), reason, Metrics(c, share)));
        }
        culprits.Sort((a, b) => b.Score.CompareTo(a.Score));
        return new DiagnosisReport(frame.Time, frame.IntervalSeconds,
            culprits.Select(f => f with { Cgroup = Shown(f.Cgroup) }).ToList(), victims.Select(f => f with { Cgroup = Shown(f.Cgroup) }).ToList());
    }

    /// <summary>The finding, and what is wrong in words that follow the name ("waits 420 ms/s for CPU ...").</summary>
    private static (Finding? Finding, string Complaint) Victim(CgroupView c, Dictionary<string, double> fair)
    {
        double wait = c.CpuWaitPerSecond ?? 0;
        double used = c.Cpu.UsedCores ?? 0;
        double share = fair.GetValueOrDefault(c.Path, double.PositiveInfinity);
        double throttled = c.Cpu.ThrottledRatio ?? 0;
        double memPct = c.Memory.PercentOfLimit ?? 0;
        long oom = c.Memory.OomKills ?? 0;
        double pressure = (c.Pressure?.Cpu ?? 0) / 100;

        // A cgroup that already gets more than its share is not a victim of its neighbours, however much its own tasks queue.
        bool starved = (wait >= WaitingSecondsPerSecond || pressure >= WaitingSecondsPerSecond) && used < share - 0.05;
        string? complaint = null;
        double score = 0;
        if (starved)
        {
            score += Math.Max(wait, pressure);
            complaint = $"waits {Ms(Math.Max(wait, pressure))} ms/s for CPU (gets {F(used)} of a fair {F(share)} cores)";
        }
        if (throttled >= 0.2 && c.Cpu.LimitCores is double limit)
        {
            score += throttled * (c.Cpu.ThrottledSeconds ?? 0) + throttled * 0.1;
            complaint ??= $"is throttled in {Pct(throttled)} of periods at its limit of {F(limit)} cores";
        }
        if (memPct >= 90 || oom > 0)
        {
            score += memPct / 1000 + oom;
            complaint ??= $"holds {memPct.ToString("0", CultureInfo.InvariantCulture)}% of its memory limit" + (oom > 0 ? $" with {oom} OOM kills" : "");
        }
        return complaint is null ? (null, "") : (new Finding(c.Path, c.Name, score, $"{c.Name} {complaint}", Metrics(c, share)), complaint);
    }

    /// <summary>Cgroups with their own activity: skip pure parents whose numbers are their children's sum.</summary>
    private static bool IsLeafOfInterest(CgroupView c, Dictionary<string, CgroupView> byPath) =>
        !byPath.Keys.Any(p => p.Length > c.Path.Length && p.StartsWith(c.Path + "/", StringComparison.Ordinal) && (byPath[p].Cpu.UsedCores ?? 0) >= ActiveCores);

    private static string Shown(string path) => path == RootTasksPath ? "/" : path;

    private static Frame WithRootTasks(Frame frame)
    {
        var own = frame.Processes.Where(p => p.Cgroup == "/").ToList();
        if (own.Count == 0 || frame.Cgroups.Any(c => c.Path == RootTasksPath)) return frame;
        var view = new CgroupView(RootTasksPath, "processes in /", null,
            new CpuView(own.Sum(p => p.CpuPercent) / 100, null, null, null, null, null, null, null, 100),
            new MemoryView(own.Sum(p => p.RssBytes), null, null, null, null, null),
            new PidsView(own.Count, null), new EffectiveLimits(null, null, null, null), null, null)
        { CpuWaitPerSecond = own.Any(p => p.CpuWaitPerSecond is not null) ? own.Sum(p => p.CpuWaitPerSecond ?? 0) : null };
        return frame with { Cgroups = [.. frame.Cgroups, view] };
    }

    private static bool Related(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);

    /// <summary>share(child) = what the parent may use × weight / Σ active siblings' weights; the root may use every CPU in scope.</summary>
    private static Dictionary<string, double> FairShares(Frame frame, Dictionary<string, CgroupView> byPath)
    {
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        double capacity = frame.Scope.Cpus;
        foreach (var c in frame.Cgroups.OrderBy(c => c.Path.Count(ch => ch == '/')).ThenBy(c => c.Path, StringComparer.Ordinal))
        {
            var parent = CgroupPath.Parent(c.Path);
            double parentShare = parent is null ? capacity : shares.GetValueOrDefault(parent, capacity);
            if (parent is null) { shares[c.Path] = capacity; continue; }
            var active = frame.Cgroups.Where(s => CgroupPath.Parent(s.Path) == parent && ((s.Cpu.UsedCores ?? 0) >= ActiveCores || (s.CpuWaitPerSecond ?? 0) >= WaitingSecondsPerSecond)).ToList();
            double total = active.Sum(s => (double)(s.Cpu.Weight ?? 100));
            double mine = c.Cpu.Weight ?? 100;
            double share = total > 0 && active.Contains(c) ? parentShare * mine / total : parentShare;
            if (c.Cpu.LimitCores is double l) share = Math.Min(share, l);
            shares[c.Path] = share;
        }
        return shares;
    }

    private static IReadOnlyDictionary<string, double?> Metrics(CgroupView c, double share) => new Dictionary<string, double?>
    {
        ["usedCores"] = c.Cpu.UsedCores,
        ["fairShareCores"] = double.IsFinite(share) ? Math.Round(share, 4) : null,
        ["limitCores"] = c.Effective.CpuLimitCores,
        ["cpuWaitSecondsPerSecond"] = c.CpuWaitPerSecond,
        ["throttledRatio"] = c.Cpu.ThrottledRatio,
        ["cpuPressureAvg10"] = c.Pressure?.Cpu,
        ["memoryPercentOfLimit"] = c.Memory.PercentOfLimit,
        ["memoryPressureAvg10"] = c.Pressure?.Memory,
        ["oomKills"] = c.Memory.OomKills,
    };

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Pct(double ratio) => (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
    private static string Ms(double secondsPerSecond) => (secondsPerSecond * 1000).ToString("0", CultureInfo.InvariantCulture);
}
