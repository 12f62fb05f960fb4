using ProcFs.Cgroups;
using Ctop.Posix;
using System.Globalization;
using System.Text;
using Mono.Unix.Native;
using ProcFs.Proc;

namespace Ctop.Launcher;

/// <summary>
/// Who owns a <c>ctop run</c> cgroup, so the next run can remove what a killed one left behind. Each run writes a
/// file DIR/PID-STARTTIME naming its cgroup directories (with their inode numbers once made) and holds an exclusive
/// flock on it for its whole life; the kernel drops that lock when the process dies, however it dies. A record whose
/// lock can be taken therefore belongs to a dead run: <see cref="Sweep"/> removes its directories that are empty
/// (rmdir refuses the others) and still the same cgroups (same inode), then the record. A live run's cgroup, even an
/// empty one still being set up, is never touched; cgroups ctop run did not make (attach, other tools) have no record.
/// Records are a best effort: when DIR cannot be written the run goes on without one.
/// </summary>
public sealed unsafe class ContainerRecord
{
    /// <summary>Where ctop run keeps its records: tmpfs, so they vanish at boot together with the cgroups they name.</summary>
    public const string DefaultDir = "/run/ctop/containers";

    private readonly string _file;
    private readonly string _header;
    private int _fd;
    private List<(string Dir, ulong? Inode)> _dirs;

    private ContainerRecord(string file, int fd, string header, List<(string, ulong?)> dirs)
    {
        _file = file;
        _fd = fd;
        _header = header;
        _dirs = dirs;
    }

    public string FilePath => _file;

    /// <summary>
    /// Writes and locks the record for <paramref name="planned"/> before any of its directories exists. Null when the
    /// record could not be written (no root, read-only /run): the run is then not protected against being killed.
    /// </summary>
    public static ContainerRecord? Claim(string dir, ContainerCgroup planned)
    {
        int pid = Environment.ProcessId;
        ulong start = new ProcReader().TryReadStat(pid, out var stat) ? stat.StartTime : 0;
        string name = string.Create(CultureInfo.InvariantCulture, $"{pid}-{start}");
        string tmp = Path.Combine(dir, "." + name + ".tmp"), file = Path.Combine(dir, name);
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        Syscall.chmod(dir, FilePermissions.S_IRWXU); // root's business only
        // Written and locked under a name Sweep ignores, then renamed: a sweeper never sees a record it could lock
        // while its owner is still alive.
        int fd = Syscall.open(tmp, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR);
        if (fd < 0) return null;
        string header = string.Create(CultureInfo.InvariantCulture, $"ctop run {pid} {start} {planned.Path}");
        var record = new ContainerRecord(file, fd, header, planned.DistinctDirs.Select(d => (d, (ulong?)null)).ToList());
        if (Native.Flock(fd, Native.LOCK_EX | Native.LOCK_NB) < 0 || !record.Write() || Native.Rename(tmp, file) < 0)
        {
            Native.Unlink(tmp);
            Syscall.close(fd);
            return null;
        }
        return record;
    }

    /// <summary>Adds the inode of each directory now made, so a later sweep removes these cgroups and no namesake.</summary>
    public void Created(ContainerCgroup cg)
    {
        var made = cg.Created.ToHashSet();
        _dirs = _dirs.Select(d => (d.Dir, made.Contains(d.Dir) ? Inode(d.Dir) : d.Inode)).ToList();
        Write();
    }

    /// <summary>
    /// Ends the claim. The record is deleted when <paramref name="forget"/> (the cgroup is the user's now, --keep) or
    /// when none of the directories this run made is left; otherwise it stays, unlocked, for the next run's sweep.
    /// </summary>
    public void Release(bool forget = false)
    {
        if (_fd < 0) return;
        // A directory without an inode was never made by this run (creation failed): not ours to leave a record for.
        if (forget || !_dirs.Any(d => d.Inode is not null && IsSame(d.Dir, d.Inode))) Native.Unlink(_file);
        Syscall.close(_fd);
        _fd = -1;
    }

    /// <summary>
    /// Removes the empty cgroups of runs that died without cleaning up (killed). Returns what was removed and by
    /// whom, e.g. "/ctop/web (ctop run 1234)". Never throws: a sweep must not stop a run.
    /// </summary>
    public static IReadOnlyList<string> Sweep(string dir)
    {
        var removed = new List<string>();
        string[] files;
        try { files = Directory.GetFiles(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            int fd = Syscall.open(file, OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
            if (fd < 0) continue;
            try
            {
                // Held: the owner is alive (or another sweep has it).
                if (Native.Flock(fd, Native.LOCK_EX | Native.LOCK_NB) < 0) continue;
                // Already swept and unlinked by another run between our open and our lock.
                if (Syscall.fstat(fd, out var mine) < 0 || Syscall.stat(file, out var now) < 0 || mine.st_ino != now.st_ino) continue;
                if (name.StartsWith('.'))
                {
                    // A record whose owner died before publishing it: it made no directory yet.
                    Native.Unlink(file);
                    continue;
                }
                var (header, dirs) = Parse(ReadAll(fd));
                int left = 0;
                bool any = false;
                foreach (var (d, inode) in dirs)
                {
                    if (!IsSame(d, inode)) continue; // gone, or a namesake made by someone else
                    int e = CgroupDirectory.TryRemove(d);
                    if (e == 0) any = true;
                    else if (e != ProcFs.Native.LinuxErrno.ENOENT) left++; // still has processes or children
                }
                if (left == 0) Native.Unlink(file);
                if (any) removed.Add(Describe(header));
            }
            finally { Syscall.close(fd); }
        }
        return removed;
    }

    private static string Describe(string header)
    {
        // "ctop run PID START PATH"
        var parts = header.Split(' ', 5);
        return parts.Length == 5 ? $"{parts[4]} (ctop run {parts[2]})" : header;
    }

    private bool Write()
    {
        var text = new StringBuilder(_header).Append('\n');
        foreach (var (dir, inode) in _dirs)
            text.Append(inode is { } i ? i.ToString(CultureInfo.InvariantCulture) : "-").Append(' ').Append(dir).Append('\n');
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        // Only ever grows ("-" becomes a number), so writing over the old text leaves no stale tail.
        fixed (byte* p = bytes) return Syscall.pwrite(_fd, p, (ulong)bytes.Length, 0) == bytes.Length;
    }

    internal static (string Header, List<(string Dir, ulong? Inode)> Dirs) Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var dirs = new List<(string, ulong?)>();
        foreach (var line in lines.Skip(1))
        {
            int sp = line.IndexOf(' ');
            if (sp <= 0) continue;
            string dir = line[(sp + 1)..];
            // Only absolute, normalised directories below the root ("/a/b", no "..", ".", "//", trailing "/" or control
            // character), as Claim writes them: a damaged record must not send rmdir anywhere else.
            if (!IsNormalAbsolute(dir)) continue;
            ulong? inode = ulong.TryParse(line.AsSpan(0, sp), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;
            dirs.Add((dir, inode));
        }
        return (lines.FirstOrDefault() ?? "", dirs);
    }

    private static bool IsNormalAbsolute(string dir) =>
        dir.Length > 1 && dir[0] == '/' && !dir.Any(char.IsControl) && dir[1..].Split('/').All(p => p is not ("" or "." or ".."));

    private static string ReadAll(int fd)
    {
        var buf = new byte[64 * 1024];
        long n;
        fixed (byte* p = buf) n = Syscall.pread(fd, p, (ulong)buf.Length, 0);
        return n <= 0 ? "" : Encoding.UTF8.GetString(buf, 0, (int)n);
    }

    private static ulong? Inode(string dir) => CgroupDirectory.Inode(dir);

    /// <summary>The directory exists and, when its inode was recorded, is still that cgroup.</summary>
    private static bool IsSame(string dir, ulong? inode) =>
        CgroupDirectory.Inode(dir) is { } now && (inode is null || now == inode);
}
