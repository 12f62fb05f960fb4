using System.Runtime.InteropServices;
using Ctop.Posix;

namespace Ctop.Lxcfs;

/// <summary>
/// CLOCK_BOOTTIME, the clock /proc/PID/stat start times count on. Read directly rather than from /proc/uptime, which
/// inside a container may itself be lxcfs's virtualized file. (Neither .NET nor Mono.Unix exposes it.)
/// </summary>
public static class BootClock
{
    /// <summary>Seconds since boot, suspend included.</summary>
    public static double Seconds()
    {
        if (Native.ClockGettime(Native.CLOCK_BOOTTIME, out var ts) != 0) throw new InvalidOperationException($"clock_gettime(CLOCK_BOOTTIME) failed: errno {Marshal.GetLastPInvokeError()}");
        return ts.Seconds + ts.Nanoseconds / 1e9;
    }
}
