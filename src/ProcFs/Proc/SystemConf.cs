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

    /// <summary>
    /// The soft limit on open files (RLIMIT_NOFILE), first raised to the hard limit when <paramref name="raise"/> (the
    /// .NET runtime does that at start-up; a NativeAOT build does not). 1024 when it cannot be read.
    /// </summary>
    public static unsafe ulong OpenFileLimit(bool raise)
    {
        Libc.RLimit l;
        if (Libc.GetRLimit(Libc.RLIMIT_NOFILE, &l) != 0) return 1024;
        if (raise && l.Current < l.Max)
        {
            var raised = new Libc.RLimit { Current = l.Max, Max = l.Max };
            if (Libc.SetRLimit(Libc.RLIMIT_NOFILE, &raised) == 0) l = raised;
        }
        return l.Current;
    }

    // sysconf answers -1 only for names the libc does not know; a sane default beats a crash then.
    private static long Query(int name, long fallback)
    {
        long v = Libc.Sysconf(name);
        return v > 0 ? v : fallback;
    }
}
