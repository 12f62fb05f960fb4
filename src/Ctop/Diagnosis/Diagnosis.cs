using System.Globalization;
using Ctop.Model;
using ProcFs.Cgroups;

namespace Ctop.Diagnosis;

/// <summary>One cgroup named by the diagnosis, with why, and the figures behind it.</summary>
public sealed record Finding(string Cgroup, string Name, double Score, string Reason, IReadOnlyDictionary<string, double?> Metrics)
{
    /// <summary>The other side: for a culprit the victim it hurts most, for a victim the culprit hurting it most; null when none is named.</summary>
    public string? Neighbour { get; init; }
}

public sealed record DiagnosisReport(DateTimeOffset Time, double IntervalSeconds, IReadOnlyList<Finding> Culprits, IReadOnlyList<Finding> Victims);

/// <summary>
/// Names noisy neighbours from one frame. A cgroup's fair share of CPU is what weighted max-min fairness gives it among its
/// active siblings out of its parent's fair share (CFS is work-conserving: idle siblings claim nothing, and a sibling that
/// wants less than its part leaves the rest to the others). A victim waits for a CPU
/// (schedstat run-queue delay), is throttled by its quota, or is pressed against its memory limit; a culprit uses clearly
/// more than its share while someone else is a victim. See docs/diagnose.md.
/// </summary>
public static class Diagnoser
{
    /// <summary>Below these a cgroup is neither waiting nor using: noise.</summary>
    public const double ActiveCores = 0.02, WaitingSecondsPerSecond = 0.02, ExcessCores = 0.1;

    /// <summary>Memory PSI "some avg10" from which a cgroup is named: its tasks stalled on reclaim or refaults this much.</summary>
    public const double MemoryStallPercent = 5;

    /// <summary>
    /// Processes that sit in the root cgroup itself compete at the root level beside its children; they are counted as one
    /// tenant (the host's own work against each container) under this path, which the kernel never prints, weighing one
    /// default cgroup per busy process: CFS weighs each such task like a whole cgroup, which is how they crowd containers out.
    /// </summary>
    public const string RootTasksPath = "//";

    public static DiagnosisReport Diagnose(Frame frame)
    {
        frame = WithRootTasks(frame);
        var byPath = frame.Cgroups.ToDictionary(c => c.Path, StringComparer.Ordinal);
        var fair = FairShares(frame);
        var victims = new List<Finding>();
        // Victims held back by a neighbour (not by their own quota or memory): only these make CPU culprits.
        var starved = new List<(Finding Victim, string Complaint)>();
        foreach (var c in frame.Cgroups)
        {
            if (c.Path == "/" || !IsLeafOfInterest(c, byPath)) continue;
            if (Victim(c, fair) is var (v, complaint, waits) && v is not null)
            {
                victims.Add(v);
                if (waits) starved.Add((v, complaint));
            }
        }
        victims.Sort((a, b) => b.Score.CompareTo(a.Score));

        var culprits = new List<Finding>();
        foreach (var c in frame.Cgroups)
        {
            if (c.Path == "/" || !IsLeafOfInterest(c, byPath)) continue;
            if (c.Cpu.UsedCores is not double used || !fair.TryGetValue(c.Path, out var share)) continue;
            double excess = used - share;
            // Someone else must be waiting for taking more than a share to matter. The nearest such neighbour in the tree is
            // named: what c takes beyond its share comes first out of its siblings' part, then its parent's siblings'.
            var hurt = starved.Where(v => !Related(v.Victim.Cgroup, c.Path))
                .OrderByDescending(v => CommonDepth(v.Victim.Cgroup, c.Path)).ThenByDescending(v => v.Victim.Score).FirstOrDefault();
            if (excess < ExcessCores || hurt.Victim is null) continue;
            string limit = c.EffectiveCpuLimitCores is double l ? $"a limit of {F(l)} cores" : "no limit";
            string reason = $"{c.Name} uses {F(used)} cores with {limit} (fair share {F(share)}) while {hurt.Victim.Name} {hurt.Complaint}";
            culprits.Add(new Finding(c.Path, c.Name, excess * (1 + hurt.Victim.Score), reason, Metrics(c, share)) { Neighbour = hurt.Victim.Cgroup });
        }
        culprits.Sort((a, b) => b.Score.CompareTo(a.Score));
        // Culprits are sorted by score, so the first naming a victim is the one hurting it most.
        for (int i = 0; i < victims.Count; i++)
            if (culprits.FirstOrDefault(k => k.Neighbour == victims[i].Cgroup) is { } worst) victims[i] = victims[i] with { Neighbour = worst.Cgroup };
        return new DiagnosisReport(frame.Time, frame.IntervalSeconds,
            culprits.Select(f => f with { Cgroup = Shown(f.Cgroup), Neighbour = f.Neighbour is { } n ? Shown(n) : null }).ToList(),
            victims.Select(f => f with { Cgroup = Shown(f.Cgroup), Neighbour = f.Neighbour is { } n ? Shown(n) : null }).ToList());
    }

    /// <summary>The finding, and what is wrong in words that follow the name ("waits 420 ms/s for CPU ...").</summary>
    private static (Finding? Finding, string Complaint, bool Starved) Victim(CgroupView c, Dictionary<string, double> fair)
    {
        double wait = c.CpuWaitPerSecond ?? 0;
        double used = c.Cpu.UsedCores ?? 0;
        double share = fair.GetValueOrDefault(c.Path, double.PositiveInfinity);
        double throttled = c.Cpu.ThrottledRatio ?? 0;
        double memPct = c.MemoryPercentOfEffectiveLimit ?? 0;
        long oom = c.Memory.NewOomKills ?? 0;
        double hits = c.Memory.LimitHitsPerSecond ?? 0;
        double memStall = c.Pressure?.Memory ?? 0;
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
        if (oom > 0)
        {
            score += oom;
            complaint ??= $"had {oom} OOM kill{(oom == 1 ? "" : "s")} at {Pct(memPct / 100)} of its memory limit";
        }
        // failcnt only moves when a charge hits the limit, so the rate alone says the cgroup was full during the window,
        // even when a freed file has emptied it by the time of the sample.
        if (hits >= 1)
        {
            score += Math.Min(hits, 1000) / 1000;
            complaint ??= $"hits its memory limit {hits.ToString("0", CultureInfo.InvariantCulture)} times/s and reclaims to stay under it ({Pct(memPct / 100)} used now)";
        }
        if (memStall >= MemoryStallPercent)
        {
            score += memStall / 100;
            complaint ??= $"stalls on memory {Units.Percent(memStall)} of the time";
        }
        if (memPct >= 90)
        {
            score += memPct / 1000;
            complaint ??= $"holds {Pct(memPct / 100)} of its memory limit";
        }
        return complaint is null ? (null, "", false) : (new Finding(c.Path, c.Name, score, $"{c.Name} {complaint}", Metrics(c, share)), complaint, starved);
    }

    /// <summary>Cgroups with their own activity: skip pure parents whose numbers are their children's sum.</summary>
    private static bool IsLeafOfInterest(CgroupView c, Dictionary<string, CgroupView> byPath) =>
        !byPath.Keys.Any(p => p.Length > c.Path.Length && p.StartsWith(c.Path + "/", StringComparison.Ordinal) && (byPath[p].Cpu.UsedCores ?? 0) >= ActiveCores);

    private static string Shown(string path) => path == RootTasksPath ? "/" : path;

    private static Frame WithRootTasks(Frame frame)
    {
        var own = frame.Processes.Where(p => p.Cgroup == "/").ToList();
        if (own.Count == 0 || frame.Cgroups.Any(c => c.Path == RootTasksPath)) return frame;
        // Each runnable nice-0 task at the root weighs as much as a child cgroup with the default weight.
        int busy = own.Count(p => p.CpuPercent / 100 >= ActiveCores || (p.CpuWaitPerSecond ?? 0) >= WaitingSecondsPerSecond);
        var view = new CgroupView(RootTasksPath, "processes in /", null,
            new CpuView(own.Sum(p => p.CpuPercent) / 100, null, null, null, null, null, null, null, 100L * Math.Max(1, busy)),
            new MemoryView(own.Sum(p => p.RssBytes), null, null, null, null, null),
            new PidsView(own.Count, null), new EffectiveLimits(null, null, null, null), null, null)
        { CpuWaitPerSecond = own.Any(p => p.CpuWaitPerSecond is not null) ? own.Sum(p => p.CpuWaitPerSecond ?? 0) : null };
        return frame with { Cgroups = [.. frame.Cgroups, view] };
    }

    /// <summary>How many path components two cgroups share ("/a/b" and "/a/c" share 1; the root-tasks tenant shares 0).</summary>
    private static int CommonDepth(string a, string b)
    {
        var x = a.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var y = b.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int n = 0;
        while (n < x.Length && n < y.Length && x[n] == y[n]) n++;
        return n;
    }

    private static bool Related(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);

    /// <summary>
    /// Weighted max-min fairness, level by level: each parent's fair allocation (the root's is every CPU in scope) is
    /// water-filled among its active children by weight, and a child that wants less than its weighted part (used + run-queue
    /// wait, capped by its own quota) gets what it wants, the rest going to the others. That is what a work-conserving CFS
    /// would hand out; a cgroup that got less than this while it waited was held back by a neighbour, and one that got more
    /// took it from someone. An idle child's share is what it would get by waking up.
    /// </summary>
    private static Dictionary<string, double> FairShares(Frame frame)
    {
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        var children = frame.Cgroups.Where(c => c.Path != "/").GroupBy(c => CgroupPath.Parent(c.Path)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        // A parent wants what its children want (each capped by its quota) plus what its own tasks want: its raw used + wait
        // would count the waiting of a throttled child, which no share can serve.
        var demands = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in frame.Cgroups.OrderByDescending(c => c.Path.Count(ch => ch == '/')))
        {
            double raw = Raw(c);
            if (children.TryGetValue(c.Path, out var kids) && kids.Count > 0)
                raw = Math.Max(0, raw - kids.Sum(Raw)) + kids.Sum(k => demands.GetValueOrDefault(k.Path, Raw(k)));
            demands[c.Path] = Cap(c, raw);
        }
        var pending = new Queue<(string Path, double Allocation)>();
        pending.Enqueue(("/", frame.Scope.Cpus));
        shares["/"] = frame.Scope.Cpus;
        while (pending.TryDequeue(out var parent))
        {
            if (!children.TryGetValue(parent.Path, out var kids)) continue;
            var active = kids.Where(Active).OrderBy(c => Demand(c) / Weight(c)).ToList();
            double remaining = parent.Allocation, weights = active.Sum(Weight);
            foreach (var c in active)
            {
                double offer = weights > 0 ? remaining * Weight(c) / weights : remaining;
                double given = Math.Min(Demand(c), offer);
                // Once one child wants more than its part, so do all after it (sorted by demand per weight): they split
                // what is left by weight, which is the same offer formula with the remaining sums.
                shares[c.Path] = Cap(c, given);
                remaining -= given;
                weights -= Weight(c);
            }
            double activeWeights = active.Sum(Weight);
            foreach (var c in kids.Where(c => !Active(c)))
                shares[c.Path] = Cap(c, parent.Allocation * Weight(c) / (activeWeights + Weight(c)));
            foreach (var c in kids) pending.Enqueue((c.Path, shares[c.Path]));
        }
        return shares;

        static bool Active(CgroupView c) => (c.Cpu.UsedCores ?? 0) >= ActiveCores || (c.CpuWaitPerSecond ?? 0) >= WaitingSecondsPerSecond;
        static double Weight(CgroupView c) => Math.Max(1, c.Cpu.Weight ?? 100);
        double Demand(CgroupView c) => demands[c.Path];
        static double Raw(CgroupView c) => (c.Cpu.UsedCores ?? 0) + (c.CpuWaitPerSecond ?? 0);
        static double Cap(CgroupView c, double v) => c.EffectiveCpuLimitCores is double l ? Math.Min(v, l) : v;
    }

    private static IReadOnlyDictionary<string, double?> Metrics(CgroupView c, double share) => new Dictionary<string, double?>
    {
        ["usedCores"] = c.Cpu.UsedCores,
        ["fairShareCores"] = double.IsFinite(share) ? Math.Round(share, 4) : null,
        ["limitCores"] = c.EffectiveCpuLimitCores,
        ["cpuWaitSecondsPerSecond"] = c.CpuWaitPerSecond,
        ["throttledRatio"] = c.Cpu.ThrottledRatio,
        ["cpuPressureAvg10"] = c.Pressure?.Cpu,
        ["memoryPercentOfLimit"] = c.MemoryPercentOfEffectiveLimit,
        ["memoryPressureAvg10"] = c.Pressure?.Memory,
        ["oomKills"] = c.Memory.NewOomKills,
        ["memoryLimitHitsPerSecond"] = c.Memory.LimitHitsPerSecond,
    };

    private static string F(double v) => Units.Cores(v);
    private static string Pct(double ratio) => Units.Ratio(ratio);
    private static string Ms(double secondsPerSecond) => (secondsPerSecond * 1000).ToString("0", CultureInfo.InvariantCulture);
}
