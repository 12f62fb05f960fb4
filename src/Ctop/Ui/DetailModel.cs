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
        var reasons = AttentionRules.Reasons(c).ToList();
        if (reasons.Count > 0) lines.Add("! " + string.Join("; ", reasons));

        var cpu = c.Cpu;
        lines.Add($"CPU     {Fmt.Cores(cpu.UsedCores)} cores of {Fmt.Cores(CgroupMetrics.CpuLimit(c))} ({Fmt.Percent(CgroupMetrics.CpuPercent(c))})"
            + $"  limit {SetBy(Fmt.Cores(c.Effective.CpuLimitCores), c.Effective.CpuLimitSetBy, c.Path)}");
        lines.Add($"        quota {Num(cpu.QuotaUsec)}/{Num(cpu.PeriodUsec)} µs  weight {Num(cpu.Weight)}  cpuset {Num(cpu.CpusetCpus)} CPUs"
            + $"  throttled {Fmt.Percent(cpu.ThrottledRatio * 100)} of periods, {(cpu.ThrottledSeconds is double t ? t.ToString("0.00", C) : Fmt.None)} s/s");
        var mem = c.Memory;
        lines.Add($"Memory  {Fmt.Bytes(CgroupMetrics.Memory(c))} working set (usage {Fmt.Bytes(mem.UsageBytes)}) of {Fmt.Bytes(CgroupMetrics.MemoryLimit(c))}"
            + $" ({Fmt.Percent(CgroupMetrics.MemoryPercent(c))})  limit {SetBy(Fmt.Bytes(c.Effective.MemoryLimitBytes), c.Effective.MemoryLimitSetBy, c.Path)}");
        lines.Add($"        high {Fmt.Bytes(mem.HighBytes)}  OOM kills {Num(mem.OomKills)}");
        lines.Add($"Pids    {Num(c.Pids.Current)} of max {Num(c.Pids.Max)}"
            + (c.Io is { } io ? $"   IO read {Fmt.Bytes((long?)io.ReadBytesPerSecond)}/s write {Fmt.Bytes((long?)io.WriteBytesPerSecond)}/s" : "")
            + (c.Pressure is { } psi ? $"   PSI cpu {Fmt.Percent(psi.Cpu)} mem {Fmt.Percent(psi.Memory)} io {Fmt.Percent(psi.Io)}" : ""));

        // Sparklines: what is left of the width after the label and the current value.
        var last = history.Count > 0 ? history[^1] : default;
        string cpuNow = $" {Fmt.Cores(last.Cores)}/{Fmt.Cores(last.LimitCores)} cores";
        string memNow = $" {Fmt.Bytes(last.MemoryBytes)}/{Fmt.Bytes(last.MemoryLimitBytes)}";
        string thrNow = $" {Fmt.Percent(last.ThrottledRatio * 100)} throttled";
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
