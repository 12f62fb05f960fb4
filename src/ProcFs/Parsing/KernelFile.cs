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
    public ReadStatus TryRead(ReadOnlySpan<char> path) => OpenAndRead(path, false, out _, oneRecord: false);

    /// <summary>
    /// Reads <paramref name="path"/>, keeping it open in <paramref name="held"/> (when given) so the next read of the same
    /// path is one pread(2). Missing/Denied leave Data empty. Other errors throw an IOException naming the file.
    /// </summary>
    /// <param name="oneRecord">
    /// The file is one seq_file record (per-process files, cgroup files, /proc/stat, meminfo...): the kernel hands it over
    /// whole in one read that fits, so a read that does not fill the buffer is the end and the read(2) that would return
    /// 0 is skipped. Not for multi-record files such as mountinfo, which come a page at a time. Held files are one record.
    /// </param>
    /// <param name="heldSweeps">How many samples (<see cref="HeldFiles.Sweep"/>s) a held file stays open unread.</param>
    public ReadStatus TryRead(ReadOnlySpan<char> path, HeldFiles? held, bool oneRecord = false, int heldSweeps = 1) =>
        held is null ? OpenAndRead(path, false, out _, oneRecord) : held.Read(this, path, heldSweeps);

    /// <summary>
    /// A small control file's text, whitespace trimmed, for the rare reads outside a sampling loop (a limit before it is
    /// written, a value shown once): null when missing or not readable. Allocates; not for hot paths.
    /// </summary>
    public static string? ReadText(string path)
    {
        var file = new KernelFile(256);
        return file.TryRead(path) == ReadStatus.Ok ? Encoding.UTF8.GetString(file.Data).Trim() : null;
    }

    /// <summary>Opens and reads the whole file; with <paramref name="keepOpen"/> the descriptor is returned in
    /// <paramref name="fd"/> instead of closed (-1 when the read failed).</summary>
    internal unsafe ReadStatus OpenAndRead(ReadOnlySpan<char> path, bool keepOpen, out int fd, bool oneRecord)
    {
        _length = 0;
        fd = -1;
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> p = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, p);
        p[n] = 0;
        int f;
        fixed (byte* pp = p)
        {
            do f = Libc.Open(pp, Libc.O_RDONLY | Libc.O_CLOEXEC);
            while (f < 0 && Marshal.GetLastSystemError() == LinuxErrno.EINTR);
        }
        if (f < 0) return Classify(Marshal.GetLastSystemError(), path);
        int errno = ReadAll(f, positional: false, oneRecord);
        if (errno != 0 || !keepOpen) Libc.Close(f);
        else fd = f;
        return errno == 0 ? ReadStatus.Ok : Classify(errno, path);
    }

    /// <summary>Re-reads an open file from offset 0; false (Data empty) when the descriptor no longer works.</summary>
    internal bool TryReread(int fd)
    {
        _length = 0;
        if (ReadAll(fd, positional: true, oneRecord: true) == 0 && _length > 0) return true;
        _length = 0;
        return false;
    }

    /// <summary>Reads to end of file into the buffer, growing it; 0 or the errno that stopped it.</summary>
    private unsafe int ReadAll(int fd, bool positional, bool oneRecord)
    {
        while (true)
        {
            if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            nint r;
            int room = _buffer.Length - _length;
            fixed (byte* b = &_buffer[_length])
                r = positional ? Libc.PRead(fd, b, room, _length) : Libc.Read(fd, b, room);
            if (r == 0) return 0;
            if (oneRecord && r > 0 && r < room)
            {
                _length += (int)r;
                return 0;
            }
            if (r < 0)
            {
                int errno = Marshal.GetLastSystemError();
                if (errno == LinuxErrno.EINTR) continue;
                _length = 0;
                return errno;
            }
            _length += (int)r;
        }
    }

    /// <summary>Reads a file that must exist; returns its text (for cold paths and tools).</summary>
    public static string ReadAllText(string path) => File.ReadAllText(path);

    private static ReadStatus Classify(int errno, ReadOnlySpan<char> path) => errno switch
    {
        // ENODEV: kernfs answers it when a cgroup is removed between open and read.
        LinuxErrno.ENOENT or LinuxErrno.ESRCH or LinuxErrno.ENOTDIR or LinuxErrno.ENODEV => ReadStatus.Missing,
        LinuxErrno.EACCES or LinuxErrno.EPERM => ReadStatus.Denied,
        _ => throw new IOException($"{path}: {Libc.StrError(errno)}", errno),
    };
}
