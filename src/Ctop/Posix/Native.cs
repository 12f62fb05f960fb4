using System.Runtime.InteropServices;

namespace Ctop.Posix;

/// <summary>
/// The ctop assembly's one native-interop file: the system calls Mono.Unix does not wrap (namespaces, mounts, prctl,
/// pidfds, posix_spawn, signal sets, flock, poll, the loopback ioctl, CLOCK_BOOTTIME, nice values). ProcFs has its own
/// (src/ProcFs/Native/Libc.cs), for the allocation-free kernel reads. Everything else POSIX goes through Mono.Unix.Native.Syscall. All return -1 with errno
/// readable through <see cref="Marshal.GetLastPInvokeError"/>, except posix_spawn, which returns the errno.
/// </summary>
internal static unsafe partial class Native
{
    public const int CLONE_FS = 0x00000200, CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000,
        CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;

    public const ulong MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18;
    public const int MNT_DETACH = 2;
    public const int PR_SET_PDEATHSIG = 1;
    public const int O_CLOEXEC = 0x80000;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    public const int O_RDWR = 2;
    public const int SIG_SETMASK = 2;

    // glibc's opaque types, over-allocated: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128.
    public const int FileActionsSize = 256, SpawnAttrSize = 512, SigSetSize = 128;

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fstype, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall2(nint number, nint a, nint b);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint SyscallPaths(nint number, string a, string b);

    // pidfd_open is 434 on every architecture; pivot_root differs (x86_64 155, the generic table 41).
    private const nint SYS_pidfd_open = 434;
    private static nint SYS_pivot_root => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 155 : 41;

    public static int PivotRoot(string newRoot, string putOld) => (int)SyscallPaths(SYS_pivot_root, newRoot, putOld);

    public static int PidfdOpen(int pid) => (int)Syscall2(SYS_pidfd_open, pid, 0);

    [LibraryImport("libc", EntryPoint = "pthread_sigmask", SetLastError = true)]
    public static partial int PthreadSigmask(int how, byte* set, byte* oldset);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static partial int Sigemptyset(byte* set);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static partial int Sigfillset(byte* set);

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    public static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnp")]
    public static partial int PosixSpawnp(out int pid, byte* file, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* fa, int fd, int newfd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclose")]
    public static partial int FileActionsAddClose(void* fa, int fd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    public static partial int FileActionsAddOpen(void* fa, int fd, byte* path, int oflag, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int SpawnAttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int SpawnAttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int SpawnAttrSetSigDefault(void* attr, byte* set);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int SpawnAttrSetSigMask(void* attr, byte* set);

    public const int LOCK_EX = 2, LOCK_NB = 4;
    public const short POLLIN = 1, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;

    /// <summary>struct pollfd.</summary>
    public struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    // The path calls of `ctop run`/`exec` and their init: Mono.Unix marshals these paths with a custom marshaler, which
    // NativeAOT cannot compile ahead, so its first such call looks the library up at run time (metadata reflection and
    // ~45 failed probes for "c.so", "libc.so", ...: milliseconds in ctop and in each ctop-init).
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "chdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chdir(string path);

    public const int X_OK = 1;

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "execvp", SetLastError = true)]
    private static partial int Execvp(byte* file, byte** argv);

    /// <summary>
    /// argv for <see cref="Exec"/> in native memory, made while the process's own files are still reachable (the init
    /// execs after pivot_root). Never freed: the exec replaces the process, or its failure ends it.
    /// </summary>
    public static byte** ExecArgv(IReadOnlyList<string> argv)
    {
        var p = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(nint));
        for (int i = 0; i < argv.Count; i++) p[i] = (byte*)Marshal.StringToCoTaskMemUTF8(argv[i]);
        // An empty file name fails with ENOENT before any lookup: binds the call now, not after pivot_root.
        byte empty = 0;
        Execvp(&empty, p);
        return p;
    }

    /// <summary>execvp(3) with argv[0] as the file: returns only on failure (-1, errno in <see cref="LastError"/>).</summary>
    public static int Exec(byte** argv) => Execvp(argv[0], argv);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrErrorPtr(int errnum);

    public static string StrError(int errno) => Marshal.PtrToStringUTF8(StrErrorPtr(errno)) ?? $"errno {errno}";

    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>Brings the loopback interface up, as a new network namespace starts with lo down.</summary>
    public static int LoopbackUp()
    {
        const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
        const nuint SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914;
        int s = Socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) return LastError;
        try
        {
            // struct ifreq: char ifr_name[16]; then a union whose first member is short ifr_flags.
            byte* ifr = stackalloc byte[40];
            new Span<byte>(ifr, 40).Clear();
            ifr[0] = (byte)'l'; ifr[1] = (byte)'o';
            if (Ioctl(s, SIOCGIFFLAGS, ifr) < 0) return LastError;
            *(short*)(ifr + 16) |= 1; // IFF_UP
            return Ioctl(s, SIOCSIFFLAGS, ifr) < 0 ? LastError : 0;
        }
        finally { Mono.Unix.Native.Syscall.close(s); }
    }

    // ---- the boot clock (Ctop.Lxcfs.BootClock) -----------------------------------------------------------------

    public const int CLOCK_BOOTTIME = 7;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGettime(int clock, out Timespec value);

    // ---- nice values (Ctop.Ui.ProcessControl) --------------------------------------------------------------------

    public const int PRIO_PROCESS = 0;

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    public static partial int GetPriority(int which, int who);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, int who, int prio);
}
