using System.Runtime.InteropServices;

namespace Ctop.Lxcfs;

/// <summary>
/// CLOCK_BOOTTIME, the clock /proc/PID/stat start times count on. Read directly rather than from /proc/uptime, which
/// inside a container may itself be lxcfs's virtualized file. (Neither .NET nor Mono.Unix exposes it.)
/// </summary>
public static partial class BootClock
{
    private const int ClockBoottime = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGettime(int clock, out Timespec value);

    /// <summary>Seconds since boot, suspend included.</summary>
    public static double Seconds()
    {
        if (ClockGettime(ClockBoottime, out var ts) != 0) throw new InvalidOperationException($"clock_gettime(CLOCK_BOOTTIME) failed: errno {Marshal.GetLastPInvokeError()}");
        return ts.Seconds + ts.Nanoseconds / 1e9;
    }
}
