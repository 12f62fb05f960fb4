using ProcFs.Native;

namespace ProcFs.Proc;

/// <summary>
/// sysconf values the /proc units depend on, queried once: USER_HZ and the page size cannot change while
/// we run; the online CPU count can (hotplug), but a value from startup is what the callers scale by.
/// </summary>
public static class SystemConf
{
    /// <summary>USER_HZ: the tick unit of /proc/stat and /proc/PID/stat (100 practically everywhere).</summary>
    public static long UserHz { get; } = Query(Libc._SC_CLK_TCK, 100);

    /// <summary>Bytes per page, the unit of rss in /proc/PID/stat (4 K, but 16 K/64 K on some arm64 kernels).</summary>
    public static long PageSize { get; } = Query(Libc._SC_PAGESIZE, Environment.SystemPageSize);

    /// <summary>CPUs online when first asked.</summary>
    public static int OnlineCpus { get; } = (int)Query(Libc._SC_NPROCESSORS_ONLN, Environment.ProcessorCount);

    // sysconf answers -1 only for names the libc does not know; a sane default beats a crash then.
    private static long Query(int name, long fallback)
    {
        long v = Libc.Sysconf(name);
        return v > 0 ? v : fallback;
    }
}
