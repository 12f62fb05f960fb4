using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Model;

/// <summary>
/// Turns two samples into a frame of rates. Counters that went backwards (a cgroup re-created, a PID reused — told apart
/// by the start time) start fresh instead of producing negative usage.
/// </summary>
public static class FrameBuilder
{
    public static Frame Build(Sample prev, Sample cur)
    {
        double seconds = Math.Max(Sample.Seconds(prev, cur), 1e-6);
        var cgroups = BuildCgroups(prev, cur, seconds);
        var processes = BuildProcesses(prev, cur, Math.Max(Sample.ProcessSeconds(prev, cur), 1e-6));
        if (processes.Any(p => p.CpuWaitPerSecond is not null)) cgroups = AddWait(cgroups, processes);
        return new Frame(cur.Time, seconds, cur.Scope, cgroups, processes, Host(prev.Host, cur.Host));
    }

    private static HostView Host(HostSample prev, HostSample cur)
    {
        ulong total = cur.Cpu.Total >= prev.Cpu.Total ? cur.Cpu.Total - prev.Cpu.Total : 0;
        ulong busy = cur.Cpu.Busy >= prev.Cpu.Busy ? cur.Cpu.Busy - prev.Cpu.Busy : 0;
        double? cores = total > 0 ? Math.Min(busy, total) / (double)total * cur.OnlineCpus : null;
        return new HostView(cur.Load.Load1, cur.Load.Load5, cur.Load.Load15, cur.Uptime.UptimeSeconds, cur.OnlineCpus, cores,
            (long)cur.MemTotalBytes, (long?)cur.MemAvailableBytes);
    }

    private static List<ProcessView> BuildProcesses(Sample prev, Sample cur, double seconds)
    {
        double hz = SystemConf.UserHz;
        var list = new List<ProcessView>(cur.Processes.Count);
        foreach (var (pid, p) in cur.Processes)
        {
            double ticks;
            if (prev.Processes.TryGetValue(pid, out var q) && q.StartTime == p.StartTime)
                ticks = p.CpuTicks >= q.CpuTicks ? p.CpuTicks - q.CpuTicks : 0;
            else
                // New in this interval (or a reused PID): all its ticks fall in the interval. A process that was only
                // missed by the previous listing has no baseline and shows 0 for one frame.
                ticks = IsNew(p, prev) ? p.CpuTicks : 0;
            double? wait = p.WaitNs is ulong w && q.WaitNs is ulong qw && q.StartTime == p.StartTime && w >= qw ? (w - qw) / 1e9 / seconds : null;
            list.Add(new ProcessView(pid, p.Ppid, p.Info.User, p.State, ticks / hz / seconds * 100.0, p.RssBytes, p.Threads,
                p.Info.CgroupPath, p.Info.Container, p.Info.Command, p.CpuTicks / hz)
            {
                CpuWaitPerSecond = wait,
                MemoryPercent = Units.PercentOf(p.RssBytes, cur.Scope.MemoryBytes),
            });
        }
        return list;
    }

    /// <summary>Each cgroup's wait is the sum over the processes in it and in its descendants.</summary>
    private static List<CgroupView> AddWait(List<CgroupView> cgroups, List<ProcessView> processes)
    {
        var byPath = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in processes)
        {
            if (p.Cgroup is null || p.CpuWaitPerSecond is not double w) continue;
            foreach (var a in CgroupPath.SelfAndAncestors(p.Cgroup))
                byPath[a] = byPath.GetValueOrDefault(a) + w;
        }
        return cgroups.Select(c => c with { CpuWaitPerSecond = byPath.GetValueOrDefault(c.Path) }).ToList();
    }

    /// <summary>Started after the previous sample was taken (start time is in ticks since boot).</summary>
    private static bool IsNew(ProcessSample p, Sample prev) =>
        p.StartTime / (double)SystemConf.UserHz >= prev.Host.Uptime.UptimeSeconds - 0.02;

    private static List<CgroupView> BuildCgroups(Sample prev, Sample cur, double seconds)
    {
        var list = new List<CgroupView>(cur.Cgroups.Count);
        foreach (var (path, c) in cur.Cgroups)
        {
            prev.Cgroups.TryGetValue(path, out var p);
            var cpu = Cpu(c, p, seconds);
            var memory = Memory(c, p, seconds);
            var effective = Effective(path, cur);
            effective = effective with
            {
                CpuUsageRatio = cpu.UsedCores is double u && effective.CpuLimitCores is double l && l > 0 ? u / l : null,
                MemoryWorkingSetRatio = memory.WorkingSetBytes is long ws && effective.MemoryLimitBytes is long m && m > 0 ? (double)ws / m : null,
            };
            list.Add(new CgroupView(path, Name(path), ContainerNames.FromPath(path),
                cpu, memory, Pids(c), effective, Io(c, p, seconds), Pressure(c)) { Counters = Counters(c) });
        }
        return list;
    }

    private static string Name(string path) => ContainerNames.FromPath(path)?.Name ?? path;

    private static CpuView Cpu(CgroupStats c, CgroupStats? p, double seconds)
    {
        var cpu = c.Cpu;
        var before = p?.Cpu;
        double? used = Delta(cpu?.UsageNs, before?.UsageNs) is ulong d ? d / 1e9 / seconds : null;
        double? limit = cpu?.LimitCores;
        double? ratio = null;
        if (cpu?.NrPeriods is ulong np && before?.NrPeriods is ulong bp && cpu.NrThrottled is ulong nt && before.NrThrottled is ulong bt && np >= bp && nt >= bt)
            ratio = np == bp ? 0 : (double)(nt - bt) / (np - bp);
        double? throttled = Delta(cpu?.ThrottledNs, before?.ThrottledNs) is ulong tn ? tn / 1e9 / seconds : null;
        return new CpuView(used, limit, Units.PercentOf(used, limit), ratio, throttled,
            c.EffectiveCpus?.Count, cpu?.QuotaUsec, cpu?.PeriodUsec, cpu?.Weight);
    }

    /// <summary>Δ of a monotonic counter; null when either side is missing or it went backwards (re-created: start fresh).</summary>
    private static ulong? Delta(ulong? now, ulong? before) => now is ulong n && before is ulong b && n >= b ? n - b : null;

    private static MemoryView Memory(CgroupStats c, CgroupStats? p, double seconds)
    {
        var m = c.Memory;
        if (m is null) return new MemoryView(null, null, null, null, null, null);
        long? usage = (long?)m.UsageBytes, limit = (long?)m.LimitBytes;
        return new MemoryView(usage, (long?)m.WorkingSetBytes, limit,
            Units.PercentOf(usage, limit), (long?)m.HighBytes, (long?)m.OomKills)
        {
            NewOomKills = (long?)Delta(m.OomKills, p?.Memory?.OomKills),
            LimitHitsPerSecond = Delta(m.Failcnt, p?.Memory?.Failcnt) is ulong hits && seconds > 0 ? hits / seconds : null,
        };
    }

    private static CgroupCounters Counters(CgroupStats c)
    {
        var cpu = c.Cpu;
        var psi = c.Pressure;
        return new CgroupCounters
        {
            CpuUsageSeconds = cpu?.UsageNs / 1e9,
            CfsPeriods = cpu?.NrPeriods,
            CfsThrottledPeriods = cpu?.NrThrottled,
            CfsThrottledSeconds = cpu?.ThrottledNs / 1e9,
            CpuShares = cpu?.Shares,
            MemoryLimitHits = c.Memory?.Failcnt,
            CpuSomeStalledSeconds = psi?.Cpu?.Some?.TotalUsec / 1e6,
            CpuFullStalledSeconds = psi?.Cpu?.Full?.TotalUsec / 1e6,
            MemorySomeStalledSeconds = psi?.Memory?.Some?.TotalUsec / 1e6,
            MemoryFullStalledSeconds = psi?.Memory?.Full?.TotalUsec / 1e6,
            IoSomeStalledSeconds = psi?.Io?.Some?.TotalUsec / 1e6,
            IoFullStalledSeconds = psi?.Io?.Full?.TotalUsec / 1e6,
        };
    }

    private static PidsView Pids(CgroupStats c) => new((long?)c.Pids?.Current, (long?)c.Pids?.Max);

    private static IoView? Io(CgroupStats c, CgroupStats? p, double seconds)
    {
        if (c.Io is not { } now) return null;
        var before = p?.Io;
        return new IoView(
            Delta(now.ReadBytes, before?.ReadBytes) is ulong r ? r / seconds : null,
            Delta(now.WriteBytes, before?.WriteBytes) is ulong w ? w / seconds : null);
    }

    private static PressureView? Pressure(CgroupStats c) => c.Pressure is { } p
        ? new PressureView(p.Cpu?.Some?.Avg10, p.Memory?.Some?.Avg10, p.Io?.Some?.Avg10)
        : null;

    /// <summary>The smallest limit along the path and its ancestors, and which cgroup sets it.</summary>
    private static EffectiveLimits Effective(string path, Sample cur)
    {
        var (cpu, cpuBy) = CgroupPath.Smallest(path, a => cur.Cgroups.TryGetValue(a, out var s) ? s.Cpu?.LimitCores : null);
        var (mem, memBy) = CgroupPath.Smallest(path, a => cur.Cgroups.TryGetValue(a, out var s) ? s.Memory?.LimitBytes : null);
        return new EffectiveLimits(cpu, cpuBy, (long?)mem, memBy);
    }
}
