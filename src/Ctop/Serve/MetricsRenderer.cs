using System.Diagnostics;
using System.Reflection;
using System.Text;
using Ctop.Diagnosis;
using Ctop.Model;

namespace Ctop.Serve;

/// <summary>
/// Formats one frame (and the diagnosis of it) as metric families. Derives nothing: every value is a frame field, a
/// finding's score, or a count the pipeline keeps. The families and their meaning are listed in docs/metrics.md.
/// </summary>
public static class MetricsRenderer
{
    public static readonly string Version = typeof(MetricsRenderer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private sealed record Family(string Name, MetricType Type, string Help, string? Unit, Func<CgroupView, double?> Value, Func<CgroupView, string?>? Extra = null, string? ExtraLabel = null);

    // cAdvisor's names, labels and meaning (docs/metrics.md): the kube-prometheus dashboards and alerts read them as they are.
    private static readonly Family[] PerCgroup =
    [
        new("container_cpu_usage_seconds_total", MetricType.Counter, "Cumulative CPU time consumed by the cgroup and its descendants, in seconds.", "seconds", c => c.Counters?.CpuUsageSeconds),
        new("container_cpu_cfs_periods_total", MetricType.Counter, "Number of elapsed enforcement period intervals (cpu.stat nr_periods).", null, c => c.Counters?.CfsPeriods),
        new("container_cpu_cfs_throttled_periods_total", MetricType.Counter, "Number of throttled period intervals (cpu.stat nr_throttled).", null, c => c.Counters?.CfsThrottledPeriods),
        new("container_cpu_cfs_throttled_seconds_total", MetricType.Counter, "Total time duration the cgroup has been throttled, in seconds.", "seconds", c => c.Counters?.CfsThrottledSeconds),
        new("container_spec_cpu_quota", MetricType.Gauge, "CPU quota of the cgroup in microseconds per period (absent when unlimited).", null, c => c.Cpu.QuotaUsec),
        new("container_spec_cpu_period", MetricType.Gauge, "CPU period of the cgroup in microseconds.", null, c => c.Cpu.PeriodUsec),
        new("container_spec_cpu_shares", MetricType.Gauge, "CPU shares of the cgroup (v2 cpu.weight converted to shares).", null, c => c.Counters?.CpuShares),
        new("container_memory_usage_bytes", MetricType.Gauge, "Current memory usage in bytes, including all memory regardless of when it was accessed.", "bytes", c => c.Memory.UsageBytes),
        new("container_memory_working_set_bytes", MetricType.Gauge, "Current working set in bytes: usage minus inactive file cache.", "bytes", c => c.Memory.WorkingSetBytes),
        new("container_spec_memory_limit_bytes", MetricType.Gauge, "Memory limit of the cgroup itself in bytes (0 when unlimited).", "bytes", c => c.Memory.UsageBytes is null ? null : c.Memory.LimitBytes ?? 0),
        new("container_oom_events_total", MetricType.Counter, "Count of out of memory kills in the cgroup.", null, c => c.Memory.OomKills),
        new("container_pressure_cpu_waiting_seconds_total", MetricType.Counter, "Total time duration tasks in the cgroup have waited due to CPU congestion (PSI some).", "seconds", c => c.Counters?.CpuSomeStalledSeconds),
        new("container_pressure_cpu_stalled_seconds_total", MetricType.Counter, "Total time duration no tasks in the cgroup could make progress due to CPU congestion (PSI full).", "seconds", c => c.Counters?.CpuFullStalledSeconds),
        new("container_pressure_memory_waiting_seconds_total", MetricType.Counter, "Total time duration tasks in the cgroup have waited due to memory congestion (PSI some).", "seconds", c => c.Counters?.MemorySomeStalledSeconds),
        new("container_pressure_memory_stalled_seconds_total", MetricType.Counter, "Total time duration no tasks in the cgroup could make progress due to memory congestion (PSI full).", "seconds", c => c.Counters?.MemoryFullStalledSeconds),
        new("container_pressure_io_waiting_seconds_total", MetricType.Counter, "Total time duration tasks in the cgroup have waited due to IO congestion (PSI some).", "seconds", c => c.Counters?.IoSomeStalledSeconds),
        new("container_pressure_io_stalled_seconds_total", MetricType.Counter, "Total time duration no tasks in the cgroup could make progress due to IO congestion (PSI full).", "seconds", c => c.Counters?.IoFullStalledSeconds),
        // What nobody else exports.
        new("ctop_cpu_effective_limit_cores", MetricType.Gauge, "Smallest CPU limit (quota/period) along the cgroup and its ancestors, in cores; limited_by is the cgroup that sets it.", null,
            c => c.Effective.CpuLimitCores, c => c.Effective.CpuLimitSetBy, "limited_by"),
        new("ctop_memory_effective_limit_bytes", MetricType.Gauge, "Smallest memory limit along the cgroup and its ancestors, in bytes; limited_by is the cgroup that sets it.", "bytes",
            c => c.Effective.MemoryLimitBytes, c => c.Effective.MemoryLimitSetBy, "limited_by"),
        new("ctop_cpu_usage_effective_limit_ratio", MetricType.Gauge, "CPU used over the last sampling interval as a ratio (0-1) of the effective CPU limit.", "ratio", c => c.Effective.CpuUsageRatio),
        new("ctop_memory_working_set_effective_limit_ratio", MetricType.Gauge, "Working set as a ratio (0-1) of the effective memory limit.", "ratio", c => c.Effective.MemoryWorkingSetRatio),
        new("ctop_cpu_throttled_periods_ratio", MetricType.Gauge, "Throttled periods over elapsed periods (0-1) in the last sampling interval.", "ratio", c => c.Cpu.ThrottledRatio),
        new("ctop_memory_limit_hits_total", MetricType.Counter, "Times a memory charge hit the cgroup's limit (v1 memory.failcnt, v2 memory.events max).", null, c => c.Counters?.MemoryLimitHits),
    ];

    /// <summary>The body of one exposition of <paramref name="snapshot"/>.</summary>
    public static string Render(ServeSnapshot snapshot, ExpositionFormat format)
    {
        long start = Stopwatch.GetTimestamp();
        var frame = snapshot.Frame;
        var sb = new StringBuilder(64 + frame.Cgroups.Count * 3000);
        var w = new ExpositionWriter(sb, format);

        var labels = new string[frame.Cgroups.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = CgroupLabels(frame.Cgroups[i]);

        foreach (var f in PerCgroup)
        {
            bool started = false;
            for (int i = 0; i < labels.Length; i++)
            {
                var c = frame.Cgroups[i];
                if (f.Value(c) is not double v) continue;
                if (!started) { w.Family(f.Name, f.Type, f.Help, f.Unit); started = true; }
                w.Sample(f.Name, labels[i], v, f.ExtraLabel, f.Extra?.Invoke(c));
            }
        }

        // Findings of the diagnosis (docs/diagnose.md) for the cgroups shown; the neighbour is the other side of the finding.
        var shown = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Length; i++) shown[frame.Cgroups[i].Path] = i;
        Findings(w, "ctop_neighbour_culprit_score", "How much more CPU than its fair share the cgroup takes while a neighbour (the neighbour label) waits, weighted by the neighbour's plight (docs/diagnose.md).",
            snapshot.Diagnosis.Culprits, shown, labels);
        Findings(w, "ctop_neighbour_victim_score", "How badly the cgroup is held back: run-queue waits, throttling, memory-limit hits, OOM kills, memory pressure (docs/diagnose.md); neighbour is the culprit hurting it most, if any.",
            snapshot.Diagnosis.Victims, shown, labels);

        w.Family("ctop_sample_interval_seconds", MetricType.Gauge, "Seconds between the two samples the served frame was computed from.", "seconds");
        w.Sample("ctop_sample_interval_seconds", "", frame.IntervalSeconds);
        w.Family("ctop_sample_timestamp_seconds", MetricType.Gauge, "When the served frame's second sample was taken, in seconds since the Unix epoch.", "seconds");
        w.Sample("ctop_sample_timestamp_seconds", "", frame.Time.ToUnixTimeMilliseconds() / 1000.0);
        w.Family("ctop_sampling_dropped_ticks_total", MetricType.Counter, "Sampling ticks skipped because a sample overran the interval.", null);
        w.Sample("ctop_sampling_dropped_ticks_total", "", (ulong)snapshot.DroppedTicks);
        w.Family("ctop_build_info", MetricType.Info, "ctop's version and the .NET runtime it was built with; the value is always 1.");
        w.Sample("ctop_build_info", ExpositionWriter.Labels(("version", Version), ("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription)), 1);
        // Last, so it covers everything above: the time to format this body (a body is made once per frame and format).
        w.Family("ctop_scrape_duration_seconds", MetricType.Gauge, "Seconds it took to format this exposition.", "seconds");
        w.Sample("ctop_scrape_duration_seconds", "", Stopwatch.GetElapsedTime(start).TotalSeconds);
        w.End();
        return sb.ToString();
    }

    private static void Findings(ExpositionWriter w, string name, string help, IReadOnlyList<Finding> findings, Dictionary<string, int> shown, string[] labels)
    {
        bool started = false;
        foreach (var f in findings)
        {
            if (!shown.TryGetValue(f.Cgroup, out int i)) continue;
            if (!started) { w.Family(name, MetricType.Gauge, help); started = true; }
            w.Sample(name, labels[i], f.Score, "neighbour", f.Neighbour);
        }
    }

    /// <summary>cAdvisor's labels: id (the cgroup path), name, image and, in a pod, container, pod and namespace.</summary>
    public static string CgroupLabels(CgroupView c)
    {
        var k = c.Container;
        var pod = k?.Pod;
        return ExpositionWriter.Labels(
            ("id", c.Path),
            ("name", k?.Name),
            ("image", k?.Image),
            ("container", pod is not null && k!.Id != pod.Uid ? k.Name : null),
            ("pod", pod?.Name),
            ("namespace", pod?.Namespace));
    }
}
