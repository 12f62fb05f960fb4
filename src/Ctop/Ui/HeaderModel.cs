using System.Globalization;
using Ctop.Model;

namespace Ctop.Ui;

/// <summary>
/// The two header lines: the scope and its capacity, then the CPU and memory meters of <see cref="ScopeUse"/> (what the
/// figures are is defined there).
/// </summary>
public static class HeaderModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string ScopeName(Scope scope) =>
        scope.Kind == ScopeKind.Host ? "host " + Environment.MachineName : "container " + TextEscape.Escape(scope.Name ?? scope.CgroupPath ?? "?");

    /// <summary>Line 1: where and what capacity, load, uptime, interval. Line 2: the CPU and memory meters.</summary>
    public static string[] Lines(Frame? frame, TimeSpan interval, int width)
    {
        if (frame is null) return [Fmt.Fit("ctop — waiting for the first sample…", width), ""];
        var s = frame.Scope;
        var line1 = $"ctop  {ScopeName(s)}  {Units.Cores(s.Cpus)} CPUs {Units.Bytes(s.MemoryBytes)}";
        if (frame.Host is { } h)
            line1 += string.Create(C, $"  load {h.Load1:0.00} {h.Load5:0.00} {h.Load15:0.00}  up {Fmt.Uptime(h.UptimeSeconds)}");
        line1 += "  every " + Fmt.Seconds(interval);

        var use = ScopeUse.Of(frame);
        string cpuText = $"{Units.Cores(use.Cores)}/{Units.Cores(s.Cpus)}";
        string memText = $"{Units.Bytes(use.MemoryBytes)}/{Units.Bytes(s.MemoryBytes)}";
        // Two meters side by side, each "CPU[|||   1.23/2.00]"; the bars take what the width leaves.
        int half = Math.Max(0, width / 2 - 1);
        string line2 = Meter("CPU", use.CpuPercent, cpuText, half) + "  " + Meter("MEM", use.MemoryPercent, memText, half);
        return [Fmt.Fit(line1, width), Fmt.Fit(line2, width)];
    }

    public static string Meter(string label, double? percent, string text, int width)
    {
        int bar = width - label.Length - 2 - text.Length - 1;
        if (bar < 3) return Fmt.Fit($"{label} {text}", width);
        return $"{label}[{Fmt.Bar(percent, bar)} {text}]";
    }
}
