using System.CommandLine;
using System.CommandLine.Invocation;
using Ctop.Containers;
using Ctop.Model;
using ProcFs.Cgroups;

namespace Ctop.Tuning;

/// <summary>
/// <c>ctop limit CGROUP [--cpus N | --cpu-quota US --cpu-period US] [--memory SIZE] [--memory-high SIZE]
/// [--memory-swap SIZE] [--pids N] [--cpu-weight N] [--dry-run] [--proc-root DIR] [--cgroup-root DIR]</c>.
/// Exit codes: 0 applied (or dry run valid), 1 refused (nothing changed; the message says what and why),
/// 2 usage error (bad value, conflicting flags, no knob).
/// </summary>
public static class TuningCommands
{
    public const int Ok = 0, Refused = 1, Usage = 2;

    public static Command CreateLimitCommand()
    {
        var target = new Argument<string>("CGROUP")
        {
            Description = "a cgroup path (/ctop/box, /docker/ID), a container name, or an id prefix (≥ 4 hex digits)",
        };
        var cpus = new Option<string>("--cpus") { Description = "CPU limit in cores (0.5), as a percentage of one CPU (50%, 150%), or max" };
        var quota = new Option<string>("--cpu-quota") { Description = "CFS quota in µs per period, or max (-1)" };
        var period = new Option<string>("--cpu-period") { Description = "CFS period in µs (1000–1000000)" };
        var memory = new Option<string>("--memory", "-m") { Description = "memory limit: 256m, 1.5G, 512k, bytes, or max (1024-based)" };
        var memoryHigh = new Option<string>("--memory-high") { Description = "memory throttle limit (v2 memory.high)" };
        var memorySwap = new Option<string>("--memory-swap") { Description = "memory + swap, as docker's --memory-swap; max (-1) for unlimited" };
        var pids = new Option<string>("--pids", "--pids-limit") { Description = "task limit, or max (-1)" };
        var weight = new Option<string>("--cpu-weight") { Description = "CPU weight 1–10000 (default 100; v1: cpu.shares = weight × 1024 / 100)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "validate and print what would be written, without writing" };
        var procRoot = new Option<string>("--proc-root") { Description = "the /proc to read mounts from", DefaultValueFactory = _ => "/proc" };
        var cgroupRoot = new Option<string>("--cgroup-root") { Description = "where the cgroup filesystem is mounted, if not /sys/fs/cgroup" };
        var dockerHost = new Option<string>("--docker-host") { Description = "docker's Engine API, to find a container by its name (default: $DOCKER_HOST, else unix:///var/run/docker.sock)" };
        var podmanHost = new Option<string>("--podman-host") { Description = "podman's API service (default: $CONTAINER_HOST, else unix:///run/podman/podman.sock)" };

        var command = new Command("limit", "change a cgroup's CPU, memory and task limits (all or nothing; prints before → after)");
        command.Arguments.Add(target);
        foreach (var o in new Option[] { cpus, quota, period, memory, memoryHigh, memorySwap, pids, weight, dryRun, dockerHost, podmanHost, procRoot, cgroupRoot })
            command.Options.Add(o);
        command.Action = new LimitAction(r => Run(r, new Inputs(
            r.GetValue(target), r.GetValue(cpus), r.GetValue(quota), r.GetValue(period), r.GetValue(memory), r.GetValue(memoryHigh),
            r.GetValue(memorySwap), r.GetValue(pids), r.GetValue(weight), r.GetValue(dryRun), r.GetValue(procRoot) ?? "/proc", r.GetValue(cgroupRoot),
            r.GetValue(dockerHost), r.GetValue(podmanHost))));
        return command;
    }

    private sealed record Inputs(string? Target, string? Cpus, string? Quota, string? Period, string? Memory, string? MemoryHigh,
        string? MemorySwap, string? Pids, string? Weight, bool DryRun, string ProcRoot, string? CgroupRoot,
        string? DockerHost = null, string? PodmanHost = null);

    /// <summary>
    /// Runs even when System.CommandLine found parse errors (ClearsParseErrors), so every usage error — a flag without its
    /// value, an unknown flag — exits 2 like ctop's own checks, instead of the library's default 1, which here means "refused".
    /// </summary>
    private sealed class LimitAction(Func<ParseResult, int> run) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var err = parseResult.InvocationConfiguration.Error;
            if (parseResult.Errors.Count > 0 || parseResult.UnmatchedTokens.Count > 0)
            {
                foreach (var e in parseResult.Errors) err.WriteLine($"ctop limit: {e.Message}");
                foreach (var t in parseResult.UnmatchedTokens) err.WriteLine($"ctop limit: unexpected '{t}'");
                err.WriteLine("usage: ctop limit CGROUP [--cpus N | --cpu-quota US --cpu-period US] [--memory SIZE] [--memory-high SIZE] [--memory-swap SIZE] [--pids N] [--cpu-weight N] [--dry-run]");
                return Usage;
            }
            return run(parseResult);
        }
    }

    private static int Run(ParseResult r, Inputs i)
    {
        var output = r.InvocationConfiguration.Output;
        var err = r.InvocationConfiguration.Error;
        ChangeSet set;
        RuntimeOptions? runtimes;
        try
        {
            if (string.IsNullOrWhiteSpace(i.Target)) throw new TuningUsageException("which cgroup? give a cgroup path, a container name or an id prefix");
            // (A missing CGROUP is a parse error reported by LimitAction; an empty or blank one arrives here.)
            set = BuildChangeSet(i);
            runtimes = RuntimeOptions.Resolve(i.DockerHost, i.PodmanHost, Environment.GetEnvironmentVariable, out var hostError, out var warning);
            if (hostError is not null) throw new TuningUsageException(hostError);
            if (warning is not null) err.WriteLine($"ctop limit: {warning}");
        }
        catch (TuningUsageException ex)
        {
            err.WriteLine($"ctop limit: {ex.Message}");
            return Usage;
        }

        string path;
        Tuner tuner;
        try
        {
            var layout = CgroupLayout.Discover(i.ProcRoot, i.CgroupRoot);
            using var catalog = new ContainerCatalog(runtimes!);
            // A bare name may be a runtime's: the runtimes are asked once, each bounded by its request timeout.
            path = new CgroupTargets(layout, () => catalog.RefreshAsync().GetAwaiter().GetResult()).Resolve(i.Target);
            tuner = new Tuner(layout);
        }
        catch (TargetException ex)
        {
            err.WriteLine($"ctop limit: {ex.Message}");
            return ex.IsUsageError ? Usage : Refused;
        }

        try
        {
            var change = tuner.Apply(path, set, i.DryRun);
            Print(output, change);
            return Ok;
        }
        catch (TuningRefusedException ex)
        {
            err.WriteLine($"ctop limit: {path}: refused: {ex.Message}");
            if (ex.RolledBack.Count == 0 && ex.NotRestored.Count == 0) err.WriteLine("ctop limit: nothing was changed");
            return Refused;
        }
    }

    /// <summary>Flags → change set; conflicting or empty requests are usage errors, as docker's "Conflicting options".</summary>
    internal static ChangeSet BuildChangeSet(string? cpus, string? quota, string? period, string? memory, string? memoryHigh,
        string? memorySwap, string? pids, string? weight) =>
        BuildChangeSet(new Inputs("x", cpus, quota, period, memory, memoryHigh, memorySwap, pids, weight, false, "/proc", null));

    private static ChangeSet BuildChangeSet(Inputs i)
    {
        if (i.Cpus is not null && (i.Quota is not null || i.Period is not null))
            throw new TuningUsageException("--cpus conflicts with --cpu-quota/--cpu-period: --cpus sets both (quota = CPUs × 100000 µs); use one form");
        var set = new ChangeSet
        {
            CpuQuota = i.Cpus is not null ? new Limit(TuningValues.ParseCpus(i.Cpus))
                : i.Quota is not null ? new Limit(TuningValues.ParseQuotaUsec(i.Quota)) : null,
            CpuPeriodUsec = i.Cpus is not null ? TuningValues.DefaultPeriodUsec
                : i.Period is not null ? TuningValues.ParsePeriodUsec(i.Period) : null,
            MemoryMax = i.Memory is not null ? new Limit(TuningValues.ParseSize(i.Memory, "--memory")) : null,
            MemoryHigh = i.MemoryHigh is not null ? new Limit(TuningValues.ParseSize(i.MemoryHigh, "--memory-high")) : null,
            MemorySwap = i.MemorySwap is not null ? new Limit(TuningValues.ParseSize(i.MemorySwap, "--memory-swap", minusOneIsMax: true)) : null,
            Pids = i.Pids is not null ? new Limit(TuningValues.ParsePids(i.Pids)) : null,
            CpuWeight = i.Weight is not null ? TuningValues.ParseWeight(i.Weight) : null,
        };
        if (set.IsEmpty)
            throw new TuningUsageException("nothing to change: give at least one of --cpus, --cpu-quota, --cpu-period, --memory, --memory-high, --memory-swap, --pids, --cpu-weight");
        return set;
    }

    /// <summary>One line per file: "knob  FILE  before → after", "(unchanged)" when the kernel already had it.</summary>
    public static void Print(TextWriter output, Change change)
    {
        bool dry = change.Kind == ChangeKind.DryRun;
        output.WriteLine(dry ? $"{change.Cgroup}: dry run, nothing written; would write:" : $"{change.Cgroup}:");
        foreach (var k in change.Knobs)
            foreach (var f in k.Files)
            {
                string value = f.Changed ? $"{Show(f.Before)} → {Show(f.After)}" : $"{Show(f.Before)} (unchanged)";
                output.WriteLine($"  {Label(k.Knob),-12} {f.File}  {value}{Hint(k.Knob, f)}");
            }
    }

    /// <summary>The knob as the flag names it.</summary>
    public static string Label(Knob knob) => knob switch
    {
        Knob.Cpu => "cpu",
        Knob.CpuWeight => "cpu-weight",
        Knob.MemoryMax => "memory",
        Knob.MemoryHigh => "memory-high",
        Knob.MemorySwap => "memory-swap",
        Knob.Pids => "pids",
        _ => knob.ToString(),
    };

    private static string Show(string text) => text.Length == 0 ? "(empty)" : text;

    /// <summary>A size in human units next to the bytes, so "67108864" reads as 64M at a glance.</summary>
    private static string Hint(Knob knob, WriteResult f)
    {
        if (knob is not (Knob.MemoryMax or Knob.MemoryHigh or Knob.MemorySwap) || !f.Changed) return "";
        return long.TryParse(f.After, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long b)
               && b < 0x7FFF_FFFF_0000_0000
            ? $"  ({Units.Bytes(b)})"
            : "";
    }
}
