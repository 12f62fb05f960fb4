using System.Text.RegularExpressions;

namespace Ctop.Model;

/// <summary>
/// A container (or unit, or ctop box) recognised from a cgroup path. The path gives the runtime and the id; the runtime's
/// own record (src/Ctop/Containers) adds the name it was given, its image, labels and, for Kubernetes, its pod.
/// </summary>
public sealed record ContainerId(string Runtime, string Id, string Name)
{
    /// <summary>The image as the runtime reports it ("nginx:1.25"); null when only the cgroup path is known.</summary>
    public string? Image { get; init; }

    /// <summary>The runtime's labels, sorted by key; null when only the cgroup path is known.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The Kubernetes pod this container belongs to (or, for a pod's own cgroup, is).</summary>
    public PodName? Pod { get; init; }

    /// <summary>Where the name came from: <see cref="FromCgroupPath"/>, or the runtime source that knew it.</summary>
    public string Source { get; init; } = FromCgroupPath;

    public const string FromCgroupPath = "cgroup";

    /// <summary>The name with its pod: NAMESPACE/POD/CONTAINER for a container in a pod, NAMESPACE/POD for the pod itself.</summary>
    public string QualifiedName => Pod is not { } p ? Name
        : Id == p.Uid ? $"{p.Namespace}/{p.Name}"
        : $"{p.Namespace}/{p.Name}/{Name}";

    /// <summary>What a table shows: the qualified name and, when known, the image.</summary>
    public string Title => Image is { Length: > 0 } image ? $"{QualifiedName} ({image})" : QualifiedName;

    /// <summary>docker prints the first 12 hex digits of an id.</summary>
    public static string Short(string id) => id.Length > 12 && IsHex(id) ? id[..12] : id;

    private static bool IsHex(string s) => s.All(Uri.IsHexDigit);
}

/// <summary>A pod as Kubernetes names it, from the io.kubernetes.pod.* labels its runtime put on the containers.</summary>
public sealed record PodName(string Namespace, string Name, string Uid);

/// <summary>
/// Names containers from the cgroup path alone, as the runtimes lay them out: docker (/docker/ID, docker-ID.scope),
/// containerd/CRI-O/Kubernetes (kubepods…pod&lt;uid&gt;…, cri-containerd-ID.scope, crio-ID.scope), podman (libpod-ID.scope, libpod-ID),
/// lxc (/lxc/NAME, lxc.payload.NAME), systemd units (NAME.service / .scope / .slice) and ctop's own boxes (/ctop/NAME).
/// The deepest recognisable component wins, so a container inside a pod is named as the container.
/// </summary>
public static partial class ContainerNames
{
    [GeneratedRegex("^(?:docker-(?<id>[0-9a-f]{12,64})\\.scope|(?<id>[0-9a-f]{64}))$")]
    private static partial Regex DockerComponent();

    [GeneratedRegex("^cri-containerd-(?<id>[0-9a-f]{12,64})\\.scope$")]
    private static partial Regex CriContainerd();

    [GeneratedRegex("^crio-(?:conmon-)?(?<id>[0-9a-f]{12,64})\\.scope$")]
    private static partial Regex Crio();

    // systemd's cgroup manager makes libpod-ID.scope; the cgroupfs manager makes /libpod_parent/libpod-ID.
    [GeneratedRegex("^libpod-(?:conmon-)?(?<id>[0-9a-f]{12,64})(?:\\.scope)?$")]
    private static partial Regex Libpod();

    [GeneratedRegex("pod(?<uid>[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?$")]
    private static partial Regex KubePod();

    [GeneratedRegex("^(?<name>.+)\\.(?<kind>service|scope|slice)$")]
    private static partial Regex SystemdUnit();

    // Every frame names every cgroup; the answer for a path never changes, so the regexes run once per path.
    private const int MaxRemembered = 8192;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ContainerId?> Remembered = new(StringComparer.Ordinal);

    public static ContainerId? FromPath(string cgroupPath)
    {
        if (Remembered.TryGetValue(cgroupPath, out var known)) return known;
        var id = Recognise(cgroupPath);
        if (Remembered.Count >= MaxRemembered) Remembered.Clear(); // churn of names cannot grow it
        Remembered[cgroupPath] = id;
        return id;
    }

    private static ContainerId? Recognise(string cgroupPath)
    {
        var parts = cgroupPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            var p = parts[i];
            var parent = i > 0 ? parts[i - 1] : "";
            if (parent == "ctop" && i == parts.Length - 1) return new ContainerId("ctop", p, p);
            if (parent is "lxc" or "lxc.payload") return new ContainerId("lxc", p, p);
            if (p.StartsWith("lxc.payload.", StringComparison.Ordinal)) { var n = p["lxc.payload.".Length..]; return new ContainerId("lxc", n, n); }
            Match m;
            if ((m = CriContainerd().Match(p)).Success) return Cri("containerd", m, parts, i);
            if ((m = Crio().Match(p)).Success) return Cri("cri-o", m, parts, i);
            if ((m = Libpod().Match(p)).Success) return Id("podman", m.Groups["id"].Value);
            if ((m = DockerComponent().Match(p)).Success)
            {
                // A bare 64-hex directory is docker's under /docker; under kubepods it is a cgroupfs-driver container.
                if (KubePod().IsMatch(parent)) return Cri("kubernetes", m, parts, i);
                return Id("docker", m.Groups["id"].Value);
            }
            if ((m = KubePod().Match(p)).Success)
            {
                var uid = m.Groups["uid"].Value.Replace('_', '-');
                return new ContainerId("kubernetes", uid, "pod " + uid[..8]);
            }
        }
        if (parts.Length > 0 && SystemdUnit().Match(parts[^1]) is { Success: true } unit && unit.Groups["kind"].Value != "slice")
            return new ContainerId("systemd", parts[^1], unit.Groups["name"].Value);
        return null;
    }

    private static ContainerId Id(string runtime, string id) => new(runtime, id, Short(id));

    private static string Short(string id) => ContainerId.Short(id);

    private static ContainerId Cri(string runtime, Match m, string[] parts, int i)
    {
        var id = m.Groups["id"].Value;
        for (int j = i - 1; j >= 0; j--)
            if (KubePod().Match(parts[j]) is { Success: true } pod)
                return new ContainerId(runtime, id, $"{Short(id)} (pod {pod.Groups["uid"].Value.Replace('_', '-')[..8]})");
        return Id(runtime, id);
    }
}
