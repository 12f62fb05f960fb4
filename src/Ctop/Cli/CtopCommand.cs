using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Ctop.Output;
using Ctop.Pipeline;

namespace Ctop.Cli;

/// <summary>The ctop command line (System.CommandLine): the options, their validation, and binding to options records.</summary>
public sealed class CtopCommand
{
    /// <summary>The same bound as the config file's refreshSeconds.</summary>
    public const double MaxDelaySeconds = Config.CtopConfig.MaxRefreshSeconds;

    public RootCommand Root { get; }

    private readonly Option<bool> _batch = new("--batch", "-b")
    {
        Description = "Batch mode: print frames as text (or JSON) instead of the dashboard. Implied when output is not a terminal.",
    };

    private readonly Option<int?> _iterations = new("--iterations", "-n")
    {
        Description = "Print COUNT frames, then exit. Default: until interrupted.",
        HelpName = "COUNT",
        CustomParser = ParseIterations,
    };

    private readonly Option<double> _delay = new("--delay", "-d")
    {
        Description = "Seconds between frames, like top's -d (e.g. 0.5). Default: refreshSeconds from the config file, else 1.",
        HelpName = "SECONDS",
        CustomParser = ParseDelay,
        // No DefaultValueFactory: without -d the config file decides (see Bind), and help must not claim "[default: 1]".
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print one JSON object per frame, one per line (see docs/usage.md for the schema).",
    };

    private readonly Option<bool> _cgroupsOnly = new("--cgroups-only")
    {
        Description = "Show only cgroups; processes are not read at all.",
    };

    private readonly Option<bool> _processesOnly = new("--processes-only")
    {
        Description = "Show only processes; the cgroup tree is not read at all.",
    };

    private readonly Option<string?> _cgroup = new("--cgroup")
    {
        Description = "Only cgroups whose path starts with PATH-PREFIX (e.g. /docker or /system.slice/docker), and the processes in them.",
        HelpName = "PATH-PREFIX",
    };

    private readonly Option<int[]> _pids = new("--pid", "-p")
    {
        Description = "Only these processes (and the cgroups they are in). Comma-separated; may be repeated.",
        HelpName = "PID,...",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = ParsePids,
    };

    private readonly Option<string?> _user = new("--user", "-u")
    {
        Description = "Only processes of USER (a name or a numeric uid), like top's -u, and the cgroups they are in.",
        HelpName = "USER",
    };

    private readonly Option<string[]> _filter = new("--filter", "-f")
    {
        Description = "Only containers matching KEY=VALUE, like docker ps: name=TEXT, id=PREFIX, image=IMAGE, label=KEY[=VALUE]. May be repeated.",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _dockerHost = new("--docker-host")
    {
        Description = "docker's Engine API, for container names, images and labels: unix:///PATH or tcp://HOST:PORT. Default: $DOCKER_HOST, else unix:///var/run/docker.sock.",
        HelpName = "URL",
    };

    private readonly Option<string?> _podmanHost = new("--podman-host")
    {
        Description = "podman's API service: unix:///PATH or tcp://HOST:PORT. Default: $CONTAINER_HOST, else unix:///run/podman/podman.sock.",
        HelpName = "URL",
    };

    private readonly Option<string?> _containerdAddress = new("--containerd-address")
    {
        Description = "containerd's socket, to name Kubernetes pods and containers (namespace k8s.io). Default: $CONTAINERD_ADDRESS, else /run/containerd/containerd.sock.",
        HelpName = "PATH",
    };

    private readonly Option<string?> _criAddress = new("--cri-address")
    {
        Description = "A CRI runtime's socket (CRI-O), to name Kubernetes pods and containers. Default: $CONTAINER_RUNTIME_ENDPOINT, else /var/run/crio/crio.sock.",
        HelpName = "PATH",
    };

    private readonly Option<string> _procRoot = new("--proc-root")
    {
        Description = "Where proc is mounted (e.g. a host's /proc bind-mounted into a container).",
        HelpName = "DIR",
        DefaultValueFactory = _ => "/proc",
    };

    private readonly Option<string?> _cgroupRoot = new("--cgroup-root")
    {
        Description = "Where the cgroup filesystem is mounted. Default: the mount points in mountinfo.",
        HelpName = "DIR",
    };

    private readonly Option<string?> _from = new("--from")
    {
        Description = "Print recorded frames from a store (ctop record) instead of sampling; with --begin, --end.",
        HelpName = "DIR",
    };

    private readonly Option<DateTimeOffset?> _begin = HistoryCommands.TimeOption("--begin", "With --from: start at TIME (ISO 8601 or HH:MM[:SS] today).");
    private readonly Option<DateTimeOffset?> _end = HistoryCommands.TimeOption("--end", "With --from: stop after TIME (ISO 8601 or HH:MM[:SS] today).");

    /// <param name="launch">What a parsed run or exec does (tests see the request instead); default: runs it.</param>
    public CtopCommand(Func<Launcher.LaunchRequest, int>? launch = null)
    {
        Root = new RootCommand("ctop: a container-aware top. CPU against quota, memory against limit, throttling, per cgroup and process.");
        foreach (var o in new Option[] { _batch, _iterations, _delay, _json, _cgroupsOnly, _processesOnly, _cgroup, _pids, _user, _filter, _dockerHost, _podmanHost, _containerdAddress, _criAddress, _procRoot, _cgroupRoot, _from, _begin, _end })
            Root.Options.Add(o);
        Root.Subcommands.Add(HistoryCommands.CreateRecord());
        Root.Subcommands.Add(HistoryCommands.CreateReplay());
        Root.Subcommands.Add(DiagnoseCommand.Create());
        Root.Subcommands.Add(Tuning.TuningCommands.CreateLimitCommand());
        Root.Subcommands.Add(LxcfsCommands.CreateProcCommand());
        Root.Subcommands.Add(Serve.ServeCommand.Create());
        foreach (var c in Launcher.LauncherCommands.Create(launch)) Root.Subcommands.Add(c);
        // With subcommands present, a root without an action is a parse error ("Required command"); CtopApp sets the real one.
        Root.SetAction(_ => CtopApp.Success);

        _cgroup.Validators.Add(r =>
        {
            if (string.IsNullOrEmpty(r.GetValueOrDefault<string?>()))
                r.AddError("--cgroup needs a path prefix such as /docker.");
        });
        _user.Validators.Add(r =>
        {
            var user = r.GetValueOrDefault<string?>();
            if (string.IsNullOrEmpty(user)) r.AddError("--user needs a user name or a numeric uid.");
            else if (ResolveUser(user) is null) r.AddError($"Invalid --user '{user}': no such user (give a name from the passwd database or a numeric uid).");
        });
        _filter.Validators.Add(r =>
        {
            if (Output.ContainerFilter.Parse(r.GetValueOrDefault<string[]>() ?? [], out var why) is null) r.AddError(why!);
        });
        _dockerHost.Validators.Add(r => RequireHost(r, "--docker-host"));
        _podmanHost.Validators.Add(r => RequireHost(r, "--podman-host"));
        _containerdAddress.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } a && !Containers.RuntimeOptions.TryParseContainerdAddress(a, out _, out var why))
                r.AddError($"Invalid --containerd-address {why}.");
        });
        _criAddress.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } a && !Containers.RuntimeOptions.TryParseCriAddress(a, out _, out var why))
                r.AddError($"Invalid --cri-address {why}.");
        });
        _procRoot.Validators.Add(r => RequireDirectory(r, "--proc-root"));
        _cgroupRoot.Validators.Add(r => RequireDirectory(r, "--cgroup-root"));

        Root.Validators.Add(r =>
        {
            bool cgroupsOnly = r.GetValue(_cgroupsOnly), processesOnly = r.GetValue(_processesOnly);
            if (cgroupsOnly && processesOnly)
                r.AddError("--cgroups-only and --processes-only cannot be used together.");
            if (cgroupsOnly && r.GetResult(_pids) is not null)
                r.AddError("--pid selects processes, and --cgroups-only shows none; use one or the other.");
            if (cgroupsOnly && r.GetResult(_user) is not null)
                r.AddError("--user selects processes, and --cgroups-only shows none; use one or the other.");
            if (r.GetResult(_from) is null && (r.GetResult(_begin) is not null || r.GetResult(_end) is not null))
                r.AddError("--begin and --end select recorded frames: give the store with --from DIR.");
            // Only two times that parsed are compared (an unparsable one has its own error).
            if (r.GetResult(_begin) is { } b && !b.Errors.Any() && r.GetResult(_end) is { } e && !e.Errors.Any()
                && r.GetValue(_begin) is { } begin && r.GetValue(_end) is { } end && begin > end)
                r.AddError($"--begin {begin:O} is after --end {end:O}: no recorded frame lies between them.");
            if (r.GetResult(_from) is not null && r.GetResult(_delay) is not null)
                r.AddError("--from prints the frames as they were recorded; -d applies to sampling only (ctop record -d sets the interval).");
            if (processesOnly && r.GetResult(_filter) is not null)
                r.AddError("--filter selects containers by their cgroups, and --processes-only reads none; use one or the other.");
        });
    }

    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args);

    /// <summary>
    /// The options of a parse without errors; settings not given on the command line come from <paramref name="config"/>,
    /// and the runtime sockets from <paramref name="environment"/> (DOCKER_HOST, CONTAINER_HOST) as their own clients read them.
    /// </summary>
    public CliOptions Bind(ParseResult result, Config.CtopConfig? config = null, Func<string, string?>? environment = null)
    {
        config ??= Config.CtopConfig.Default;
        // -d given wins; otherwise the config file's interval (the option's own default is only for --help).
        var delayGiven = result.GetResult(_delay) is { Implicit: false };
        var user = result.GetValue(_user);
        bool cgroupsOnly = result.GetValue(_cgroupsOnly), processesOnly = result.GetValue(_processesOnly);
        var pids = result.GetValue(_pids);
        var prefix = result.GetValue(_cgroup);
        var filters = result.GetValue(_filter) is { Length: > 0 } f ? Output.ContainerFilter.Parse(f, out _) : null;
        // Validated above, so only an unusable environment variable is left to report, as a warning.
        var runtimes = Containers.RuntimeOptions.Resolve(result.GetValue(_dockerHost), result.GetValue(_podmanHost), result.GetValue(_containerdAddress),
            result.GetValue(_criAddress), environment ?? Environment.GetEnvironmentVariable, out _, out var warning);

        var sampling = new SamplingOptions
        {
            Interval = TimeSpan.FromSeconds(delayGiven ? result.GetValue(_delay) : config.RefreshSeconds),
            ProcRoot = result.GetValue(_procRoot) ?? "/proc",
            CgroupRoot = result.GetValue(_cgroupRoot),
            Processes = !cgroupsOnly,
            Cgroups = !processesOnly,
            Runtimes = runtimes,
        };
        var batch = new BatchOptions
        {
            Iterations = result.GetValue(_iterations),
            Json = result.GetValue(_json),
            Filter = new FrameFilter
            {
                CgroupPrefix = prefix is null ? null : FrameFilter.NormalizePrefix(prefix),
                Pids = pids is { Length: > 0 } ? pids.ToHashSet() : null,
                Users = user is null ? null : ResolveUser(user),
                Containers = filters,
                CgroupsOnly = cgroupsOnly,
                ProcessesOnly = processesOnly,
            },
        };
        var from = result.GetValue(_from);
        return new CliOptions(sampling, batch, result.GetValue(_batch))
        {
            Warnings = warning is null ? [] : [warning],
            From = from is null ? null : new Store.RecordedRange(from, result.GetValue(_begin), result.GetValue(_end)),
        };
    }

    private static int? ParseIterations(ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1) return n;
        r.AddError($"Invalid --iterations '{text}': expected a whole number of frames, at least 1.");
        return null;
    }

    private static double ParseDelay(ArgumentResult r)
    {
        if (r.Tokens.Count == 0) return 1.0;
        var text = r.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s)
            && s > 0 && s <= MaxDelaySeconds)
            return s;
        r.AddError($"Invalid --delay '{text}': expected seconds greater than 0 (e.g. 1 or 0.5), at most {MaxDelaySeconds}.");
        return 1.0;
    }

    private static int[] ParsePids(ArgumentResult r)
    {
        var pids = new List<int>();
        foreach (var token in r.Tokens)
            foreach (var part in token.Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
                    pids.Add(pid);
                else
                {
                    r.AddError($"Invalid --pid '{token.Value}': expected process ids separated by commas, e.g. 1,42.");
                    return [];
                }
            }
        return pids.ToArray();
    }

    /// <summary>
    /// The names a process of USER shows under: the user name and, for a uid, its number too (the sampler prints the
    /// number for a uid without a passwd entry). Null when USER is neither a known name nor a number.
    /// </summary>
    internal static IReadOnlySet<string>? ResolveUser(string user)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            names.Add(user);
            try { names.Add(new Mono.Unix.UnixUserInfo(uid).UserName); }
            catch (ArgumentException) { } // a uid without a name is still a uid processes can run as
            return names;
        }
        try
        {
            var info = new Mono.Unix.UnixUserInfo(user);
            names.Add(info.UserName);
            names.Add(info.UserId.ToString(CultureInfo.InvariantCulture));
            return names;
        }
        catch (ArgumentException) { return null; }
    }

    private static void RequireHost(OptionResult r, string name)
    {
        var host = r.GetValueOrDefault<string?>();
        if (host is null) return;
        if (!Containers.EngineHost.TryParse(host, out _, out var why)) r.AddError($"Invalid {name} {why}.");
    }

    private static void RequireDirectory(OptionResult r, string name)
    {
        var dir = r.GetValueOrDefault<string?>();
        if (r.Implicit || dir is null) return; // defaults are checked where they are used
        if (!Directory.Exists(dir))
            r.AddError($"{name} '{dir}' is not a directory.");
    }
}
