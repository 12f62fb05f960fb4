using System.Globalization;
using Ctop.Model;

namespace Ctop.Ui;

/// <summary>
/// The two header lines. Use is measured against the scope's capacity. On a host, CPU use is /proc/stat busy time (what
/// top shows; it counts interrupts that no cgroup is charged for) and memory is MemTotal − MemAvailable (what free calls
/// used). Inside a container both come from the container's own cgroup: its CPU usage and its working set, against its
/// effective limits. Either falls back to the root cgroup "/" when the preferred figure is missing.
/// </summary>
public static class HeaderModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static (double? Cores, long? Memory) Use(Frame frame)
    {
        CgroupView? own = frame.Scope.Kind == ScopeKind.Container && frame.Scope.CgroupPath is { } p
            ? frame.Cgroups.FirstOrDefault(c => c.Path == p) : null;
        var root = frame.Cgroups.FirstOrDefault(c => c.Path == "/");
        double? cores;
        long? memory;
        if (frame.Scope.Kind == ScopeKind.Host)
        {
            cores = frame.Host?.BusyCores ?? root?.Cpu.UsedCores;
            memory = frame.Host is { MemAvailableBytes: long avail } h ? h.MemTotalBytes - avail : root is null ? null : CgroupMetrics.Memory(root);
        }
        else
        {
            cores = own?.Cpu.UsedCores ?? root?.Cpu.UsedCores;
            memory = own is not null ? CgroupMetrics.Memory(own) : root is null ? null : CgroupMetrics.Memory(root);
        }
        return (cores, memory);
    }

    public static string ScopeName(Scope scope) =>
        scope.Kind == ScopeKind.Host ? "host " + Environment.MachineName : "container " + TextEscape.Escape(scope.Name ?? scope.CgroupPath ?? "?");

    /// <summary>Line 1: where and what capacity, load, uptime, interval. Line 2: the CPU and memory meters.</summary>
    public static string[] Lines(Frame? frame, TimeSpan interval, int width)
    {
        if (frame is null) return [Fmt.Fit("ctop — waiting for the first sample…", width), ""];
        var s = frame.Scope;
        var line1 = $"ctop  {ScopeName(s)}  {Fmt.Cores(s.Cpus)} CPUs {Fmt.Bytes(s.MemoryBytes)}";
        if (frame.Host is { } h)
            line1 += string.Create(C, $"  load {h.Load1:0.00} {h.Load5:0.00} {h.Load15:0.00}  up {Fmt.Uptime(h.UptimeSeconds)}");
        line1 += "  every " + Fmt.Seconds(interval);

        var (cores, memory) = Use(frame);
        double? cpuPct = cores is double c && s.Cpus > 0 ? c / s.Cpus * 100 : null;
        double? memPct = memory is long m && s.MemoryBytes > 0 ? m * 100.0 / s.MemoryBytes : null;
        string cpuText = $"{Fmt.Cores(cores)}/{Fmt.Cores(s.Cpus)}";
        string memText = $"{Fmt.Bytes(memory)}/{Fmt.Bytes(s.MemoryBytes)}";
        // Two meters side by side, each "CPU[|||   1.23/2.00]"; the bars take what the width leaves.
        int half = Math.Max(0, width / 2 - 1);
        string line2 = Meter("CPU", cpuPct, cpuText, half) + "  " + Meter("MEM", memPct, memText, half);
        return [Fmt.Fit(line1, width), Fmt.Fit(line2, width)];
    }

    public static string Meter(string label, double? percent, string text, int width)
    {
        int bar = width - label.Length - 2 - text.Length - 1;
        if (bar < 3) return Fmt.Fit($"{label} {text}", width);
        return $"{label}[{Fmt.Bar(percent, bar)} {text}]";
    }
}
