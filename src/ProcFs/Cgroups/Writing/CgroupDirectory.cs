using ProcFs.Native;

namespace ProcFs.Cgroups;

/// <summary>
/// Questions about a cgroup directory itself — is it there, does it have a control file, which of its levels is a
/// symbolic link — and the two whole-cgroup operations a launcher needs on its way out: kill everything inside
/// (cgroup.kill) and remove the empty directory. Callers get plain answers or errnos and word the error themselves.
/// </summary>
public static class CgroupDirectory
{
    /// <summary>Whether the cgroup directory exists (one never made, or removed meanwhile, does not).</summary>
    public static bool Exists(string dir) => Directory.Exists(dir);

    /// <summary>
    /// Whether the cgroup has the control file <paramref name="name"/>: which files exist says which controller is
    /// enabled and what the kernel supports (memory.memsw.* needs swap accounting, cgroup.kill Linux 5.14 on v2).
    /// </summary>
    public static bool HasFile(string dir, string name) => File.Exists(Path.Combine(dir, name));

    /// <summary>
    /// The first level of <paramref name="dir"/> below <paramref name="mountPoint"/> that is a symbolic link, or null.
    /// cgroupfs has none, but a tree bind-mounted or faked on another filesystem may, and mkdir or a write would follow
    /// it out of the cgroup tree.
    /// </summary>
    public static string? FirstLink(string mountPoint, string dir)
    {
        string rel = Path.GetRelativePath(mountPoint, dir);
        if (rel == ".") return null;
        string cur = mountPoint;
        foreach (var part in rel.Split('/'))
        {
            cur = Path.Combine(cur, part);
            if (new DirectoryInfo(cur).LinkTarget is not null) return cur;
        }
        return null;
    }

    /// <summary>
    /// v2's cgroup.kill: one write SIGKILLs every process in the cgroup and below, forks racing it included. False where
    /// there is no such file (cgroup v1, kernels before 5.14) or the write was refused; then kill PID by PID.
    /// </summary>
    public static bool Kill(string dir)
    {
        string file = Path.Combine(dir, "cgroup.kill");
        return File.Exists(file) && ControlFile.TryWrite(file, "1", out _) == 0;
    }

    /// <summary>
    /// The cgroup directory's inode, null when it is gone or not a directory: recorded when a cgroup is made, it tells
    /// that cgroup from a namesake made after it was removed.
    /// </summary>
    public static ulong? Inode(string dir) => ControlFile.DirectoryInode(dir);

    /// <summary>One rmdir(2) of an empty cgroup: 0, or the errno (EBUSY while killed tasks finish exiting, ENOENT when gone).</summary>
    public static int TryRemove(string dir) => ControlFile.RemoveDirectory(dir);

    /// <summary>The PIDs in cgroup.procs, empty when the cgroup is gone or unreadable.</summary>
    public static List<int> Pids(string dir)
    {
        var list = new List<int>();
        new CgroupFileReader().TryReadProcs(dir, list);
        return list;
    }
}
