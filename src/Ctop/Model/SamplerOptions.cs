using ProcFs.Cgroups;

namespace Ctop.Model;

/// <summary>
/// What the <see cref="Sampler"/> reads. Roots are parameters so ctop can read a mounted host /proc or a fixture tree.
/// The pipeline's <see cref="Pipeline.SamplingOptions"/> adds how often and what else (container runtimes) on top, so
/// the model does not depend on the pipeline that drives it.
/// </summary>
public record SamplerOptions
{
    public string ProcRoot { get; init; } = "/proc";
    /// <summary>Null: the mount points from mountinfo as they are.</summary>
    public string? CgroupRoot { get; init; }
    /// <summary>Skip per-process reads entirely (for --cgroups-only).</summary>
    public bool Processes { get; init; } = true;
    /// <summary>Skip the cgroup tree (for --processes-only).</summary>
    public bool Cgroups { get; init; } = true;
    /// <summary>Also read every thread's run-queue wait (/proc/PID/task/TID/schedstat): one file per thread, for diagnosis.</summary>
    public bool Schedstat { get; init; }
    /// <summary>Also read memory-limit hits (v1 memory.failcnt; v2 has them in memory.events anyway): one file more per cgroup on v1.</summary>
    public bool MemoryLimitHits { get; init; }
    /// <summary>
    /// Read the run-queue waits only while this says they are wanted (the dashboard: while the noisy-neighbours view is
    /// open), since they add a file per thread to every sample. <see cref="Schedstat"/> reads them always.
    /// </summary>
    public SchedstatDemand? SchedstatDemand { get; init; }
    /// <summary>
    /// Take a process's stat over from the last sample while its cgroup's CPU counter stands still (re-read at least every
    /// <see cref="Sampler.QuietRereadSamples"/> samples). False: read every process every sample (for comparisons).
    /// </summary>
    public bool SkipsQuietProcesses { get; init; } = true;
    /// <summary>
    /// The parts of each cgroup the frames need: a view decides it once from what it shows (the batch text: CPU, memory
    /// and pids; JSON, the exporter, the recorder and the dashboard: all). Diagnosing reads all regardless.
    /// </summary>
    public CgroupParts CgroupParts { get; init; } = CgroupParts.All;
    /// <summary>
    /// A cgroup's limits are re-read every this many samples (staggered; at once after ctop writes one, and for a cgroup
    /// new to the sampler): see <see cref="CgroupReader.LimitRereadSamples"/>. 1: every sample.
    /// </summary>
    public int LimitRereadSamples { get; init; } = 8;
}

/// <summary>Whether someone shows run-queue waits right now; set on the UI thread, read on the sampler's.</summary>
public sealed class SchedstatDemand
{
    private volatile bool _wanted;

    public bool Wanted
    {
        get => _wanted;
        set => _wanted = value;
    }
}
