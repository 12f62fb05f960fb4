using System.Runtime.InteropServices;

namespace ProcFs.Native;

/// <summary>
/// The few libc calls the readers need to read kernel files without allocating: open/read/close on a
/// stack-built UTF-8 path, pread to re-read a file kept open, fstatfs to tell kernel files from others, and the
/// open-file limit that bounds how many are kept. Everything else POSIX goes through Mono.Unix in the Ctop assembly.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000;
    public const int _SC_CLK_TCK = 2, _SC_PAGESIZE = 30, _SC_NPROCESSORS_ONLN = 84;
    public const int RLIMIT_NOFILE = 7;
    /// <summary>f_type of proc, cgroup v1 and cgroup2 (linux/magic.h).</summary>
    public const long PROC_SUPER_MAGIC = 0x9fa0, CGROUP_SUPER_MAGIC = 0x27e0eb, CGROUP2_SUPER_MAGIC = 0x63677270;

    /// <summary>struct rlimit: soft and hard limit (rlim_t is 64-bit on the 64-bit ABIs ctop is built for).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    public const int AT_FDCWD = -100;
    public const byte DT_UNKNOWN = 0, DT_DIR = 4;

    private static readonly bool ArmFlags = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    /// <summary>O_DIRECTORY and O_NOFOLLOW: arm and arm64 number them differently from every other Linux ABI.</summary>
    public static readonly int O_DIRECTORY = ArmFlags ? 0x4000 : 0x10000, O_NOFOLLOW = ArmFlags ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirFd, byte* path, int flags);

    /// <summary>struct linux_dirent64 records: u64 ino, s64 off, u16 reclen, u8 type, NUL-terminated name.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buf, nint count, long offset);

    /// <summary>fstatfs into a buffer of at least 128 bytes; struct statfs starts with f_type, a long.</summary>
    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int FStatFs(int fd, byte* buf);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    public static partial long Sysconf(int name);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    public static partial int Mkdir(byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    public static partial int Rmdir(byte* path);

    /// <summary>statx(2) (glibc 2.28): the one stat call ProcFs makes, for a cgroup directory's inode and link count.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirFd, byte* path, int flags, uint mask, byte* statxBuf);

    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const uint STATX_TYPE = 0x1, STATX_NLINK = 0x4, STATX_INO = 0x100;
    public const int S_IFMT = 0xF000, S_IFDIR = 0x4000;
    /// <summary>Offsets in struct statx: stx_nlink (u32), stx_mode (u16), stx_ino (u64).</summary>
    public const int StatxNlink = 16, StatxMode = 28, StatxIno = 32;

    /// <summary>The filesystem's f_type (fstatfs), or -1 when it cannot be told.</summary>
    public static long FsType(int fd)
    {
        byte* buf = stackalloc byte[256]; // struct statfs starts with f_type, a long
        return FStatFs(fd, buf) == 0 ? *(nint*)buf : -1;
    }

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true)]
    public static partial int Access(byte* path, int mode);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrErrorPtr(int errnum);

    public static string StrError(int errno) => Marshal.PtrToStringUTF8(StrErrorPtr(errno)) ?? $"errno {errno}";
}

/// <summary>
/// The errno values ctop meets, and their names for messages: one table for both assemblies (the generic Linux
/// numbering, which every architecture .NET runs Linux on shares for these).
/// </summary>
public static class LinuxErrno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, ENOEXEC = 8, EAGAIN = 11, EACCES = 13, EBUSY = 16,
        EEXIST = 17, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSPC = 28,
        EROFS = 30, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EOPNOTSUPP = 95;

    /// <summary>"EBUSY" for 16; "errno N" for a number not in the table.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", ENOEXEC => "ENOEXEC", EAGAIN => "EAGAIN",
        EACCES => "EACCES", EBUSY => "EBUSY", EEXIST => "EEXIST", ENODEV => "ENODEV", ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR", EINVAL => "EINVAL", ENFILE => "ENFILE", EMFILE => "EMFILE", ENOSPC => "ENOSPC",
        EROFS => "EROFS", ERANGE => "ERANGE", ENAMETOOLONG => "ENAMETOOLONG", ENOSYS => "ENOSYS",
        ENOTEMPTY => "ENOTEMPTY", ELOOP => "ELOOP", EOPNOTSUPP => "EOPNOTSUPP",
        _ => $"errno {errno}",
    };

    /// <summary>strerror(3): the C library's text for an errno.</summary>
    public static string Describe(int errno) => Libc.StrError(errno);
}
