using System.Globalization;
using System.Text;

namespace Ctop.Lxcfs;

/// <summary>
/// /proc/stat as lxcfs serves it (<c>proc_stat_read()</c>, <c>cpuview_proc_stat()</c>). Plain: one line per host CPU in
/// the cpuset, physical numbers kept, user/system from cpuacct and idle = host idle + the host's busy time the cgroup did
/// not use; nice, iowait, irq, … are 0. Without cpuacct (pure v2) the host's lines for those CPUs are copied.
/// With --cfs: max_cpu_count() lines renumbered from 0, usage beyond them folded onto them, and idle cut to the quota.
/// The other lines (intr, ctxt, btime, processes, …) are the host's.
/// </summary>
public static class StatView
{
    private const int Fields = 10;

    public static string Render(string hostStat, CpuInputs cpu, bool cfs)
    {
        var lines = MeminfoView.Lines(hostStat).ToList();
        var cpuLines = new List<(int Cpu, ulong[] F, string Line)>();
        var rest = new List<string>();
        foreach (var line in lines.Skip(1)) // the host's aggregate line is never used
        {
            if (TryCpuLine(line, out int n, out var f)) cpuLines.Add((n, f, line));
            else rest.Add(line);
        }
        var sb = new StringBuilder();
        if (cfs && cpu.Usage is not null) RenderCfs(sb, cpuLines, cpu);
        else RenderPlain(sb, cpuLines, cpu);
        foreach (var l in rest) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    /// <summary>idle = host idle + (host busy − cgroup busy); when the cgroup seems to have used more than the host, host idle.</summary>
    private static ulong Idle(ulong[] f, CpuTicks u)
    {
        ulong hostUsed = f[0] + f[1] + f[2] + f[4] + f[5] + f[6] + f[7] + f[8] + f[9];
        ulong cgUsed = u.User + u.System;
        return hostUsed >= cgUsed ? f[3] + (hostUsed - cgUsed) : f[3];
    }

    private static void RenderPlain(StringBuilder sb, List<(int Cpu, ulong[] F, string Line)> cpuLines, CpuInputs cpu)
    {
        var sum = new ulong[Fields];
        var body = new StringBuilder();
        foreach (var (n, f, line) in cpuLines)
        {
            if (!cpu.Cpuset.Contains(n)) continue;
            if (cpu.Usage is { } usage)
            {
                if (n >= usage.Count) break;
                var u = usage[n];
                ulong idle = Idle(f, u);
                body.Append(CpuLine("cpu" + n.ToString(CultureInfo.InvariantCulture), u.User, u.System, idle));
                sum[0] += u.User; sum[2] += u.System; sum[3] += idle;
            }
            else
            {
                body.Append(line).Append('\n');
                for (int i = 0; i < Fields; i++) sum[i] += f[i];
            }
        }
        sb.Append("cpu ");
        foreach (var v in sum) sb.Append(' ').Append(v.ToString(CultureInfo.InvariantCulture));
        sb.Append('\n').Append(body);
    }

    /// <summary>
    /// lxcfs keeps a history per cgroup and adds each read's deltas to a "view"; its first read shows zeros. A one-shot
    /// ctop has no history, so it takes the deltas since the counters were zero — the view lxcfs would hold had it watched
    /// the cgroup from its creation — and applies lxcfs's folding and quota cut to them.
    /// </summary>
    private static void RenderCfs(StringBuilder sb, List<(int Cpu, ulong[] F, string Line)> cpuLines, CpuInputs cpu)
    {
        var usage = cpu.Usage!;
        int nprocs = usage.Count;
        var online = new bool[nprocs];
        var diff = new (ulong User, ulong System, ulong Idle)[nprocs];
        int cpuCount = 0;
        foreach (var (n, f, _) in cpuLines)
        {
            if (n >= nprocs) continue;
            cpuCount++;
            if (!cpu.Cpuset.Contains(n)) continue;
            online[n] = true;
            diff[n] = (usage[n].User, usage[n].System, Idle(f, usage[n]));
        }
        int maxCpus = cpu.MaxCpus;
        if (maxCpus > cpuCount || maxCpus == 0) maxCpus = cpuCount;

        ulong totalSum = 0, userSurplus = 0, systemSurplus = 0;
        for (int c = 0; c < nprocs; c++) if (online[c]) totalSum += diff[c].User + diff[c].System + diff[c].Idle;
        for (int c = 0, i = -1; c < nprocs; c++)
        {
            if (!online[c]) continue;
            if (++i >= maxCpus) { userSurplus += diff[c].User; systemSurplus += diff[c].System; }
        }

        var view = new (ulong User, ulong System, ulong Idle)[nprocs];
        ulong userSum = 0, systemSum = 0, idleSum = 0;
        if (maxCpus > 0)
        {
            // Usage of CPUs beyond the visible ones goes onto visible CPUs with room below the per-CPU threshold.
            ulong threshold = cpuCount == 0 ? 0 : totalSum / (ulong)cpuCount * (ulong)maxCpus;
            for (int c = 0, i = -1; c < nprocs; c++)
            {
                if (!online[c]) continue;
                if (++i == maxCpus) break;
                if (diff[c].User + diff[c].System >= threshold) continue;
                AddSurplus(ref userSurplus, ref diff[c], user: true, threshold);
                if (diff[c].User + diff[c].System >= threshold) continue;
                AddSurplus(ref systemSurplus, ref diff[c], user: false, threshold);
            }
            ulong dUser = 0, dSystem = 0, dIdle = 0, maxIdle = 0;
            int maxIdleIndex = 0;
            for (int c = 0, i = -1; c < nprocs; c++)
            {
                if (!online[c]) continue;
                if (++i == maxCpus) break;
                view[c] = diff[c];
                dUser += diff[c].User; dSystem += diff[c].System; dIdle += diff[c].Idle;
                if (diff[c].Idle > maxIdle) { maxIdle = diff[c].Idle; maxIdleIndex = c; }
            }
            for (int c = 0; c < nprocs; c++) { userSum += view[c].User; systemSum += view[c].System; idleSum += view[c].Idle; }
            double exact = cpu.ExactCpus;
            if (cpu.QuotaUsec is > 0 && exact < maxCpus)
            {
                // A fractional quota: take the unusable share of time out of idle, so a container at its quota shows ~100 % busy.
                ulong delta = (ulong)((dUser + dSystem + dIdle) * (1 - exact / maxCpus));
                idleSum = idleSum > delta ? idleSum - delta : 0;
                view[maxIdleIndex].Idle = view[maxIdleIndex].Idle > delta ? view[maxIdleIndex].Idle - delta : 0;
            }
        }
        sb.Append("cpu  ").Append(Num(userSum)).Append(" 0 ").Append(Num(systemSum)).Append(' ').Append(Num(idleSum)).Append(" 0 0 0 0 0 0\n");

        // Rendered CPU k sums the view of the physical CPUs since the previous rendered one; the last sums all remaining.
        ulong u = 0, s = 0, d = 0;
        for (int c = 0, i = -1; c < nprocs; c++)
        {
            u += view[c].User; s += view[c].System; d += view[c].Idle;
            if (!online[c] && c < nprocs - 1) continue;
            i++;
            if (maxCpus > 0 && i >= maxCpus) i--;
            if (maxCpus > 0 && i == maxCpus - 1 && c < nprocs - 1) continue;
            sb.Append(CpuLine("cpu" + i.ToString(CultureInfo.InvariantCulture), u, s, d));
            u = s = d = 0;
        }
    }

    private static void AddSurplus(ref ulong surplus, ref (ulong User, ulong System, ulong Idle) usage, bool user, ulong threshold)
    {
        ulong free = threshold - usage.User - usage.System;
        if (free > usage.Idle) free = usage.Idle;
        ulong add = Math.Min(free, surplus);
        if (user) usage.User += add; else usage.System += add;
        usage.Idle -= add;
        surplus -= add;
    }

    private static string CpuLine(string label, ulong user, ulong system, ulong idle) =>
        label + " " + Num(user) + " 0 " + Num(system) + " " + Num(idle) + " 0 0 0 0 0 0\n";

    private static string Num(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private static bool TryCpuLine(string line, out int cpu, out ulong[] fields)
    {
        cpu = -1;
        fields = new ulong[Fields];
        if (!line.StartsWith("cpu", StringComparison.Ordinal)) return false;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!int.TryParse(parts[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out cpu)) return false;
        for (int i = 0; i < Fields && i + 1 < parts.Length; i++)
            ulong.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out fields[i]);
        return true;
    }
}
