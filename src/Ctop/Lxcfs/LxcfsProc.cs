namespace Ctop.Lxcfs;

/// <summary>The files lxcfs virtualizes that <c>ctop proc</c> renders.</summary>
public enum LxcfsFile { Meminfo, Cpuinfo, Stat, Uptime, Loadavg, Swaps, CpuOnline }

/// <summary>Reads the inputs for one file and renders it: the glue between <see cref="ContainerReader"/> and the pure views.</summary>
public static class LxcfsProc
{
    public static readonly IReadOnlyDictionary<string, LxcfsFile> Names = new Dictionary<string, LxcfsFile>(StringComparer.Ordinal)
    {
        ["meminfo"] = LxcfsFile.Meminfo,
        ["cpuinfo"] = LxcfsFile.Cpuinfo,
        ["stat"] = LxcfsFile.Stat,
        ["uptime"] = LxcfsFile.Uptime,
        ["loadavg"] = LxcfsFile.Loadavg,
        ["swaps"] = LxcfsFile.Swaps,
        ["cpu-online"] = LxcfsFile.CpuOnline,
    };

    /// <summary>
    /// Renders <paramref name="file"/> for <paramref name="target"/>. Like lxcfs, a file whose cgroup values cannot be read
    /// (controller missing) is the host's file unchanged.
    /// </summary>
    public static string Render(LxcfsFile file, ContainerReader reader, LxcfsTarget target, bool cfs, LxcfsQuirks quirks, double? bootTimeSeconds = null)
    {
        switch (file)
        {
            case LxcfsFile.Meminfo:
            case LxcfsFile.Swaps:
            {
                var meminfo = reader.HostFile("meminfo");
                if (reader.ReadMemory(target.MemoryPath, quirks) is not { } mem)
                    return file == LxcfsFile.Meminfo ? meminfo : reader.HostFile("swaps");
                return file == LxcfsFile.Meminfo ? MeminfoView.Render(meminfo, mem, quirks) : SwapsView.Render(meminfo, mem, quirks);
            }
            case LxcfsFile.Cpuinfo:
            {
                var stat = reader.HostFile("stat");
                return CpuinfoView.Render(reader.HostFile("cpuinfo"), reader.ReadCpu(target, stat, quirks), cfs);
            }
            case LxcfsFile.Stat:
            {
                var stat = reader.HostFile("stat");
                return StatView.Render(stat, reader.ReadCpu(target, stat, quirks), cfs);
            }
            case LxcfsFile.CpuOnline:
                return CpuOnlineView.Render(reader.ReadCpu(target, reader.HostFile("stat"), quirks), cfs);
            case LxcfsFile.Uptime:
                return reader.ReadUptime(target, bootTimeSeconds ?? BootClock.Seconds()) is { } u ? UptimeView.Render(u) : reader.HostFile("uptime");
            case LxcfsFile.Loadavg:
                // A one-shot has no 5 s history: the averages are 0.00 as on lxcfs -l's first read, but running/total/last
                // are counted from the cgroup's threads right away instead of lxcfs's placeholder "0/1 INITPID".
                return target.CpuPath is { } cpu ? LoadavgView.Render(new LoadAverage(), reader.CountTasks(cpu)) : reader.HostFile("loadavg");
            default:
                throw new ArgumentOutOfRangeException(nameof(file), file, null);
        }
    }
}
