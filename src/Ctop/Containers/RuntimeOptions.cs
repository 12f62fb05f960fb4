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
        out string? error, out string? warning)
    {
        error = null;
        warning = null;
        var docker = Pick(dockerHost, "--docker-host", environment("DOCKER_HOST"), "DOCKER_HOST", DefaultDockerHost, ref error, ref warning);
        var podman = Pick(podmanHost, "--podman-host", environment("CONTAINER_HOST"), "CONTAINER_HOST", DefaultPodmanHost, ref error, ref warning);
        if (error is not null) return null;
        return new RuntimeOptions { DockerHost = docker, PodmanHost = podman };
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
