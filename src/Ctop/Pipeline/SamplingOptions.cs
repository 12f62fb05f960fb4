namespace Ctop.Pipeline;

/// <summary>What to sample and how often. Roots are parameters so ctop can read a mounted host /proc or a fixture tree.</summary>
public sealed record SamplingOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    public string ProcRoot { get; init; } = "/proc";
    /// <summary>Null: the mount points from mountinfo as they are.</summary>
    public string? CgroupRoot { get; init; }
    /// <summary>Skip per-process reads entirely (for --cgroups-only).</summary>
    public bool Processes { get; init; } = true;
    /// <summary>Skip the cgroup tree (for --processes-only).</summary>
    public bool Cgroups { get; init; } = true;
    /// <summary>Also read every thread's run-queue wait (/proc/PID/task/TID/schedstat): one file per thread, for diagnosis.</summary>
    public bool Schedstat { get; init; }
    /// <summary>Where to ask container runtimes for names, images and labels; null: containers are named from their cgroup paths.</summary>
    public Containers.RuntimeOptions? Runtimes { get; init; }
}
