using System.Globalization;
using System.Text;
using Ctop.Model;
using ProcFs.Cgroups;
using ProcFs.Parsing;

namespace Ctop.Output;

/// <summary>
/// top -b style tables: a header line, the cgroups table, a blank line, the processes table; frames separated
/// by a blank line. Columns have fixed widths so successive frames line up and tools like awk/cut can read them.
/// </summary>
public sealed class TextFrameWriter(TextWriter output, bool showCgroups = true, bool showProcesses = true) : IFrameWriter
{
    internal const int NameWidth = 32;
    internal const int UserWidth = 8;
    internal const int ContainerWidth = 20;
    /// <summary>Commands are cut here; full command lines are in the JSON.</summary>
    internal const int CommandWidth = 160;

    /// <summary>The cgroup parts these tables print: the sampler need read no others (no weights, OOM kills, io, PSI).</summary>
    public const CgroupParts Reads = CgroupParts.Cpu | CgroupParts.Memory | CgroupParts.Pids;

    private readonly StringBuilder _sb = new();
    private bool _first = true;

    public void Write(Frame frame)
    {
        _sb.Clear();
        if (!_first) _sb.Append('\n');
        _first = false;

        Header(frame);
        if (showCgroups) Cgroups(frame.Cgroups);
        if (showCgroups && showProcesses) _sb.Append('\n');
        if (showProcesses) Processes(frame.Processes);

        // The whole frame goes to the writer at once (its chunks, not one string: a frame of thousands of processes
        // would be a large-object-heap string every refresh), and the caller flushes after it.
        output.Write(_sb);
    }

    private void Header(Frame f)
    {
        var scope = f.Scope.Kind == ScopeKind.Host ? "host" : "container";
        if (f.Scope.Kind == ScopeKind.Container && (f.Scope.Name ?? f.Scope.CgroupPath) is { } which)
            scope += " " + Printable.Escape(which);
        _sb.Append(CultureInfo.InvariantCulture,
            $"ctop - {f.Time:yyyy-MM-dd HH:mm:ss}  interval {Display.Number(f.IntervalSeconds, "0.0##")}s  scope: {scope}  CPUs: {Units.Cores(f.Scope.Cpus)}  Mem: {Units.Bytes(f.Scope.MemoryBytes)}\n");
    }

    private void Cgroups(IReadOnlyList<CgroupView> cgroups)
    {
        Row("NAME", "CORES", "LIMIT", "%LIM", "THR%", "MEM", "MEMLIM", "%MEM", "PIDS");
        foreach (var c in cgroups)
        {
            // A container shows as its name and image ("web (nginx:1.25)"), a pod's as NAMESPACE/POD/NAME.
            var name = Printable.Escape(c.Container?.Title ?? c.Path);
            // Containers are named from the path's leaf, so keep a name's start and a path's end.
            name = c.Container is null ? Display.TruncateStart(name, NameWidth) : Display.TruncateEnd(name, NameWidth);
            // One meaning with the dashboard: limits are the effective ones (marked ^ when an ancestor sets them) and the
            // percents are of them; memory is the working set, else usage (CgroupView says which).
            Row(name,
                Units.Cores(c.Cpu.UsedCores),
                Units.Limit(Units.Cores(c.EffectiveCpuLimitCores), c.CpuLimitInherited),
                Units.Percent(c.CpuPercentOfEffectiveLimit, sign: false),
                Units.Ratio(c.Cpu.ThrottledRatio, sign: false),
                Units.Bytes(c.MemoryBytes),
                Units.Limit(Units.Bytes(c.EffectiveMemoryLimitBytes), c.MemoryLimitInherited),
                Units.Percent(c.MemoryPercentOfEffectiveLimit, sign: false),
                Display.Number(c.Pids.Current) + "/" + Display.Number(c.Pids.Max));
        }
    }

    private void Row(string name, string cores, string limit, string pctLimit, string throttled, string mem,
        string memLimit, string pctMem, string pids)
    {
        _sb.Append(name).Append(' ', Math.Max(0, NameWidth - name.Length)).Append(' ')
            .Append(' ', Math.Max(0, 6 - cores.Length)).Append(cores).Append(' ')
            .Append(' ', Math.Max(0, 6 - limit.Length)).Append(limit).Append(' ')
            .Append(' ', Math.Max(0, 6 - pctLimit.Length)).Append(pctLimit).Append(' ')
            .Append(' ', Math.Max(0, 5 - throttled.Length)).Append(throttled).Append(' ')
            .Append(' ', Math.Max(0, 7 - mem.Length)).Append(mem).Append(' ')
            .Append(' ', Math.Max(0, 7 - memLimit.Length)).Append(memLimit).Append(' ')
            .Append(' ', Math.Max(0, 6 - pctMem.Length)).Append(pctMem).Append(' ')
            .Append(' ', Math.Max(0, 13 - pids.Length)).Append(pids).Append('\n');
    }

    private void Processes(IReadOnlyList<ProcessView> processes)
    {
        ProcessRow("PID", "USER", "S", "%CPU", "RSS", "THR", "CONTAINER", "COMMAND");
        foreach (var p in processes)
        {
            var user = Printable.Escape(p.User);
            // top marks a cut user name with '+'.
            if (user.Length > UserWidth) user = user[..(UserWidth - 1)] + "+";
            ProcessRow(
                p.Pid.ToString(CultureInfo.InvariantCulture),
                user,
                Printable.Escape(p.State.ToString()),
                Units.ProcessPercent(p.CpuPercent),
                Units.Bytes(p.RssBytes),
                p.Threads.ToString(CultureInfo.InvariantCulture),
                p.Container is null ? Display.None : Display.TruncateEnd(Printable.Escape(p.Container.QualifiedName), ContainerWidth),
                Display.TruncateEnd(Printable.Escape(p.Command), CommandWidth));
        }
    }

    private void ProcessRow(string pid, string user, string state, string cpu, string rss, string threads,
        string container, string command)
    {
        _sb.Append(' ', Math.Max(0, 7 - pid.Length)).Append(pid).Append(' ')
            .Append(user).Append(' ', Math.Max(0, UserWidth - user.Length)).Append(' ')
            .Append(state).Append(' ')
            .Append(' ', Math.Max(0, 6 - cpu.Length)).Append(cpu).Append(' ')
            .Append(' ', Math.Max(0, 7 - rss.Length)).Append(rss).Append(' ')
            .Append(' ', Math.Max(0, 4 - threads.Length)).Append(threads).Append(' ')
            .Append(container).Append(' ', Math.Max(0, ContainerWidth - container.Length)).Append(' ')
            .Append(command).Append('\n');
    }
}
