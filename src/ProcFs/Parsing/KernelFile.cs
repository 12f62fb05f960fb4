using System.Runtime.InteropServices;
using System.Text;
using ProcFs.Native;

namespace ProcFs.Parsing;

public enum ReadStatus
{
    Ok,
    /// <summary>ENOENT/ESRCH/ENOTDIR/ENODEV: the process or cgroup is gone (or never was). A normal outcome.</summary>
    Missing,
    /// <summary>EACCES/EPERM: not readable by this user.</summary>
    Denied,
}

/// <summary>
/// Reads whole kernel files into a reused buffer. One instance per reading thread: the returned span is
/// valid until the next read. Paths are encoded on the stack, so a read allocates nothing once the
/// buffer has grown to the largest file seen.
/// </summary>
public sealed class KernelFile
{
    private byte[] _buffer;
    private int _length;

    public KernelFile(int initialSize = 4096) => _buffer = new byte[initialSize];

    public ReadOnlySpan<byte> Data => _buffer.AsSpan(0, _length);

    /// <summary>Reads <paramref name="path"/>; Missing/Denied leave Data empty. Other errors throw an IOException naming the file.</summary>
    public unsafe ReadStatus TryRead(ReadOnlySpan<char> path)
    {
        _length = 0;
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> p = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, p);
        p[n] = 0;
        int fd;
        fixed (byte* pp = p)
        {
            do fd = Libc.Open(pp, Libc.O_RDONLY | Libc.O_CLOEXEC);
            while (fd < 0 && Marshal.GetLastSystemError() == Libc.EINTR);
        }
        if (fd < 0) return Classify(Marshal.GetLastSystemError(), path);
        try
        {
            while (true)
            {
                if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                nint r;
                fixed (byte* b = &_buffer[_length]) r = Libc.Read(fd, b, _buffer.Length - _length);
                if (r == 0) return ReadStatus.Ok;
                if (r < 0)
                {
                    int errno = Marshal.GetLastSystemError();
                    if (errno == Libc.EINTR) continue;
                    _length = 0;
                    return Classify(errno, path);
                }
                _length += (int)r;
            }
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>Reads a file that must exist; returns its text (for cold paths and tools).</summary>
    public static string ReadAllText(string path) => File.ReadAllText(path);

    private static ReadStatus Classify(int errno, ReadOnlySpan<char> path) => errno switch
    {
        // ENODEV: kernfs answers it when a cgroup is removed between open and read.
        Libc.ENOENT or Libc.ESRCH or Libc.ENOTDIR or Libc.ENODEV => ReadStatus.Missing,
        Libc.EACCES or Libc.EPERM => ReadStatus.Denied,
        _ => throw new IOException($"{path}: {Libc.StrError(errno)}", errno),
    };
}
