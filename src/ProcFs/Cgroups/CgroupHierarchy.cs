namespace ProcFs.Cgroups;

/// <summary>
/// One mounted cgroup hierarchy: a v1 hierarchy with its controllers, or the v2 (unified) tree.
/// <see cref="Root"/> is the cgroup that is the root of this mount, as seen from the reader's cgroup
/// namespace: "/" normally, "/docker/ID" for a bind mount of a sub-tree, "/.." when a host mount is
/// viewed from inside a cgroup namespace.
/// </summary>
public sealed record CgroupHierarchy(CgroupVersion Version, string MountPoint, string Root, IReadOnlyList<string> Controllers, string? Name = null)
{
    /// <summary>True when this mount shows a tree whose root lies outside the reader's cgroup namespace.</summary>
    public bool IsOutsideNamespace => Root == "/.." || Root.StartsWith("/../", StringComparison.Ordinal);

    public bool Has(string controller) => Controllers.Contains(controller);

    /// <summary>
    /// The directory of <paramref name="cgroupPath"/> (as /proc/PID/cgroup prints it) under this mount:
    /// the mount point plus the path with the mount root stripped; null when the path is not under the root,
    /// so it cannot be reached through this mount.
    /// </summary>
    public string? DirectoryOf(string cgroupPath)
    {
        if (!CgroupPath.IsValid(cgroupPath)) return null;
        if (Root == "/") return CgroupPath.Join(MountPoint, cgroupPath);
        if (cgroupPath == Root) return MountPoint;
        if (cgroupPath.StartsWith(Root + "/", StringComparison.Ordinal)) return CgroupPath.Join(MountPoint, cgroupPath[Root.Length..]);
        return null;
    }

    /// <summary>The cgroup path (as /proc/PID/cgroup prints it) of a directory under this mount.</summary>
    public string PathOf(string directory)
    {
        var rel = Path.GetRelativePath(MountPoint, directory).Replace('\\', '/');
        if (rel == ".") return Root;
        return Root == "/" ? "/" + rel : Root + "/" + rel;
    }

    public override string ToString() =>
        $"{(Version == CgroupVersion.V2 ? "cgroup2" : "cgroup")} {MountPoint} root={Root} [{string.Join(',', Controllers)}]";
}

/// <summary>cgroup paths as the kernel prints them: absolute, '/'-separated, no "." or ".." components.</summary>
public static class CgroupPath
{
    public static bool IsValid(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains('\0')) return false;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if (part is "." or "..") return false;
        return true;
    }

    /// <summary>Joins a mount point and a cgroup path; the path must already be valid (no "..").</summary>
    public static string Join(string mountPoint, string cgroupPath)
    {
        var rel = cgroupPath.Trim('/');
        return rel.Length == 0 ? mountPoint : mountPoint.TrimEnd('/') + "/" + rel;
    }

    public static string? Parent(string path)
    {
        if (path == "/") return null;
        int i = path.TrimEnd('/').LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }

    /// <summary>The path itself, then each ancestor up to "/".</summary>
    public static IEnumerable<string> SelfAndAncestors(string path)
    {
        for (string? p = path; p != null; p = Parent(p)) yield return p;
    }

    /// <summary>
    /// The one effective-limit walk: the smallest of <paramref name="limitAt"/> over the path and its ancestors (null at a
    /// level is no limit there), and the cgroup that sets it — the nearest one when two levels tie. (null, null) when
    /// nothing along the path limits it. A child can never use more than the tightest ancestor allows.
    /// </summary>
    public static (T? Value, string? SetBy) Smallest<T>(string path, Func<string, T?> limitAt) where T : struct, IComparable<T>
    {
        T? best = null;
        string? by = null;
        for (string? p = path; p != null; p = Parent(p))
            if (limitAt(p) is T v && (best is not T b || v.CompareTo(b) < 0)) (best, by) = (v, p);
        return (best, by);
    }

    public static string Name(string path) => path == "/" ? "/" : path[(path.TrimEnd('/').LastIndexOf('/') + 1)..];
}
