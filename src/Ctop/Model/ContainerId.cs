using System.Text.RegularExpressions;

namespace Ctop.Model;

/// <summary>A container (or unit, or ctop box) recognised from a cgroup path.</summary>
public sealed record ContainerId(string Runtime, string Id, string Name)
{
    /// <summary>docker prints the first 12 hex digits of an id.</summary>
    public static string Short(string id) => id.Length > 12 && IsHex(id) ? id[..12] : id;

    private static bool IsHex(string s) => s.All(Uri.IsHexDigit);
}

/// <summary>
/// Names containers from the cgroup path alone, as the runtimes lay them out: docker (/docker/ID, docker-ID.scope),
/// containerd/CRI-O/Kubernetes (kubepods…pod&lt;uid&gt;…, cri-containerd-ID.scope, crio-ID.scope), podman (libpod-ID.scope),
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

    [GeneratedRegex("^libpod-(?:conmon-)?(?<id>[0-9a-f]{12,64})\\.scope$")]
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
