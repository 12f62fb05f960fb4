using System.Runtime.InteropServices;
using System.Text;
using ProcFs.Native;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// The raw system calls behind the writers, returning errnos instead of throwing so each caller can
/// explain the refusal in terms of the file it was writing.
/// </summary>
internal static unsafe partial class ControlFile
{
    // Not in Libc.cs (shared); the value is the same on every Linux architecture .NET supports.
    private const int O_TRUNC = 0x200;
    private static long s_writes;

    /// <summary>Control files written by this process so far: a reader that keeps limits between reads re-reads them when it changed.</summary>
    public static long Writes => Interlocked.Read(ref s_writes);

    /// <summary>
    /// One write(2) of the whole text, like KernelFile.TryWrite, but also says whether open(2) or write(2)
    /// failed: EACCES from open means "no permission", from write (cpuset) it means "not a subset of the
    /// parent". O_TRUNC is a no-op on cgroupfs and keeps fixture files (regular files) exact.
    /// </summary>
    public static int TryWrite(string path, string text, out bool openFailed)
    {
        openFailed = false;
        byte[] data = Encoding.UTF8.GetBytes(text);
        int fd = OpenPath(path, Libc.O_WRONLY | Libc.O_CLOEXEC | O_TRUNC);
        if (fd < 0) { openFailed = true; return Marshal.GetLastSystemError(); }
        try
        {
            fixed (byte* d = data)
            {
                while (true)
                {
                    nint r = Libc.Write(fd, d, data.Length);
                    if (r >= 0)
                    {
                        Interlocked.Increment(ref s_writes);
                        return 0;
                    }
                    int errno = Marshal.GetLastSystemError();
                    if (errno != LinuxErrno.EINTR) return errno;
                }
            }
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>Reads a small control file; null when it is missing or unreadable.</summary>
    public static string? TryReadText(string path)
    {
        try
        {
            var f = new KernelFile(256);
            return f.TryRead(path) == ReadStatus.Ok ? Utf8.Decode(Utf8.Trim(f.Data)) : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>access(2) W_OK: 0, or the errno (EACCES for a user who may not write, EROFS on a read-only mount).</summary>
    public static int WriteAccess(string path)
    {
        const int W_OK = 2;
        fixed (byte* p = Z(path)) return Libc.Access(p, W_OK) == 0 ? 0 : Marshal.GetLastSystemError();
    }

    /// <summary>The inode of a directory (statx, not following a final symbolic link); null when missing or not a directory.</summary>
    public static ulong? DirectoryInode(string path)
    {
        byte* buf = stackalloc byte[256]; // struct statx
        fixed (byte* p = Z(path))
            if (Libc.Statx(Libc.AT_FDCWD, p, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_TYPE | Libc.STATX_INO, buf) != 0) return null;
        ushort mode = *(ushort*)(buf + Libc.StatxMode);
        return (mode & Libc.S_IFMT) == Libc.S_IFDIR ? *(ulong*)(buf + Libc.StatxIno) : null;
    }

    public static int MakeDirectory(string path)
    {
        fixed (byte* p = Z(path)) return Libc.Mkdir(p, 0x1ed /* 0755 */) == 0 ? 0 : Marshal.GetLastSystemError();
    }

    public static int RemoveDirectory(string path)
    {
        fixed (byte* p = Z(path)) return Libc.Rmdir(p) == 0 ? 0 : Marshal.GetLastSystemError();
    }

    private static int OpenPath(string path, int flags)
    {
        fixed (byte* p = Z(path))
        {
            int fd;
            do fd = Libc.Open(p, flags);
            while (fd < 0 && Marshal.GetLastSystemError() == LinuxErrno.EINTR);
            return fd;
        }
    }

    private static byte[] Z(string path)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, b);
        return b;
    }
}
