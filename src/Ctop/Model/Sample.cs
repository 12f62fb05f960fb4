using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Model;

/// <summary>Host-wide counters at one instant.</summary>
public sealed record HostSample(CpuTimes Cpu, int OnlineCpus, ulong MemTotalBytes, ulong? MemAvailableBytes, LoadAvg Load, Uptime Uptime);

/// <summary>
/// What does not change for a process (PID + start time), read once: who runs it and what it is, and the cgroup it was in
/// when sampled. Immutable, so a sample is a snapshot: when `ctop attach` or a runtime moves a running process, the
/// sampler makes a new one (<see cref="MovedTo"/>) for the samples that follow and the earlier samples keep theirs.
/// </summary>
public sealed class ProcessInfo(string user, string command, string? cgroupPath, ContainerId? container)
{
    public string User { get; } = user;
    public string Command { get; } = command;
    public string? CgroupPath { get; } = cgroupPath;
    public ContainerId? Container { get; } = container;

    /// <summary>This process in another cgroup (a new object; this one is unchanged).</summary>
    public ProcessInfo MovedTo(string cgroupPath) => new(User, Command, cgroupPath, ContainerNames.FromPath(cgroupPath));
}

/// <summary>One process's counters at one instant. CpuTicks = utime + stime in USER_HZ ticks.</summary>
public readonly record struct ProcessSample(int Pid, ulong StartTime, int Ppid, char State, ulong CpuTicks, long RssBytes, int Threads, ProcessInfo Info)
{
    /// <summary>Run-queue wait of all its threads (schedstat), when sampled.</summary>
    public ulong? WaitNs { get; init; }
}

/// <summary>All processes and the cgroup tree at one monotonic instant.</summary>
public sealed class Sample
{
    /// <summary>Stopwatch timestamp taken just before the cgroups were read.</summary>
    public required long Timestamp { get; init; }
    /// <summary>Taken just before the process scan, so a slow cgroup walk does not skew process rates (and vice versa).</summary>
    public long ProcessTimestamp { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required HostSample Host { get; init; }
    public required Scope Scope { get; init; }
    public required IReadOnlyDictionary<int, ProcessSample> Processes { get; init; }
    public required IReadOnlyDictionary<string, CgroupStats> Cgroups { get; init; }

    /// <summary>Seconds between two samples on the monotonic clock.</summary>
    public static double Seconds(Sample a, Sample b) => (b.Timestamp - a.Timestamp) / (double)System.Diagnostics.Stopwatch.Frequency;

    public static double ProcessSeconds(Sample a, Sample b) =>
        (b.ProcessTimestamp - a.ProcessTimestamp) / (double)System.Diagnostics.Stopwatch.Frequency;
}
