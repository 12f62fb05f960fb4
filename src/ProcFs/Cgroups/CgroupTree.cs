using System.Text;
using ProcFs.Native;

namespace ProcFs.Cgroups;

/// <summary>
/// Lists the cgroups of the hierarchies holding some controllers: every directory under each mount point, symlinks
/// excluded (v1's cpu -> cpu,cpuacct), as cgroup paths (the union over the hierarchies, sorted, "/" first). Walked with
/// getdents64 on descriptors opened relative to their parent, names assembled in a reused buffer and paths kept from
/// one listing to the next, so listing an unchanged tree allocates nothing. Directories that vanish mid-walk are
/// skipped. On cgroupfs a directory's link count is 2 + its subdirectories, so a leaf (most cgroups) is known from one
/// statx and not opened and listed. One instance per reading thread.
/// </summary>
public sealed class CgroupTree
{
    private readonly List<CgroupHierarchy> _hierarchies = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _knownBySpan;
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);
    private readonly List<string> _paths = new();
    private readonly List<byte[]> _dents = new(); // one getdents buffer per depth: the walk recurses mid-buffer
    private char[] _path = new char[1024];

    public CgroupTree(CgroupLayout layout, params string[] controllers)
    {
        foreach (var c in controllers)
            if (layout.HierarchyOf(c) is { IsOutsideNamespace: false } h && !_hierarchies.Contains(h)) _hierarchies.Add(h);
        _knownBySpan = _known.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The cgroup paths now. The list is reused by the next call.</summary>
    public IReadOnlyList<string> List()
    {
        _paths.Clear();
        _listed.Clear();
        foreach (var h in _hierarchies)
        {
            int fd = DirEntries.OpenDirectory(h.MountPoint);
            if (fd < 0) continue;
            // The path buffer holds the cgroup path being walked: the mount's root ("" for "/"), then "/name" per level.
            int len = h.Root == "/" ? 0 : Append(0, h.Root.AsSpan().TrimEnd('/'));
            // Only cgroupfs is known to count subdirectories in the link count (btrfs, for one, says 1): elsewhere (a
            // fixture tree) every directory is listed.
            Walk(fd, len, 0, DirEntries.IsCgroupFs(fd));
        }
        _paths.Sort(StringComparer.Ordinal);
        // Forget the paths of cgroups long gone, so churn cannot grow the set.
        if (_known.Count > 2 * _listed.Count + 256) _known.IntersectWith(_listed);
        return _paths;
    }

    private void Walk(int fd, int len, int depth, bool cgroupFs)
    {
        try
        {
            Add(len == 0 ? "/" : _path.AsSpan(0, len));
            if (depth == _dents.Count) _dents.Add(new byte[16384]);
            var entries = new DirEntries(fd, _dents[depth]);
            while (entries.MoveNext())
            {
                if (!entries.MaybeDirectory) continue;
                int childLen = Append(len, "/");
                childLen = AppendUtf8(childLen, entries.Name);
                if (cgroupFs)
                {
                    // statx without following: a symlink is no cgroup, a vanished one is skipped.
                    uint links = DirEntries.SubdirectoryLinks(fd, entries.Name);
                    if (links == 0) continue;
                    if (links == 2)
                    {
                        Add(_path.AsSpan(0, childLen));
                        continue;
                    }
                }
                // O_NOFOLLOW | O_DIRECTORY also settles DT_UNKNOWN: a symlink or a file is refused.
                int child = DirEntries.OpenSubdirectory(fd, entries.Name);
                if (child < 0) continue;
                Walk(child, childLen, depth + 1, cgroupFs);
            }
        }
        finally { Libc.Close(fd); }
    }

    private void Add(ReadOnlySpan<char> path)
    {
        if (!_knownBySpan.TryGetValue(path, out var s))
        {
            s = new string(path);
            _known.Add(s);
        }
        if (_listed.Add(s)) _paths.Add(s);
    }

    private int Append(int at, ReadOnlySpan<char> text)
    {
        Grow(at + text.Length);
        text.CopyTo(_path.AsSpan(at));
        return at + text.Length;
    }

    private int AppendUtf8(int at, ReadOnlySpan<byte> name)
    {
        Grow(at + Encoding.UTF8.GetMaxCharCount(name.Length));
        return at + Encoding.UTF8.GetChars(name, _path.AsSpan(at));
    }

    private void Grow(int length)
    {
        if (length > _path.Length) Array.Resize(ref _path, Math.Max(length, _path.Length * 2));
    }
}
