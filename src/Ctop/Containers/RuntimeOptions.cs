using System.Text;

namespace Ctop.Containers;

/// <summary>
/// Where ctop asks the container runtimes for names, images and labels. Each runtime is tried through its API socket
/// first and, when that fails, through the files it keeps under its data root.
/// </summary>
public sealed record RuntimeOptions
{
    public const string DefaultDockerHost = "unix:///var/run/docker.sock";
    public const string DefaultPodmanHost = "unix:///run/podman/podman.sock";

    /// <summary>docker's Engine API; null: docker is not asked at all.</summary>
    public EngineHost? DockerHost { get; init; } = EngineHost.Unix("/var/run/docker.sock");

    /// <summary>podman's API service (`podman system service`); null: podman's API is not asked.</summary>
    public EngineHost? PodmanHost { get; init; } = EngineHost.Unix("/run/podman/podman.sock");

    /// <summary>containerd's socket, asked for Kubernetes containers (namespace k8s.io); null: containerd is not asked.</summary>
    public string? ContainerdSocket { get; init; } = ContainerdClient.DefaultAddress;

    /// <summary>The CRI runtime's socket (CRI-O's by default), asked for Kubernetes pods and containers; null: not asked.</summary>
    public string? CriSocket { get; init; } = CriClient.DefaultAddress;

    /// <summary>dockerd's --data-root, for containers/ID/config.v2.json; null: no fallback.</summary>
    public string? DockerDataRoot { get; init; } = "/var/lib/docker";

    /// <summary>podman's storage root (graphroot), for DRIVER-containers/containers.json; null: no fallback.</summary>
    public string? PodmanStorageRoot { get; init; } = "/var/lib/containers/storage";

    /// <summary>How often the lists are asked for again; a container the catalog does not know asks sooner.</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Each request's bound, connect included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The hosts as their own clients choose them: the option if given, else DOCKER_HOST (docker) and CONTAINER_HOST
    /// (podman), else the default sockets. An unusable option is a usage <paramref name="error"/>; an unusable variable
    /// (ssh:// for a remote docker, say) only costs that runtime's API, with a <paramref name="warning"/>.
    /// </summary>
    public static RuntimeOptions? Resolve(string? dockerHost, string? podmanHost, Func<string, string?> environment,
        out string? error, out string? warning) =>
        Resolve(dockerHost, podmanHost, null, null, environment, out error, out warning);

    /// <summary>As below, with the CRI runtime's socket from CONTAINER_RUNTIME_ENDPOINT or its default.</summary>
    public static RuntimeOptions? Resolve(string? dockerHost, string? podmanHost, string? containerdAddress,
        Func<string, string?> environment, out string? error, out string? warning) =>
        Resolve(dockerHost, podmanHost, containerdAddress, null, environment, out error, out warning);

    /// <summary>
    /// As above, with containerd's socket (the option, else CONTAINERD_ADDRESS as ctr reads it, else the default) and the
    /// CRI runtime's (the option, else CONTAINER_RUNTIME_ENDPOINT as crictl reads it, else CRI-O's default socket).
    /// </summary>
    public static RuntimeOptions? Resolve(string? dockerHost, string? podmanHost, string? containerdAddress, string? criAddress,
        Func<string, string?> environment, out string? error, out string? warning)
    {
        error = null;
        warning = null;
        var docker = Pick(dockerHost, "--docker-host", environment("DOCKER_HOST"), "DOCKER_HOST", DefaultDockerHost, ref error, ref warning);
        var podman = Pick(podmanHost, "--podman-host", environment("CONTAINER_HOST"), "CONTAINER_HOST", DefaultPodmanHost, ref error, ref warning);
        var containerd = PickSocket(containerdAddress, "--containerd-address", environment("CONTAINERD_ADDRESS"), "CONTAINERD_ADDRESS",
            ContainerdClient.DefaultAddress, "containerd", ref error, ref warning);
        var cri = PickSocket(criAddress, "--cri-address", environment("CONTAINER_RUNTIME_ENDPOINT"), "CONTAINER_RUNTIME_ENDPOINT",
            CriClient.DefaultAddress, "the CRI runtime", ref error, ref warning);
        if (error is not null) return null;
        return new RuntimeOptions { DockerHost = docker, PodmanHost = podman, ContainerdSocket = containerd, CriSocket = cri };
    }

    /// <summary>
    /// containerd's address as ctr takes it: a socket path (/run/containerd/containerd.sock) or unix:///PATH. Returns the
    /// path; on failure <paramref name="error"/> says what is accepted.
    /// </summary>
    public static bool TryParseContainerdAddress(string text, out string? path, out string? error) =>
        TryParseSocket(text, ContainerdClient.DefaultAddress, out path, out error);

    /// <summary>A CRI runtime's endpoint as crictl takes it: a socket path (/var/run/crio/crio.sock) or unix:///PATH.</summary>
    public static bool TryParseCriAddress(string text, out string? path, out string? error) =>
        TryParseSocket(text, CriClient.DefaultAddress, out path, out error);

    private static bool TryParseSocket(string text, string example, out string? path, out string? error)
    {
        path = null;
        var t = text.Trim();
        var p = t.StartsWith("unix://", StringComparison.Ordinal) ? t["unix://".Length..] : t;
        if (p.StartsWith('/') && EngineHost.TryParse("unix://" + p, out var host, out _))
        {
            path = host!.SocketPath;
            error = null;
            return true;
        }
        var shown = string.Concat(t.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        error = Encoding.UTF8.GetByteCount(p) > 107 && p.StartsWith('/')
            ? $"'{shown}': a unix socket path is at most 107 bytes"
            : $"'{shown}': expected a socket path such as {example} (or unix:///PATH)";
        return false;
    }

    /// <summary>A gRPC runtime's socket: the option (unusable: a usage error), else the variable (unusable: a warning, and that runtime is not asked), else the default.</summary>
    private static string? PickSocket(string? option, string optionName, string? env, string envName, string fallback, string runtime,
        ref string? error, ref string? warning)
    {
        if (option is not null)
        {
            if (TryParseSocket(option, fallback, out var path, out var why)) return path;
            error ??= $"Invalid {optionName} {why}.";
            return null;
        }
        if (string.IsNullOrWhiteSpace(env)) return fallback;
        if (TryParseSocket(env, fallback, out var fromEnv, out var bad)) return fromEnv;
        warning ??= $"{envName} {bad}; not asking {runtime}.";
        return null;
    }

    private static EngineHost? Pick(string? option, string optionName, string? env, string envName, string fallback,
        ref string? error, ref string? warning)
    {
        if (option is not null)
        {
            if (EngineHost.TryParse(option, out var host, out var why)) return host;
            error ??= $"Invalid {optionName} {why}.";
            return null;
        }
        // An empty DOCKER_HOST means the default to docker's own client too.
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (EngineHost.TryParse(env, out var host, out var why)) return host;
            warning ??= $"{envName} {why}; not asking that runtime's API.";
            return null;
        }
        return EngineHost.TryParse(fallback, out var d, out _) ? d : null;
    }
}
