using Ctop.Model;

namespace Ctop.Ui;

/// <summary>Why a cgroup row needs attention. Shown as letters in the marker column, so it reads without colour.</summary>
[Flags]
public enum Attention
{
    None = 0,
    /// <summary>T: the CFS quota throttled it in at least <see cref="AttentionRules.ThrottledRatio"/> of the periods.</summary>
    Throttled = 1,
    /// <summary>M: memory at or above <see cref="AttentionRules.MemoryPercent"/> of its effective limit.</summary>
    MemoryNearLimit = 2,
    /// <summary>K: the OOM killer has killed in it.</summary>
    OomKilled = 4,
}

public static class AttentionRules
{
    /// <summary>1% of periods: a quota that bites at all shows up; 0 would flag a single unlucky period.</summary>
    public const double ThrottledRatio = 0.01;
    public const double MemoryPercent = 90;

    public static Attention Of(CgroupView c)
    {
        var a = Attention.None;
        if (c.Cpu.ThrottledRatio is double t && t >= ThrottledRatio) a |= Attention.Throttled;
        if (CgroupMetrics.MemoryPercent(c) is double m && m >= MemoryPercent) a |= Attention.MemoryNearLimit;
        if (c.Memory.OomKills is long k && k > 0) a |= Attention.OomKilled;
        return a;
    }

    public static string Marker(Attention a) =>
        a == Attention.None ? "" :
        string.Concat((a & Attention.Throttled) != 0 ? "T" : "", (a & Attention.MemoryNearLimit) != 0 ? "M" : "", (a & Attention.OomKilled) != 0 ? "K" : "");

    public static IEnumerable<string> Reasons(CgroupView c)
    {
        var a = Of(c);
        if ((a & Attention.Throttled) != 0) yield return $"throttled in {Fmt.Percent(c.Cpu.ThrottledRatio * 100)} of CFS periods";
        if ((a & Attention.MemoryNearLimit) != 0) yield return $"memory at {Fmt.Percent(CgroupMetrics.MemoryPercent(c))} of its limit";
        if ((a & Attention.OomKilled) != 0) yield return $"{c.Memory.OomKills} OOM kill(s)";
    }
}

/// <summary>
/// The numbers the dashboard shows for a cgroup. Limits are the effective ones (smallest along the ancestors), since those
/// are what bind. Memory is the working set (usage minus reclaimable inactive file cache, as docker stats and kubectl top
/// count it) when the kernel gives it, else usage: page cache alone would make every file-reading cgroup look full.
/// </summary>
public static class CgroupMetrics
{
    public static double? CpuLimit(CgroupView c) => c.Effective.CpuLimitCores ?? c.Cpu.LimitCores;

    public static double? CpuPercent(CgroupView c) =>
        c.Cpu.UsedCores is double u && CpuLimit(c) is double l && l > 0 ? u / l * 100 : null;

    public static long? Memory(CgroupView c) => c.Memory.WorkingSetBytes ?? c.Memory.UsageBytes;

    public static long? MemoryLimit(CgroupView c) => c.Effective.MemoryLimitBytes ?? c.Memory.LimitBytes;

    public static double? MemoryPercent(CgroupView c) =>
        Memory(c) is long m && MemoryLimit(c) is long l && l > 0 ? m * 100.0 / l : null;
}
