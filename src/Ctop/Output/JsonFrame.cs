using System.Text.Json.Serialization;
using Ctop.Model;

namespace Ctop.Output;

// The JSON schema of --json, spelled out as its own records so renaming a model member can never change the
// output. docs/usage.md documents it field by field; keep the two in step. Fields are only ever added (at the end of a
// record), never renamed or given a new meaning: cpu/memory percentOfLimit stay of the cgroup's own limit, and
// percentOfEffectiveLimit is what the dashboard and the text tables show.

public sealed record JsonFrame(
    DateTimeOffset Time,
    double? IntervalSeconds,
    JsonScope Scope,
    IReadOnlyList<JsonCgroup> Cgroups,
    IReadOnlyList<JsonProcess> Processes);

public sealed record JsonScope(string Kind, double? Cpus, long MemoryBytes, string? Name, string? CgroupPath,
    long? SwapBytes, double? UptimeSeconds, JsonLoad? Load);

public sealed record JsonLoad(double Load1, double Load5, double Load15, int Running, int Total);

public sealed record JsonCgroup(
    string Path,
    string Name,
    JsonCpu Cpu,
    JsonMemory Memory,
    JsonPids Pids,
    JsonEffective Effective,
    JsonContainer? Container,
    JsonIo? Io,
    JsonPressure? Pressure,
    IReadOnlyList<string> Attention);

public sealed record JsonCpu(
    double? UsedCores,
    double? LimitCores,
    double? PercentOfLimit,
    double? ThrottledRatio,
    double? ThrottledSeconds,
    int? CpusetCpus,
    long? QuotaUsec,
    long? PeriodUsec,
    long? Weight,
    double? PercentOfEffectiveLimit);

public sealed record JsonMemory(
    long? UsageBytes,
    long? WorkingSetBytes,
    long? LimitBytes,
    double? PercentOfLimit,
    long? HighBytes,
    long? OomKills,
    double? PercentOfEffectiveLimit,
    string? Basis);

public sealed record JsonPids(long? Current, long? Max);

public sealed record JsonEffective(double? CpuLimitCores, string? CpuLimitSetBy, long? MemoryLimitBytes, string? MemoryLimitSetBy);

/// <summary>Name is the runtime's name (within its pod for Kubernetes); image, labels and pod are null when only the
/// cgroup path is known, which source says ("cgroup", "docker-api", "docker-config", "podman-api", "podman-storage",
/// "containerd-api", "cri-api").</summary>
public sealed record JsonContainer(string Runtime, string Id, string Name, string? Image, IReadOnlyDictionary<string, string>? Labels,
    JsonPod? Pod, string Source);

public sealed record JsonPod(string Namespace, string Name, string Uid);

public sealed record JsonIo(double? ReadBytesPerSecond, double? WriteBytesPerSecond);

public sealed record JsonPressure(double? Cpu, double? Memory, double? Io);

public sealed record JsonProcess(
    int Pid,
    int Ppid,
    string User,
    string State,
    double? CpuPercent,
    long RssBytes,
    int Threads,
    string? Cgroup,
    string? Container,
    string Command,
    double? CpuSeconds,
    double? MemoryPercent);

/// <summary>Source-generated (no reflection: NativeAOT and trimming safe). Nulls are written, never omitted,
/// so every line has the same shape.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JsonFrame))]
internal sealed partial class CtopJsonContext : JsonSerializerContext;

public static class JsonFrameMapper
{
    // Cores and ratios to 4 decimals (0.1 ms of CPU per second), percents to 2: more would be noise.
    private const int Fine = 4;
    private const int Percent = 2;

    public static JsonFrame ToJson(Frame f) => new(
        f.Time,
        Round(f.IntervalSeconds, Fine),
        new JsonScope(f.Scope.Kind == ScopeKind.Host ? "host" : "container", Round(f.Scope.Cpus, Fine), f.Scope.MemoryBytes,
            f.Scope.Name, f.Scope.CgroupPath, f.Scope.SwapBytes, Round(f.Scope.UptimeSeconds, Percent),
            f.Scope.Load is { } l ? new JsonLoad(l.Load1, l.Load5, l.Load15, l.Running, l.Total) : null),
        f.Cgroups.Select(ToJson).ToList(),
        f.Processes.Select(ToJson).ToList());

    public static JsonCgroup ToJson(CgroupView c) => new(
        c.Path,
        c.Name,
        new JsonCpu(Round(c.Cpu.UsedCores, Fine), Round(c.Cpu.LimitCores, Fine), Round(c.Cpu.PercentOfLimit, Percent),
            Round(c.Cpu.ThrottledRatio, Fine), Round(c.Cpu.ThrottledSeconds, Fine), c.Cpu.CpusetCpus,
            c.Cpu.QuotaUsec, c.Cpu.PeriodUsec, c.Cpu.Weight, Round(c.CpuPercentOfEffectiveLimit, Percent)),
        new JsonMemory(c.Memory.UsageBytes, c.Memory.WorkingSetBytes, c.Memory.LimitBytes,
            Round(c.Memory.PercentOfLimit, Percent), c.Memory.HighBytes, c.Memory.OomKills,
            Round(c.MemoryPercentOfEffectiveLimit, Percent), Basis(c.MemoryBasis)),
        new JsonPids(c.Pids.Current, c.Pids.Max),
        new JsonEffective(Round(c.Effective.CpuLimitCores, Fine), c.Effective.CpuLimitSetBy,
            c.Effective.MemoryLimitBytes, c.Effective.MemoryLimitSetBy),
        c.Container is { } id ? ToJson(id) : null,
        c.Io is { } io ? new JsonIo(Round(io.ReadBytesPerSecond, 0), Round(io.WriteBytesPerSecond, 0)) : null,
        c.Pressure is { } p ? new JsonPressure(Round(p.Cpu, Percent), Round(p.Memory, Percent), Round(p.Io, Percent)) : null,
        AttentionRules.Names(c.Attention));

    private static string? Basis(MemoryBasis? b) => b switch
    {
        MemoryBasis.WorkingSet => "workingSet",
        MemoryBasis.Usage => "usage",
        _ => null,
    };

    public static JsonContainer ToJson(ContainerId id) => new(id.Runtime, id.Id, id.Name, id.Image, id.Labels,
        id.Pod is { } p ? new JsonPod(p.Namespace, p.Name, p.Uid) : null, id.Source);

    public static JsonProcess ToJson(ProcessView p) => new(
        p.Pid,
        p.Ppid,
        p.User,
        p.State.ToString(),
        Round(p.CpuPercent, Percent),
        p.RssBytes,
        p.Threads,
        p.Cgroup,
        p.Container?.QualifiedName,
        p.Command,
        Round(p.CpuSeconds, Percent),
        Round(p.MemoryPercent, Percent));

    /// <summary>JSON has no NaN or Infinity; a rate that could not be computed is unknown, so null.</summary>
    internal static double? Round(double? value, int digits) =>
        value is { } v && double.IsFinite(v) ? Math.Round(v, digits, MidpointRounding.AwayFromZero) : null;
}
