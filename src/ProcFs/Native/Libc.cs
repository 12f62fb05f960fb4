using System.Runtime.InteropServices;

namespace ProcFs.Native;

/// <summary>
/// The few libc calls the readers need to read kernel files without allocating: open/read/close on a
/// stack-built UTF-8 path. Everything else POSIX goes through Mono.Unix in the Ctop assembly.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000;
    public const int ENOENT = 2, ESRCH = 3, EINTR = 4, EACCES = 13, ENODEV = 19, ENOTDIR = 20, EPERM = 1;
    public const int _SC_CLK_TCK = 2, _SC_PAGESIZE = 30, _SC_NPROCESSORS_ONLN = 84;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    public static partial long Sysconf(int name);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrErrorPtr(int errnum);

    public static string StrError(int errno) => Marshal.PtrToStringUTF8(StrErrorPtr(errno)) ?? $"errno {errno}";
}
