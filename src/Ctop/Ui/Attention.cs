using Ctop.Model;

namespace Ctop.Ui;

/// <summary>The model's attention reasons (<see cref="CgroupView.Attention"/>) as the dashboard writes them.</summary>
public static class AttentionText
{
    /// <summary>Letters for the marker column, so they read without colour: T throttled, M memory near limit, K OOM kills.</summary>
    public static string Marker(Attention a) =>
        a == Attention.None ? "" :
        string.Concat((a & Attention.Throttled) != 0 ? "T" : "", (a & Attention.MemoryNearLimit) != 0 ? "M" : "", (a & Attention.OomKilled) != 0 ? "K" : "");

    public static IEnumerable<string> Reasons(CgroupView c)
    {
        var a = c.Attention;
        if ((a & Attention.Throttled) != 0) yield return $"throttled in {Units.Ratio(c.Cpu.ThrottledRatio)} of CFS periods";
        if ((a & Attention.MemoryNearLimit) != 0) yield return $"memory at {Units.Percent(c.MemoryPercentOfEffectiveLimit)} of its limit";
        if ((a & Attention.OomKilled) != 0) yield return $"{c.Memory.OomKills} OOM kill(s)";
    }
}
