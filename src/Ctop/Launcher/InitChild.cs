using Ctop.Posix;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mono.Unix.Native;

namespace Ctop.Launcher;

/// <summary>
/// The launcher's side of a re-exec'd init: a dedicated thread unshares the namespaces (they are per thread) and
/// posix_spawns the init, which inherits them; the same thread then blocks in waitpid for the child's whole life,
/// because PR_SET_PDEATHSIG fires when the spawning *thread* exits. Two pipes connect them: the init reads one
/// release byte on fd 3 (the launcher writes it after placing the init in its cgroups; for exec the launcher keeps
/// its end open as a lifeline) and writes "R" (ready), "P pid" or "E code message" lines on fd 4, which closes on
/// its execve.
/// </summary>
internal sealed unsafe class InitChild
{
    public const int ReleaseFd = 3, ReportFd = 4;

    private readonly Thread _waiter;
    private readonly ManualResetEventSlim _spawned = new();
    private int _releaseWrite = -1, _reportRead = -1;
    private int _status, _spawnErrno, _unshareErrno;
    private volatile bool _exited;
    private readonly List<byte> _pending = new();

    private InitChild(Thread waiter) => _waiter = waiter;

    public int Pid { get; private set; }

    public bool HasExited => _exited;

    /// <summary>Starts <paramref name="argv"/>[0] with the calling process's environment and stdio.</summary>
    /// <exception cref="LaunchException">the namespaces or the spawn were refused.</exception>
    public static InitChild Start(IReadOnlyList<string> argv, int unshareFlags)
    {
        int* release = stackalloc int[2];
        int* report = stackalloc int[2];
        if (Native.Pipe2(release, Native.O_CLOEXEC) < 0) throw new LaunchException("pipe: " + Native.StrError(Native.LastError));
        if (Native.Pipe2(report, Native.O_CLOEXEC) < 0)
        {
            Syscall.close(release[0]); Syscall.close(release[1]);
            throw new LaunchException("pipe: " + Native.StrError(Native.LastError));
        }

        // Everything the namespaced thread needs is prepared here: after unshare(CLONE_NEWPID) it must not allocate
        // its way into anything that starts a runtime thread.
        var path = Utf8Z(argv[0]);
        var args = NativeStrings(argv);
        var env = NativeStrings(Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").ToList());
        void* fa = NativeMemory.AllocZeroed(Native.FileActionsSize);
        void* attr = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
        byte* all = stackalloc byte[Native.SigSetSize];
        byte* none = stackalloc byte[Native.SigSetSize];
        Native.Sigfillset(all);
        Native.Sigemptyset(none);
        Native.FileActionsInit(fa);
        // Through high numbers first, so a pipe end that already is 3 or 4 is not overwritten before it is copied.
        Native.FileActionsAddDup2(fa, release[0], 100);
        Native.FileActionsAddDup2(fa, report[1], 101);
        Native.FileActionsAddDup2(fa, 100, ReleaseFd);
        Native.FileActionsAddDup2(fa, 101, ReportFd);
        FileActionsAddClose(fa, 100);
        FileActionsAddClose(fa, 101);
        Native.SpawnAttrInit(attr);
        // Handlers and ignored signals of the .NET runtime (SIGPIPE is ignored) must not leak into the container.
        Native.SpawnAttrSetFlags(attr, (short)(Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK));
        Native.SpawnAttrSetSigDefault(attr, all);
        Native.SpawnAttrSetSigMask(attr, none);

        InitChild? child = null;
        var thread = new Thread(() => child!.SpawnAndWait(unshareFlags, path, fa, attr, args, env))
        {
            IsBackground = true,
            Name = "ctop init parent",
        };
        child = new InitChild(thread) { _releaseWrite = release[1], _reportRead = report[0] };
        thread.Start();
        child._spawned.Wait();

        Native.FileActionsDestroy(fa);
        Native.SpawnAttrDestroy(attr);
        NativeMemory.Free(fa);
        NativeMemory.Free(attr);
        FreeStrings(args);
        FreeStrings(env);
        NativeMemory.Free(path);
        // The child has its copies; ours must close so EOF means "the child closed (or exec'd)".
        Syscall.close(release[0]);
        Syscall.close(report[1]);

        if (child._unshareErrno != 0 || child._spawnErrno != 0)
        {
            thread.Join();
            child.CloseLauncherEnds();
            throw child._unshareErrno != 0
                ? new LaunchException($"unshare({Namespaces.Format(unshareFlags)}): {Native.StrError(child._unshareErrno)}")
                : new LaunchException($"cannot start {argv[0]}: {Native.StrError(child._spawnErrno)}");
        }
        return child;
    }

    private void SpawnAndWait(int flags, byte* path, void* fa, void* attr, byte** argv, byte** envp)
    {
        if (flags != 0 && Native.Unshare(flags) < 0)
        {
            _unshareErrno = Native.LastError;
            _spawned.Set();
            return;
        }
        int rc = Native.PosixSpawn(out int pid, path, fa, attr, argv, envp);
        if (rc != 0)
        {
            _spawnErrno = rc;
            _spawned.Set();
            return;
        }
        Pid = pid;
        _spawned.Set();
        int status;
        while (Syscall.waitpid(pid, out status, 0) < 0 && Stdlib.GetLastError() == Errno.EINTR) { }
        _status = status;
        _exited = true;
    }

    /// <summary>Blocks until the child said it is ready (true) or went away first (false).</summary>
    public bool WaitReady() => ReadLine() == "R";

    /// <summary>
    /// Lets the init go on: it is placed in its cgroups by now. With <paramref name="lifeline"/> the pipe stays open until
    /// the child exits, so the child sees it close (EOF) when this process dies, however it dies.
    /// </summary>
    public void Release(bool lifeline = false)
    {
        byte b = (byte)'G';
        Syscall.write(_releaseWrite, &b, 1);
        if (lifeline) return;
        Syscall.close(_releaseWrite);
        _releaseWrite = -1;
    }

    /// <summary>Reads lines until the child's execve (or exit) closes the pipe; each line is handed to <paramref name="onLine"/>.</summary>
    public void ReadReports(Action<string> onLine)
    {
        while (ReadLine() is { } line) onLine(line);
        Syscall.close(_reportRead);
        _reportRead = -1;
    }

    /// <summary>Waits for the child and returns its status the way a shell does: the exit code, or 128 + signal.</summary>
    public int WaitExit()
    {
        _waiter.Join();
        CloseLauncherEnds();
        return ExitCodeOf(_status);
    }

    public void Kill()
    {
        if (!_exited && Pid > 0) Syscall.kill(Pid, Signum.SIGKILL);
    }

    public static int ExitCodeOf(int status) =>
        Syscall.WIFEXITED(status) ? Syscall.WEXITSTATUS(status)
        : Syscall.WIFSIGNALED(status) ? 128 + (int)Syscall.WTERMSIG(status)
        : 255;

    private void CloseLauncherEnds()
    {
        if (_releaseWrite >= 0) { Syscall.close(_releaseWrite); _releaseWrite = -1; }
        if (_reportRead >= 0) { Syscall.close(_reportRead); _reportRead = -1; }
    }

    private string? ReadLine()
    {
        byte* buf = stackalloc byte[256];
        while (true)
        {
            int nl = _pending.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                string line = Encoding.UTF8.GetString(_pending.GetRange(0, nl).ToArray());
                _pending.RemoveRange(0, nl + 1);
                return line;
            }
            if (_reportRead < 0) return null;
            long n = Syscall.read(_reportRead, buf, 256);
            if (n < 0 && Stdlib.GetLastError() == Errno.EINTR) continue;
            if (n <= 0)
            {
                if (_pending.Count == 0) return null;
                string rest = Encoding.UTF8.GetString(_pending.ToArray());
                _pending.Clear();
                return rest;
            }
            for (int i = 0; i < n; i++) _pending.Add(buf[i]);
        }
    }

    private static void FileActionsAddClose(void* fa, int fd) => Native.FileActionsAddClose(fa, fd);

    internal static byte* Utf8Z(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    internal static byte** NativeStrings(IReadOnlyList<string> strings)
    {
        byte** arr = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < strings.Count; i++) arr[i] = Utf8Z(strings[i]);
        return arr;
    }

    internal static void FreeStrings(byte** arr)
    {
        for (int i = 0; arr[i] != null; i++) NativeMemory.Free(arr[i]);
        NativeMemory.Free(arr);
    }
}

/// <summary>A launcher failure before or around the command: shown as "ctop run: MESSAGE", exit 125 like docker run.</summary>
public sealed class LaunchException(string message, int exitCode = LaunchException.LauncherFailure) : Exception(message)
{
    public const int LauncherFailure = 125;

    public int ExitCode { get; } = exitCode;
}
