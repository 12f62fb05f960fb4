using System.Runtime.InteropServices;
using ProcFs.Native;

namespace ProcFs.Parsing;

/// <summary>
/// Kernel files kept open between samples. The files a sampler reads again and again (/proc/PID/stat, cgroup counters)
/// are seq_files, which generate their text afresh when read from offset 0: a re-read is pread(2) instead of open +
/// read + close, and the kernel does not resolve the path again. Only files on proc and cgroup filesystems are held
/// (a fixture tree's plain files would go stale if replaced). A descriptor that stops answering (the process exited:
/// ESRCH; the cgroup was removed: ENODEV) is closed and the path opened afresh, which also finds a new process under a
/// reused PID. Held files must be single-record seq files (see <see cref="KernelFile.TryRead(ReadOnlySpan{char}, HeldFiles?, bool)"/>),
/// which all per-process and cgroup files a sampler reads again are. Files not read between two <see cref="Sweep"/>s are closed, so vanished processes and cgroups hold no
/// descriptors. <see cref="Capacity"/> bounds the descriptors held by all instances of the process together; beyond it
/// files are read the ordinary way, and when the process runs out of descriptors anyway, an instance lets go of its own
/// (they are only a speed-up) and holds at most half as many from then on. One instance per reading thread.
/// </summary>
public sealed class HeldFiles : IDisposable
{
    private static long s_held; // by every instance: the descriptor budget is the process's
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _byPath;
    private readonly List<string> _stale = new();
    private long _generation;
    private int _ceiling;

    private struct Entry
    {
        public int Fd;
        /// <summary>The last sweep generation it stays open through without being read.</summary>
        public long Until;
    }

    public HeldFiles(int capacity)
    {
        Capacity = Math.Max(0, capacity);
        _ceiling = Capacity;
        _byPath = _open.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most descriptors held at once, by all instances together.</summary>
    public int Capacity { get; }

    /// <summary>Descriptors held now by this instance.</summary>
    public int Count => _open.Count;

    /// <summary>
    /// A capacity that leaves room under the soft open-file limit for everything else the process opens (a quarter of it,
    /// at least 256), at most 65,536. Zero when the limit is too low to spare any.
    /// </summary>
    public static int CapacityUnder(ulong softLimit)
    {
        ulong spare = Math.Max(256, softLimit / 4);
        return softLimit <= spare ? 0 : (int)Math.Min(65536, softLimit - spare);
    }

    /// <param name="sweeps">How many <see cref="Sweep"/>s the file stays open unread: 1 for a file read every sample,
    /// N for one read every N samples (a limit), so that its next read is a pread too.</param>
    internal ReadStatus Read(KernelFile file, ReadOnlySpan<char> path, int sweeps = 1)
    {
        long until = _generation + Math.Max(1, sweeps) - 1;
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_byPath, path);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
        {
            if (file.TryReread(entry.Fd))
            {
                entry.Until = until;
                return ReadStatus.Ok;
            }
            // Gone (or replaced): let go, and let the path say what is there now.
            Close(entry.Fd);
            _byPath.Remove(path);
        }
        bool keep = _open.Count < _ceiling && Interlocked.Read(ref s_held) < Capacity;
        ReadStatus status;
        int fd;
        try
        {
            status = file.OpenAndRead(path, keep, out fd, oneRecord: true);
        }
        catch (IOException e) when (e.HResult is LinuxErrno.EMFILE or LinuxErrno.ENFILE && _open.Count > 0)
        {
            _ceiling = _open.Count / 2;
            CloseAll();
            status = file.OpenAndRead(path, false, out fd, oneRecord: true);
        }
        if (fd < 0) return status;
        if (IsKernelFile(fd))
        {
            _open[new string(path)] = new Entry { Fd = fd, Until = until };
            Interlocked.Increment(ref s_held);
        }
        else Libc.Close(fd);
        return status;
    }

    /// <summary>Counts a held file as read for the next <see cref="Sweep"/> without reading it (a caller that knows its
    /// text cannot have changed). Nothing happens when the path is not held.</summary>
    public void Keep(ReadOnlySpan<char> path)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_byPath, path);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry)) entry.Until = Math.Max(entry.Until, _generation);
    }

    /// <summary>Closes every file not read since the previous sweep (or, read for N sweeps, since the Nth). Call once per sample.</summary>
    public void Sweep()
    {
        foreach (var (path, e) in _open)
            if (e.Until < _generation) _stale.Add(path);
        foreach (var path in _stale)
        {
            Close(_open[path].Fd);
            _open.Remove(path);
        }
        _stale.Clear();
        _generation++;
    }

    public void Dispose()
    {
        CloseAll();
        GC.SuppressFinalize(this);
    }

    // A reader dropped without Dispose must not keep its descriptors for the life of the process.
    ~HeldFiles() => CloseAll();

    private void CloseAll()
    {
        foreach (var e in _open.Values) Close(e.Fd);
        _open.Clear();
    }

    private static void Close(int fd)
    {
        Libc.Close(fd);
        Interlocked.Decrement(ref s_held);
    }

    private static bool IsKernelFile(int fd) =>
        Libc.FsType(fd) is Libc.PROC_SUPER_MAGIC or Libc.CGROUP_SUPER_MAGIC or Libc.CGROUP2_SUPER_MAGIC;
}
