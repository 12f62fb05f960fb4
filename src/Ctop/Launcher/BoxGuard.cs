using ProcFs.Cgroups;
using Ctop.Posix;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mono.Unix.Native;

namespace Ctop.Launcher;

/// <summary>
/// The launcher's side of the guard (<c>--ctop-internal-init guard</c>, see <see cref="InitProcess"/>): a small process
/// in its own session, outside the container, that removes the container's cgroups when no one else will. For
/// <c>ctop run</c> it is started before the cgroup is made and holds the read end of a pipe; the launcher sends it the
/// inode of each directory it made and, once it has cleaned up itself, <c>D</c>. A SIGKILLed launcher closes the pipe
/// without <c>D</c>, and the guard kills and removes what is left. For <c>ctop attach</c> it watches a pidfd of the
/// attached process instead.
/// </summary>
internal sealed unsafe class BoxGuard
{
    private int _write;

    private BoxGuard(int write) => _write = write;

    /// <summary>Starts the guard of a run whose cgroup directories are about to be made; null if it cannot start.</summary>
    public static BoxGuard? ForRun(IEnumerable<string> dirs, string? recordFile)
    {
        int* p = stackalloc int[2];
        if (Native.Pipe2(p, Native.O_CLOEXEC) < 0) return null;
        var args = new List<string>(ContainerRun.InitCommand()) { "guard" };
        if (recordFile is not null) args.Add("record=" + recordFile);
        args.Add("--");
        args.AddRange(dirs.Select(d => "-:" + d));
        bool started = Spawn(args, p[0]);
        Syscall.close(p[0]);
        if (!started)
        {
            Syscall.close(p[1]);
            return null;
        }
        return new BoxGuard(p[1]);
    }

    /// <summary>
    /// Starts a guard that removes <paramref name="dirs"/> (killing what is left in them) once the process behind
    /// <paramref name="pidfd"/> has exited. False if it could not be started.
    /// </summary>
    public static bool ForProcess(int pidfd, IEnumerable<string> dirs)
    {
        var args = new List<string>(ContainerRun.InitCommand()) { "guard", "watch", "--" };
        foreach (var d in dirs)
            if (CgroupDirectory.Inode(d) is { } ino) args.Add(ino.ToString(CultureInfo.InvariantCulture) + ":" + d);
        return Spawn(args, pidfd);
    }

    /// <summary>These directories exist now and are this run's: the guard removes them if the launcher dies.</summary>
    public void Created(IEnumerable<string> dirs)
    {
        var text = new StringBuilder();
        foreach (var d in dirs)
            if (CgroupDirectory.Inode(d) is { } ino) text.Append("C ").Append(ino.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(d).Append('\n');
        Send(text.ToString());
    }

    /// <summary>The launcher has cleaned up (or kept the cgroup on purpose): the guard leaves without touching anything.</summary>
    public void Done()
    {
        if (_write < 0) return;
        Send("D\n");
        Syscall.close(_write);
        _write = -1;
    }

    private void Send(string text)
    {
        if (_write < 0 || text.Length == 0) return;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* b = bytes) Syscall.write(_write, b, (ulong)bytes.Length);
    }

    /// <summary>
    /// posix_spawn with <paramref name="fd3"/> as the child's fd 3, stdio on /dev/null (a guard must not hold a caller's
    /// pipe open), a session of its own (a signal to the terminal's process group must not take it along with ctop) and
    /// default signal handling. Not waited for: it outlives ctop by design.
    /// </summary>
    private static bool Spawn(List<string> argv, int fd3)
    {
        byte* path = InitChild.Utf8Z(argv[0]);
        byte* devNull = InitChild.Utf8Z("/dev/null");
        byte** args = InitChild.NativeStrings(argv);
        byte** env = InitChild.NativeStrings(Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").ToList());
        void* fa = NativeMemory.AllocZeroed(Native.FileActionsSize);
        void* attr = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
        byte* all = stackalloc byte[Native.SigSetSize];
        byte* none = stackalloc byte[Native.SigSetSize];
        try
        {
            Native.Sigfillset(all);
            Native.Sigemptyset(none);
            Native.FileActionsInit(fa);
            Native.FileActionsAddDup2(fa, fd3, 100);
            for (int fd = 0; fd < 3; fd++) Native.FileActionsAddOpen(fa, fd, devNull, Native.O_RDWR, 0);
            Native.FileActionsAddDup2(fa, 100, InitChild.ReleaseFd);
            Native.FileActionsAddClose(fa, 100);
            Native.SpawnAttrInit(attr);
            Native.SpawnAttrSetFlags(attr, (short)(Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSID));
            Native.SpawnAttrSetSigDefault(attr, all);
            Native.SpawnAttrSetSigMask(attr, none);
            return Native.PosixSpawn(out _, path, fa, attr, args, env) == 0;
        }
        finally
        {
            Native.FileActionsDestroy(fa);
            Native.SpawnAttrDestroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
            InitChild.FreeStrings(args);
            InitChild.FreeStrings(env);
            NativeMemory.Free(path);
            NativeMemory.Free(devNull);
        }
    }
}
