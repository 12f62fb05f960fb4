using Ctop.Containers;
using Ctop.Model;
using ProcFs.Cgroups;

namespace Ctop.Tuning;

/// <summary>Why a target could not be resolved. <see cref="IsUsageError"/>: the input itself is unacceptable (exit 2).</summary>
public sealed class TargetException(string message, bool isUsageError, IReadOnlyList<string>? candidates = null) : Exception(message)
{
    public bool IsUsageError { get; } = isUsageError;

    /// <summary>For an ambiguous name or id prefix: the matching cgroup paths.</summary>
    public IReadOnlyList<string> Candidates { get; } = candidates ?? [];
}

/// <summary>
/// Turns what a user names (a cgroup path, a container name as <see cref="ContainerNames"/> or its runtime names it, or a
/// docker-style id prefix) into a cgroup path as /proc/PID/cgroup prints it. Paths are confined to the cgroup mounts: "..",
/// filesystem paths and symbolic links below a mount point are refused, so a target can never name a file elsewhere.
/// </summary>
public sealed class CgroupTargets
{
    /// <summary>The hierarchies whose cgroups can be tuned (cpuset too, as v1 cgroups may exist only there).</summary>
    private static readonly string[] TunableControllers = [Controllers.Cpu, Controllers.Memory, Controllers.Pids, Controllers.Cpuset];

    /// <summary>docker accepts id prefixes of any length; four hex digits keeps a typo from matching half the host.</summary>
    public const int MinIdPrefix = 4;

    private readonly CgroupLayout _layout;
    private readonly Func<CatalogSnapshot>? _runtimes;

    /// <param name="runtimes">Asked only for a bare word (not a path): what the container runtimes call their containers.</param>
    public CgroupTargets(CgroupLayout layout, Func<CatalogSnapshot>? runtimes = null)
    {
        _layout = layout;
        _runtimes = runtimes;
    }

    public string Resolve(string input)
    {
        string text = input.Trim();
        if (text.Length == 0) throw new TargetException("no cgroup given", true);
        if (text.Any(char.IsControl)) throw new TargetException($"'{Escape(text)}': a cgroup name has no control characters", true);

        var hierarchies = Hierarchies();
        if (hierarchies.Count == 0)
            throw new TargetException("no cgroup hierarchy with the cpu, memory or pids controller was found (is cgroupfs mounted? see --cgroup-root)", false);
        RefuseFilesystemPath(text, hierarchies);

        var parts = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
            throw new TargetException($"'{text}': '.' and '..' are not allowed in a cgroup path (it must stay inside the cgroup tree)", true);
        string path = "/" + string.Join('/', parts);

        // A slash means a path; a bare word may be a container name, an id (prefix) or a top-level cgroup.
        if (text.Contains('/'))
        {
            if (ExistsAsPath(path, hierarchies)) return path;
            throw new TargetException($"no cgroup {path} (looked under {string.Join(", ", hierarchies.Select(h => h.MountPoint).Distinct())})", false);
        }

        var exact = new List<(string Path, string Label)>();
        if (ExistsAsPath(path, hierarchies)) exact.Add((path, "cgroup"));
        var prefix = new List<(string Path, string Label)>();
        bool hexPrefix = text.Length >= MinIdPrefix && text.All(Uri.IsHexDigit);
        var runtimes = _runtimes?.Invoke() ?? CatalogSnapshot.Empty;
        foreach (var (pathId, p) in Named())
        {
            var id = runtimes.Enrich(pathId);
            string label = ReferenceEquals(id, pathId) ? $"{id.Runtime} {id.Name}" : $"{id.Runtime} {id.Title}, {ContainerId.Short(id.Id)}";
            // The runtime's name and the name the path alone gives (the short id) both count.
            if (id.Name == text || pathId.Name == text || id.Id == text) exact.Add((p, label));
            else if (hexPrefix && id.Id.StartsWith(text, StringComparison.OrdinalIgnoreCase)) prefix.Add((p, label));
        }

        var found = Distinct(exact.Count > 0 ? exact : prefix);
        if (found.Count == 1) return found[0].Path;
        if (found.Count > 1)
            throw new TargetException(
                $"'{text}' is ambiguous; it matches {found.Count} cgroups:\n" + string.Join('\n', found.Select(f => $"  {f.Path}  ({f.Label})")) +
                "\ngive the full path or a longer id prefix", false, found.Select(f => f.Path).ToList());
        string hint = text.All(Uri.IsHexDigit) && text.Length < MinIdPrefix ? $" (an id prefix needs at least {MinIdPrefix} hex digits)" : "";
        // Say what the runtimes answered: "web" may be unknown only because the socket was not readable.
        string asked = runtimes.Status.Count == 0 ? "" : "\n" + string.Join('\n', runtimes.Status.Select(l => "  " + l));
        throw new TargetException($"no cgroup or container named '{text}'{hint}; give a cgroup path like /ctop/NAME, a container name or an id prefix{asked}", false);
    }

    private List<CgroupHierarchy> Hierarchies() =>
        TunableControllers.Select(_layout.HierarchyOf).OfType<CgroupHierarchy>().Where(h => !h.IsOutsideNamespace).Distinct().ToList();

    /// <summary>
    /// Every container-like cgroup once per container: the shallowest path wins (a container's own cgroup, not its
    /// sub-cgroups), and of two at one depth the container's over its conmon's (podman's libpod-conmon-ID.scope).
    /// </summary>
    private IEnumerable<(ContainerId Id, string Path)> Named()
    {
        var best = new Dictionary<(string, string), (ContainerId Id, string Path)>();
        foreach (var p in _layout.EnumeratePaths(TunableControllers))
        {
            if (ContainerNames.FromPath(p) is not { } id) continue;
            var key = (id.Runtime, id.Id);
            if (!best.TryGetValue(key, out var have) || (Depth(p), IsConmon(p)).CompareTo((Depth(have.Path), IsConmon(have.Path))) < 0)
                best[key] = (id, p);
        }
        return best.Values;
    }

    private static bool IsConmon(string path) => path.Contains("-conmon-", StringComparison.Ordinal);

    private static int Depth(string p) => p.Count(c => c == '/');

    private static List<(string Path, string Label)> Distinct(List<(string Path, string Label)> list) =>
        list.GroupBy(x => x.Path).Select(g => g.First()).OrderBy(x => x.Path, StringComparer.Ordinal).ToList();

    /// <summary>True when the path is a directory in some tunable hierarchy, reached without following a symbolic link.</summary>
    private static bool ExistsAsPath(string path, List<CgroupHierarchy> hierarchies)
    {
        bool any = false;
        foreach (var h in hierarchies)
        {
            if (h.DirectoryOf(path) is not { } dir || !CgroupDirectory.Exists(dir)) continue;
            RefuseLinks(h.MountPoint, dir, path);
            any = true;
        }
        return any;
    }

    private static void RefuseLinks(string mountPoint, string dir, string path)
    {
        if (CgroupDirectory.FirstLink(mountPoint, dir) is { } link)
            throw new TargetException($"'{path}': {link} is a symbolic link, not a cgroup; refusing to follow it out of the cgroup tree", true);
    }

    /// <summary>"/sys/fs/cgroup/cpu/x" is a filesystem path: the writer would then be steered by the user, not the layout.</summary>
    private static void RefuseFilesystemPath(string text, List<CgroupHierarchy> hierarchies)
    {
        var roots = hierarchies.Select(h => h.MountPoint).Append("/sys/fs/cgroup").Distinct();
        foreach (var root in roots)
        {
            string r = root.TrimEnd('/');
            if (text == r || text.StartsWith(r + "/", StringComparison.Ordinal))
                throw new TargetException(
                    $"'{text}' is a filesystem path; give the cgroup path as /proc/PID/cgroup prints it (e.g. /ctop/NAME or /docker/ID), which ctop maps into each controller's hierarchy", true);
        }
    }

    private static string Escape(string s) => ProcFs.Parsing.Printable.Escape(s);
}
