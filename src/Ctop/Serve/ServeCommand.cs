using ProcFs.Parsing;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;

namespace Ctop.Serve;

/// <summary>What `ctop serve` was asked for, bound from the command line.</summary>
public sealed record ServeOptions(IPEndPoint Listen, string Path, SamplingOptions Sampling, FrameFilter Filter)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// `ctop serve [--listen ADDR:PORT] [--path /metrics]`: the latest frame for Prometheus. Sampling runs on its own
/// thread at its own interval; a scrape reads the latest snapshot and never triggers or waits for a sample.
/// </summary>
public static class ServeCommand
{
    /// <summary>
    /// Outside Prometheus's standard exporter range 9100–9999, which its default-port-allocations wiki lists as full
    /// (docs/metrics.md).
    /// </summary>
    public const int DefaultPort = 10109;
    public const string DefaultListen = "127.0.0.1:10109";
    public const string DefaultPath = "/metrics";

    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = $"Address and port to serve on: ADDR:PORT, [IPv6]:PORT, or :PORT for every address. Default: {DefaultListen} (this machine only).",
            HelpName = "ADDR:PORT",
            DefaultValueFactory = _ => DefaultListen,
        };
        var path = new Option<string>("--path")
        {
            Description = $"URL path of the metrics. Default: {DefaultPath}.",
            HelpName = "PATH",
            DefaultValueFactory = _ => DefaultPath,
        };
        var delay = new Option<double>("--delay", "-d")
        {
            Description = "Seconds between samples; a scrape serves the latest. Default: 1.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 1.0,
        };
        var cgroup = new Option<string?>("--cgroup")
        {
            Description = "Only cgroups whose path starts with PATH-PREFIX (e.g. /kubepods), as in batch mode.",
            HelpName = "PATH-PREFIX",
        };
        var filter = new Option<string[]>("--filter", "-f")
        {
            Description = "Only containers matching KEY=VALUE, as in batch mode: name=TEXT, id=PREFIX, image=IMAGE, label=KEY[=VALUE]. May be repeated.",
            HelpName = "KEY=VALUE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var noSchedstat = new Option<bool>("--no-schedstat")
        {
            Description = "Do not read run-queue waits (a schedstat file per thread each sample): cheaper, but noisy-neighbour scores then rest on throttling, pressure and memory alone.",
        };
        var dockerHost = new Option<string?>("--docker-host") { Description = "docker's Engine API, for names and images: unix:///PATH or tcp://HOST:PORT. Default: $DOCKER_HOST, else unix:///var/run/docker.sock.", HelpName = "URL" };
        var podmanHost = new Option<string?>("--podman-host") { Description = "podman's API service: unix:///PATH or tcp://HOST:PORT. Default: $CONTAINER_HOST, else unix:///run/podman/podman.sock.", HelpName = "URL" };
        var containerdAddress = new Option<string?>("--containerd-address") { Description = "containerd's socket, to name Kubernetes pods and containers (namespace k8s.io). Default: $CONTAINERD_ADDRESS, else /run/containerd/containerd.sock.", HelpName = "PATH" };
        var criAddress = new Option<string?>("--cri-address") { Description = "A CRI runtime's socket (CRI-O), to name Kubernetes pods and containers. Default: $CONTAINER_RUNTIME_ENDPOINT, else /var/run/crio/crio.sock.", HelpName = "PATH" };
        var procRoot = new Option<string>("--proc-root") { Description = "Where proc is mounted (e.g. the host's /proc in a DaemonSet).", HelpName = "DIR", DefaultValueFactory = _ => "/proc" };
        var cgroupRoot = new Option<string?>("--cgroup-root") { Description = "Where the cgroup filesystem is mounted. Default: the mount points in mountinfo.", HelpName = "DIR" };

        listen.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>();
            if (!TryParseListen(v, out _, out var why)) r.AddError(why!);
        });
        path.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>();
            if (!IsValidPath(v)) r.AddError($"Invalid --path '{Printable.Escape(v ?? "")}': expected a URL path such as /metrics (starting with /, no spaces, ? or #).");
        });
        delay.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<double>();
            if (!(v > 0 && v <= 86_400)) r.AddError($"Invalid --delay '{v.ToString(CultureInfo.InvariantCulture)}': expected seconds greater than 0 (e.g. 1 or 0.5), at most 86400.");
        });
        cgroup.Validators.Add(r =>
        {
            if (string.IsNullOrEmpty(r.GetValueOrDefault<string?>())) r.AddError("--cgroup needs a path prefix such as /kubepods.");
        });
        filter.Validators.Add(r =>
        {
            if (ContainerFilter.Parse(r.GetValueOrDefault<string[]>() ?? [], out var why) is null) r.AddError(why!);
        });
        foreach (var (o, name) in new (Option, string)[] { (procRoot, "--proc-root"), (cgroupRoot, "--cgroup-root") })
            o.Validators.Add(r =>
            {
                var dir = r.GetValueOrDefault<string?>();
                if (!r.Implicit && dir is not null && !Directory.Exists(dir)) r.AddError($"{name} '{dir}' is not a directory.");
            });

        var command = new Command("serve", "Serve the latest sample over HTTP for Prometheus (text format 0.0.4, or OpenMetrics when asked): cAdvisor's container_* metrics and ctop_* effective limits, throttling and noisy neighbours. See docs/metrics.md.");
        foreach (var o in new Option[] { listen, path, delay, cgroup, filter, noSchedstat, dockerHost, podmanHost, containerdAddress, criAddress, procRoot, cgroupRoot })
            command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            TryParseListen(result.GetValue(listen), out var endpoint, out _);
            var runtimes = Containers.RuntimeOptions.Resolve(result.GetValue(dockerHost), result.GetValue(podmanHost),
                result.GetValue(containerdAddress), result.GetValue(criAddress), Environment.GetEnvironmentVariable, out var error, out var warning);
            var err = result.InvocationConfiguration.Error;
            if (error is not null)
            {
                err.WriteLine("ctop: " + Printable.Escape(error));
                return 2;
            }
            bool schedstat = !result.GetValue(noSchedstat);
            var prefix = result.GetValue(cgroup);
            var options = new ServeOptions(endpoint!, result.GetValue(path)!, new SamplingOptions
            {
                Interval = TimeSpan.FromSeconds(result.GetValue(delay)),
                ProcRoot = result.GetValue(procRoot)!,
                CgroupRoot = result.GetValue(cgroupRoot),
                // Processes are read only for their run-queue waits, which the diagnosis sums per cgroup.
                Processes = schedstat,
                Schedstat = schedstat,
                MemoryLimitHits = true,
                Runtimes = runtimes,
            }, new FrameFilter
            {
                CgroupPrefix = prefix is null ? null : FrameFilter.NormalizePrefix(prefix),
                Containers = result.GetValue(filter) is { Length: > 0 } f ? ContainerFilter.Parse(f, out _) : null,
                CgroupsOnly = true,
            })
            { Warnings = warning is null ? [] : [warning] };
            return await RunAsync(options, err, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Serves until SIGTERM (exit 143), SIGINT (130) or <paramref name="cancellation"/> (0); 1 when the address cannot be
    /// bound or sampling fails.
    /// </summary>
    public static async Task<int> RunAsync(ServeOptions options, TextWriter error, CancellationToken cancellation,
        Func<SamplingOptions, DroppedTicks, IObservable<Frame>>? frames = null, Action<MetricsServer>? started = null)
    {
        foreach (var w in options.Warnings) error.WriteLine("ctop: " + Printable.Escape(w));
        int signal = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // Like any daemon: 128 + the signal, so a supervisor tells a stop from a crash.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Interlocked.CompareExchange(ref signal, 15, 0); stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Interlocked.CompareExchange(ref signal, 2, 0); stop.Cancel(); });

        var latest = new Latest();
        MetricsServer server;
        try { server = new MetricsServer(options.Listen, options.Path, () => latest.Value); }
        catch (SocketException e)
        {
            error.WriteLine($"ctop serve: cannot listen on {options.Listen}: {e.Message}");
            return 1;
        }
        using (server)
        {
            error.WriteLine($"ctop serve: listening on http://{server.LocalEndPoint}{options.Path}");
            error.Flush();
            started?.Invoke(server);
            var dropped = new DroppedTicks();
            var failed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var source = frames?.Invoke(options.Sampling, dropped) ?? FrameSource.Create(options.Sampling, dropped: dropped);
            var serving = server.RunAsync(stop.Token);
            using (stop.Token.Register(() => failed.TrySetResult(null)))
            using (source.Subscribe(
                f => latest.Value = new ServeSnapshot(options.Filter.Apply(f), f, dropped.Count),
                e => failed.TrySetResult(e),
                () => failed.TrySetResult(null)))
            {
                var failure = await failed.Task.ConfigureAwait(false);
                stop.Cancel();
                await serving.ConfigureAwait(false);
                if (failure is not null)
                {
                    error.WriteLine("ctop serve: " + Printable.Escape(failure.Message));
                    return 1;
                }
            }
        }
        return signal == 0 ? 0 : 128 + signal;
    }

    private sealed class Latest
    {
        private ServeSnapshot? _value;
        public ServeSnapshot? Value { get => Volatile.Read(ref _value); set => Volatile.Write(ref _value, value); }
    }

    /// <summary>ADDR:PORT, [IPv6]:PORT, localhost:PORT, or :PORT (every IPv4 address, as Go exporters read it). Port 0 picks a free one.</summary>
    public static bool TryParseListen(string? text, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = $"Invalid --listen '{Printable.Escape(text ?? "")}': expected ADDR:PORT, e.g. {DefaultListen}, [::1]:{DefaultPort}, or :{DefaultPort} for every address.";
        if (string.IsNullOrEmpty(text)) return false;
        int colon = text.LastIndexOf(':');
        if (colon < 0) return false;
        string host = text[..colon], portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535) return false;
        IPAddress? address;
        if (host.Length == 0) address = IPAddress.Any;
        else if (host == "localhost") address = IPAddress.Loopback;
        else if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out address) || address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        }
        else if (!IPAddress.TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetwork || host.Count(ch => ch == '.') != 3) return false;
        endpoint = new IPEndPoint(address, port);
        error = null;
        return true;
    }

    public static bool IsValidPath(string? path) =>
        path is { Length: > 0 and <= 256 } && path[0] == '/' && path.All(c => c > ' ' && c < 0x7f && c is not ('?' or '#'));
}
