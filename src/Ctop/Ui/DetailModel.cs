using System.Globalization;
using Ctop.Model;

namespace Ctop.Ui;

/// <summary>The text of a cgroup's detail view: limits with the ancestor that sets each, counters, and history sparklines.</summary>
public static class DetailModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static List<string> Lines(CgroupView c, IReadOnlyList<HistoryPoint> history, int width)
    {
        var lines = new List<string>();
        string title = TextEscape.Escape(c.Path);
        if (c.Container is { } id) title += $"  ({TextEscape.Escape(id.Runtime)} {TextEscape.Escape(id.Name)})";
        lines.Add(title);
        var reasons = AttentionText.Reasons(c).ToList();
        if (reasons.Count > 0) lines.Add("! " + string.Join("; ", reasons));

        var cpu = c.Cpu;
        lines.Add($"CPU     {Units.Cores(cpu.UsedCores)} cores of {Units.Cores(c.EffectiveCpuLimitCores)} ({Units.Percent(c.CpuPercentOfEffectiveLimit)})"
            + $"  limit {SetBy(Units.Cores(c.Effective.CpuLimitCores), c.Effective.CpuLimitSetBy, c.Path)}");
        lines.Add($"        quota {Num(cpu.QuotaUsec)}/{Num(cpu.PeriodUsec)} µs  weight {Num(cpu.Weight)}  cpuset {Num(cpu.CpusetCpus)} CPUs"
            + $"  throttled {Units.Ratio(cpu.ThrottledRatio)} of periods, {(cpu.ThrottledSeconds is double t ? t.ToString("0.00", C) : Fmt.None)} s/s");
        var mem = c.Memory;
        lines.Add($"Memory  {Units.Bytes(c.MemoryBytes)} {(c.MemoryBasis == MemoryBasis.Usage ? "usage" : "working set")} (usage {Units.Bytes(mem.UsageBytes)}) of {Units.Bytes(c.EffectiveMemoryLimitBytes)}"
            + $" ({Units.Percent(c.MemoryPercentOfEffectiveLimit)})  limit {SetBy(Units.Bytes(c.Effective.MemoryLimitBytes), c.Effective.MemoryLimitSetBy, c.Path)}");
        lines.Add($"        high {Units.Bytes(mem.HighBytes)}  OOM kills {Num(mem.OomKills)}");
        lines.Add($"Pids    {Num(c.Pids.Current)} of max {Num(c.Pids.Max)}"
            + (c.Io is { } io ? $"   IO read {Units.Bytes((long?)io.ReadBytesPerSecond)}/s write {Units.Bytes((long?)io.WriteBytesPerSecond)}/s" : "")
            + (c.Pressure is { } psi ? $"   PSI cpu {Units.Percent(psi.Cpu)} mem {Units.Percent(psi.Memory)} io {Units.Percent(psi.Io)}" : ""));

        // Sparklines: what is left of the width after the label and the current value.
        var last = history.Count > 0 ? history[^1] : default;
        string cpuNow = $" {Units.Cores(last.Cores)}/{Units.Cores(last.LimitCores)} cores";
        string memNow = $" {Units.Bytes(last.MemoryBytes)}/{Units.Bytes(last.MemoryLimitBytes)}";
        string thrNow = $" {Units.Percent(last.ThrottledRatio * 100)} throttled";
        int spark = Math.Max(0, width - 6 - Math.Max(cpuNow.Length, Math.Max(memNow.Length, thrNow.Length)));
        lines.Add($"history ({history.Count} samples, newest at the right)");
        lines.Add("CPU   " + Sparkline.Render(history.Select(h => h.Cores).ToList(), last.LimitCores, spark).PadLeft(spark) + cpuNow);
        lines.Add("MEM   " + Sparkline.Render(history.Select(h => (double?)h.MemoryBytes).ToList(), last.MemoryLimitBytes, spark).PadLeft(spark) + memNow);
        lines.Add("THR   " + Sparkline.Render(history.Select(h => h.ThrottledRatio).ToList(), 1.0, spark).PadLeft(spark) + thrNow);
        return lines.Select(l => Fmt.Fit(l, width)).ToList();
    }

    /// <summary>"0.30 (own)", "256M (set by /parent)", or "-" when nothing along the path limits it.</summary>
    private static string SetBy(string value, string? setBy, string self) =>
        setBy is null ? Fmt.None : setBy == self ? value + " (own)" : $"{value} (set by {TextEscape.Escape(setBy)})";

    private static string Num(long? v) => v?.ToString(C) ?? Fmt.None;
    private static string Num(int? v) => v?.ToString(C) ?? Fmt.None;
}
