using Ctop.Model;

namespace Ctop.Output;

/// <summary>
/// The command line's selection, applied to each frame as a pure function so the output only ever sees
/// what was asked for. (Sampling is also told to skip what is not wanted; this makes the result exact anyway.)
/// </summary>
public sealed record FrameFilter
{
    public static FrameFilter None { get; } = new();

    /// <summary>Only cgroups whose path starts with this (plain string prefix, so /system.slice/docker
    /// matches every docker-*.scope), and only processes in them.</summary>
    public string? CgroupPrefix { get; init; }

    /// <summary>Only these processes, and only the cgroups they are in.</summary>
    public IReadOnlySet<int>? Pids { get; init; }

    /// <summary>Only processes whose user is one of these (top's -u; a name, and the uid as a string for users
    /// without one), and only the cgroups they are in.</summary>
    public IReadOnlySet<string>? Users { get; init; }

    /// <summary>Only containers the runtimes' names, images or labels match (--filter), and the processes in them.</summary>
    public ContainerFilter? Containers { get; init; }

    public bool CgroupsOnly { get; init; }

    public bool ProcessesOnly { get; init; }

    public bool ShowsCgroups => !ProcessesOnly;

    public bool ShowsProcesses => !CgroupsOnly;

    public Frame Apply(Frame frame)
    {
        if (this == None) return frame;

        IReadOnlyList<ProcessView> processes = [];
        if (ShowsProcesses)
            processes = frame.Processes
                .Where(p => (Pids is null || Pids.Contains(p.Pid)) && (Users is null || Users.Contains(p.User)) && InPrefix(p.Cgroup)
                    && (Containers is null || Containers.Matches(p.Container)))
                .ToList();

        IReadOnlyList<CgroupView> cgroups = [];
        if (ShowsCgroups)
        {
            // With -p or -u the cgroup table narrows to the cgroups holding those processes, as --cgroup narrows processes.
            HashSet<string>? holding = Pids is null && Users is null ? null
                : processes.Where(p => p.Cgroup is not null).Select(p => p.Cgroup!).ToHashSet(StringComparer.Ordinal);
            cgroups = frame.Cgroups.Where(c => InPrefix(c.Path) && (holding is null || holding.Contains(c.Path))
                && (Containers is null || Containers.Matches(c.Container))).ToList();
        }

        return frame with { Cgroups = cgroups, Processes = processes };
    }

    private bool InPrefix(string? path) =>
        CgroupPrefix is null || (path is not null && path.StartsWith(CgroupPrefix, StringComparison.Ordinal));

    /// <summary>Cgroup paths are absolute within the hierarchy; accept "docker" for "/docker".</summary>
    public static string NormalizePrefix(string prefix) => prefix.StartsWith('/') ? prefix : "/" + prefix;
}
