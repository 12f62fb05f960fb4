using System.Runtime.InteropServices;
using System.Text;

namespace ProcFs.Native;

/// <summary>
/// The one getdents64 decoder: the entries of an open directory descriptor, read into the caller's reused buffer, so
/// listing allocates nothing per entry. <c>struct linux_dirent64</c>: u64 ino, s64 off, u16 reclen, u8 type, then the
/// NUL-terminated name. "." and ".." are skipped. Enumeration ends at the end of the directory or on an error (a
/// directory removed under the reader reads as empty). The descriptor stays the caller's to close.
/// </summary>
internal unsafe ref struct DirEntries
{
    private readonly int _fd;
    private readonly Span<byte> _buffer;
    private int _offset, _length;

    public DirEntries(int fd, Span<byte> buffer)
    {
        _fd = fd;
        _buffer = buffer;
    }

    /// <summary>The current entry's name (bytes, no NUL); valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>d_ino of the current entry. On proc, a /proc/PID directory gets a new inode number when a new process
    /// takes the PID (the old one's dentries are dropped at its exit).</summary>
    public ulong Inode { get; private set; }

    /// <summary>d_type: <see cref="Libc.DT_DIR"/>, or <see cref="Libc.DT_UNKNOWN"/> on filesystems that do not say.</summary>
    public byte Type { get; private set; }

    /// <summary>A directory, or possibly one (the filesystem did not say): open it to know.</summary>
    public readonly bool MaybeDirectory => Type is Libc.DT_DIR or Libc.DT_UNKNOWN;

    public bool MoveNext()
    {
        while (true)
        {
            if (_offset >= _length)
            {
                nint n;
                fixed (byte* b = _buffer) n = Libc.GetDents64(_fd, b, _buffer.Length);
                if (n <= 0) return false;
                _offset = 0;
                _length = (int)n;
            }
            int reclen = MemoryMarshal.Read<ushort>(_buffer[(_offset + 16)..]);
            Inode = MemoryMarshal.Read<ulong>(_buffer[_offset..]);
            Type = _buffer[_offset + 18];
            var name = _buffer.Slice(_offset + 19, reclen - 19);
            Name = name[..name.IndexOf((byte)0)];
            _offset += reclen;
            if (!Name.SequenceEqual("."u8) && !Name.SequenceEqual(".."u8)) return true;
        }
    }

    /// <summary>open(2) a directory by path (O_DIRECTORY, close-on-exec); negative with errno set when it cannot.</summary>
    public static int OpenDirectory(string path)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> p = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, p);
        p[n] = 0;
        fixed (byte* pp = p) return Libc.OpenAt(Libc.AT_FDCWD, pp, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECTORY);
    }

    /// <summary>A directory path built in a span (no string), as <see cref="OpenDirectory(string)"/>.</summary>
    public static int OpenDirectory(ReadOnlySpan<char> path)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> p = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, p);
        p[n] = 0;
        fixed (byte* pp = p) return Libc.OpenAt(Libc.AT_FDCWD, pp, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECTORY);
    }

    /// <summary>
    /// The link count of a subdirectory by name (statx, not following a symlink); 0 when it is gone or is not a
    /// directory. On cgroupfs (kernfs) it is 2 + the number of its subdirectories.
    /// </summary>
    public static uint SubdirectoryLinks(int dirFd, ReadOnlySpan<byte> name)
    {
        Span<byte> p = stackalloc byte[name.Length + 1];
        name.CopyTo(p);
        p[name.Length] = 0;
        byte* buf = stackalloc byte[256]; // struct statx
        fixed (byte* pp = p)
            if (Libc.Statx(dirFd, pp, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_TYPE | Libc.STATX_NLINK, buf) != 0) return 0;
        ushort mode = *(ushort*)(buf + Libc.StatxMode);
        return (mode & Libc.S_IFMT) == Libc.S_IFDIR ? *(uint*)(buf + Libc.StatxNlink) : 0;
    }

    /// <summary>Whether the open descriptor is on a cgroup filesystem (v1 or v2).</summary>
    public static bool IsCgroupFs(int fd) => Libc.FsType(fd) is Libc.CGROUP_SUPER_MAGIC or Libc.CGROUP2_SUPER_MAGIC;

    /// <summary>openat(2) a subdirectory by name, refusing symlinks and files (O_NOFOLLOW | O_DIRECTORY).</summary>
    public static int OpenSubdirectory(int dirFd, ReadOnlySpan<byte> name)
    {
        Span<byte> p = stackalloc byte[name.Length + 1];
        name.CopyTo(p);
        p[name.Length] = 0;
        fixed (byte* pp = p) return Libc.OpenAt(dirFd, pp, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_DIRECTORY | Libc.O_NOFOLLOW);
    }
}
