using ProcFs.Native;
using System.Globalization;

namespace ProcFs.Cgroups;

/// <summary>
/// Creates, removes and populates cgroups. Creation is all-or-nothing: whatever this call made is removed
/// again when a later step fails, and a directory that already existed is never adopted or removed.
/// </summary>
public sealed class CgroupLifecycle
{
    /// <summary>The v2 controllers a new cgroup should have, when the parent offers them.</summary>
    public static readonly IReadOnlyList<string> WantedV2Controllers =
        new[] { Controllers.Cpu, Controllers.Memory, Controllers.Pids, Controllers.Io, Controllers.Cpuset };

    /// <summary>
    /// v1: makes the cgroup directory in each hierarchy (co-mounted controllers may share one directory)
    /// and initialises a cpuset from its parent, since a new v1 cpuset is empty and refuses tasks (ENOSPC).
    /// Returns the directories created.
    /// </summary>
    public IReadOnlyList<string> Create(IReadOnlyList<(string Controller, string Dir)> cgroups)
    {
        foreach (var (_, dir) in cgroups) ValidateDir(dir);
        var created = new List<string>();
        try
        {
            foreach (var (controller, dir) in cgroups)
            {
                string d = Normalize(dir);
                if (!created.Contains(d))
                {
                    MakeDir(d);
                    created.Add(d);
                }
                if (controller == Controllers.Cpuset) CopyFromParent(d, "cpuset.cpus", "cpuset.mems");
            }
            return created;
        }
        catch
        {
            RemoveCreated(created);
            throw;
        }
    }

    /// <summary>
    /// v2: makes the directory and enables in the parent's cgroup.subtree_control those of cpu, memory,
    /// pids, io and cpuset that the parent's cgroup.controllers offers. Returns the wanted controllers now
    /// enabled for the new cgroup. On failure the directory is removed again.
    /// </summary>
    public IReadOnlyList<string> CreateV2(string dir)
    {
        ValidateDir(dir);
        string d = Normalize(dir);
        string parent = Path.GetDirectoryName(d)!;
        string available = ControlFile.TryReadText(Path.Combine(parent, "cgroup.controllers"))
            ?? throw new CgroupWriteException(parent, "mkdir " + Path.GetFileName(d), null, $"the parent {parent} is not a cgroup v2 directory (no cgroup.controllers)");
        MakeDir(d);
        try
        {
            string control = Path.Combine(parent, "cgroup.subtree_control");
            var enabled = Words(ControlFile.TryReadText(control));
            var offered = Words(available);
            var missing = WantedV2Controllers.Where(c => offered.Contains(c) && !enabled.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                // One write: the kernel applies the whole set or restores the old state.
                string value = string.Join(' ', missing.Select(c => "+" + c));
                CgroupWriter.Write(control, value, string.Join(' ', enabled), "value", e => e switch
                {
                    LinuxErrno.EBUSY => NoInternalProcesses(parent),
                    LinuxErrno.ENOENT => "a controller is not enabled in the grandparent's cgroup.subtree_control",
                    LinuxErrno.EOPNOTSUPP => "a threaded cgroup cannot enable domain controllers (memory, io)",
                    _ => null,
                });
                enabled = Words(ControlFile.TryReadText(control));
            }
            return WantedV2Controllers.Where(enabled.Contains).ToList();
        }
        catch
        {
            ControlFile.RemoveDirectory(d);
            throw;
        }
    }

    /// <summary>
    /// rmdir each directory, deepest first; one already gone counts as removed. Only the listed
    /// directories are removed (child cgroups are not deleted on the caller's behalf). All are attempted;
    /// the first refusal is thrown, naming the cgroup and what keeps it busy.
    /// </summary>
    public void Remove(IReadOnlyList<string> dirs)
    {
        var failures = new List<CgroupWriteException>();
        foreach (var d in dirs.Select(Normalize).Distinct().OrderByDescending(d => d.Count(c => c == '/')))
        {
            if (!Directory.Exists(d)) continue;
            if (!File.Exists(Path.Combine(d, "cgroup.procs")))
            {
                failures.Add(new CgroupWriteException(d, "rmdir", null, $"{d} is not a cgroup directory (no cgroup.procs)"));
                continue;
            }
            int errno = ControlFile.RemoveDirectory(d);
            if (errno is 0 or LinuxErrno.ENOENT) continue;
            string rule = errno switch
            {
                LinuxErrno.EBUSY or LinuxErrno.ENOTEMPTY => Busy(d),
                LinuxErrno.EACCES or LinuxErrno.EPERM => $"needs root (or write access to {Path.GetDirectoryName(d)})",
                _ => Native.Libc.StrError(errno),
            };
            failures.Add(new CgroupWriteException(d, "rmdir", errno, rule));
        }
        if (failures.Count == 1) throw failures[0];
        if (failures.Count > 1)
        {
            var f = failures[0];
            throw new CgroupWriteException(f.FilePath, f.Value, f.Errno,
                f.Rule + $"; also not removed: {string.Join(", ", failures.Skip(1).Select(x => x.FilePath))}");
        }
    }

    /// <summary>
    /// Moves a process (all its threads) into the cgroup by writing cgroup.procs; on v1 call it once per
    /// controller directory. PIDs ≤ 0 are refused (0 would move the caller itself).
    /// </summary>
    public void MovePid(string dir, int pid)
    {
        string file = Path.Combine(dir, "cgroup.procs");
        string value = pid.ToString(CultureInfo.InvariantCulture);
        if (pid <= 0)
            throw new CgroupWriteException(file, value, null, "a PID is a positive number (0 would move ctop itself)");
        int errno = ControlFile.TryWrite(file, value, out bool openFailed);
        if (errno == 0) return;
        string? rule = openFailed ? null : errno switch
        {
            LinuxErrno.ESRCH => $"no such process {pid}",
            LinuxErrno.ENOSPC => "the cgroup cannot hold tasks: a v1 cpuset needs cpuset.cpus and cpuset.mems set first",
            LinuxErrno.EINVAL => "this process cannot be moved here (a kernel thread, or a v1 real-time or cpuset rule)",
            LinuxErrno.EBUSY => "no internal processes: the cgroup has controllers enabled in cgroup.subtree_control, so processes may only live in its leaves",
            LinuxErrno.EOPNOTSUPP => "the cgroup's type (threaded/domain) does not accept whole processes",
            LinuxErrno.EACCES or LinuxErrno.EPERM => "the kernel denied the move (write access to the common ancestor's cgroup.procs is needed)",
            _ => null,
        };
        throw new CgroupWriteException(file, value, errno, rule ?? CgroupWriter.Explain(file, errno, openFailed));
    }

    private static void MakeDir(string d)
    {
        int errno = ControlFile.MakeDirectory(d);
        if (errno == 0) return;
        string parent = Path.GetDirectoryName(d)!;
        string rule = errno switch
        {
            LinuxErrno.EEXIST => $"{d} already exists (refusing to adopt a cgroup this call did not create)",
            LinuxErrno.ENOENT => $"the parent cgroup {parent} does not exist",
            LinuxErrno.EACCES or LinuxErrno.EPERM => $"needs root (or write access to {parent})",
            LinuxErrno.EAGAIN => $"the parent reached cgroup.max.descendants or cgroup.max.depth",
            LinuxErrno.EROFS => "the cgroup filesystem is mounted read-only (inside a container?)",
            _ => Native.Libc.StrError(errno),
        };
        throw new CgroupWriteException(d, "mkdir", errno, rule);
    }

    private static void CopyFromParent(string dir, params string[] files)
    {
        string parent = Path.GetDirectoryName(dir)!;
        foreach (var name in files)
        {
            string from = Path.Combine(parent, name);
            string value = ControlFile.TryReadText(from) ?? "";
            if (value.Length == 0)
                throw new CgroupWriteException(Path.Combine(dir, name), value, null,
                    $"the parent's {name} is empty or unreadable, so the new cpuset could not hold tasks");
            string file = Path.Combine(dir, name);
            CgroupWriter.Write(file, value, CgroupWriter.ReadBefore(file, value), "value", null);
        }
    }

    private static void RemoveCreated(List<string> created)
    {
        for (int i = created.Count - 1; i >= 0; i--) ControlFile.RemoveDirectory(created[i]);
    }

    private static string NoInternalProcesses(string parent)
    {
        int n = CountProcs(parent);
        return $"no internal processes: {parent} has {(n > 0 ? n.ToString(CultureInfo.InvariantCulture) : "some")} processes of its own, and a non-root cgroup with processes cannot enable controllers for children; move them into a leaf cgroup first";
    }

    private static string Busy(string d)
    {
        int n = CountProcs(d);
        if (n > 0) return $"the cgroup {d} still has {n} process{(n == 1 ? "" : "es")} (cgroup.procs); stop or move them first";
        string[] children = Directory.Exists(d) ? Directory.GetDirectories(d) : Array.Empty<string>();
        if (children.Length > 0) return $"the cgroup {d} has child cgroups ({string.Join(", ", children.Select(Path.GetFileName))}); remove them first";
        return $"the cgroup {d} is busy (its last processes may still be exiting)";
    }

    private static int CountProcs(string dir) =>
        (ControlFile.TryReadText(Path.Combine(dir, "cgroup.procs")) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    // '+' tolerated so a fixture file holding what was written reads like the kernel's list.
    private static HashSet<string> Words(string? text) =>
        new((text ?? "").Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimStart('+')));

    private static string Normalize(string dir) => dir.Length > 1 ? dir.TrimEnd('/') : dir;

    /// <summary>Absolute, with a plain last component (no "..", no newline that would corrupt /proc/PID/cgroup).</summary>
    private static void ValidateDir(string dir)
    {
        string d = Normalize(dir);
        string name = Path.GetFileName(d);
        if (!Path.IsPathRooted(d) || name.Length == 0 || name is "." or ".." || d.Split('/').Contains("..") || d.Any(char.IsControl))
            throw new CgroupWriteException(dir, "mkdir", null, "a cgroup directory must be an absolute path with a plain name (no '..', no control characters)");
    }
}
