using System.Globalization;
using System.Text;
using Ctop.Model;

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

        // One write per frame, so a reader never sees half a frame from us unless the pipe itself breaks.
        output.Write(_sb.ToString());
    }

    private void Header(Frame f)
    {
        var scope = f.Scope.Kind == ScopeKind.Host ? "host" : "container";
        if (f.Scope.Kind == ScopeKind.Container && (f.Scope.Name ?? f.Scope.CgroupPath) is { } which)
            scope += " " + Display.Escape(which);
        _sb.Append(CultureInfo.InvariantCulture,
            $"ctop - {f.Time:yyyy-MM-dd HH:mm:ss}  interval {Display.Number(f.IntervalSeconds, "0.0##")}s  scope: {scope}  CPUs: {Display.Number(f.Scope.Cpus, "0.##")}  Mem: {Display.Bytes(f.Scope.MemoryBytes)}\n");
    }

    private void Cgroups(IReadOnlyList<CgroupView> cgroups)
    {
        Row("NAME", "CORES", "LIMIT", "%LIM", "THR%", "MEM", "MEMLIM", "%MEM", "PIDS");
        foreach (var c in cgroups)
        {
            // A container shows as its name and image ("web (nginx:1.25)"), a pod's as NAMESPACE/POD/NAME.
            var name = Display.Escape(c.Container?.Title ?? c.Path);
            // Containers are named from the path's leaf, so keep a name's start and a path's end.
            name = c.Container is null ? Display.TruncateStart(name, NameWidth) : Display.TruncateEnd(name, NameWidth);
            Row(name,
                Display.Number(c.Cpu.UsedCores, "0.00"),
                Display.Number(c.Cpu.LimitCores, "0.00"),
                Display.Number(c.Cpu.PercentOfLimit, "0.0"),
                Display.Number(c.Cpu.ThrottledRatio * 100, "0.0"),
                Display.Bytes(c.Memory.WorkingSetBytes ?? c.Memory.UsageBytes),
                Display.Bytes(c.Memory.LimitBytes),
                Display.Number(c.Memory.PercentOfLimit, "0.0"),
                Display.Number(c.Pids.Current) + "/" + Display.Number(c.Pids.Max));
        }
    }

    private void Row(string name, string cores, string limit, string pctLimit, string throttled, string mem,
        string memLimit, string pctMem, string pids)
    {
        _sb.Append(name.PadRight(NameWidth)).Append(' ')
            .Append(cores.PadLeft(6)).Append(' ')
            .Append(limit.PadLeft(6)).Append(' ')
            .Append(pctLimit.PadLeft(6)).Append(' ')
            .Append(throttled.PadLeft(5)).Append(' ')
            .Append(mem.PadLeft(7)).Append(' ')
            .Append(memLimit.PadLeft(7)).Append(' ')
            .Append(pctMem.PadLeft(6)).Append(' ')
            .Append(pids.PadLeft(13)).Append('\n');
    }

    private void Processes(IReadOnlyList<ProcessView> processes)
    {
        ProcessRow("PID", "USER", "S", "%CPU", "RSS", "THR", "CONTAINER", "COMMAND");
        foreach (var p in processes)
        {
            var user = Display.Escape(p.User);
            // top marks a cut user name with '+'.
            if (user.Length > UserWidth) user = user[..(UserWidth - 1)] + "+";
            ProcessRow(
                p.Pid.ToString(CultureInfo.InvariantCulture),
                user,
                Display.Escape(p.State.ToString()),
                Display.Number(p.CpuPercent, "0.0"),
                Display.Bytes(p.RssBytes),
                p.Threads.ToString(CultureInfo.InvariantCulture),
                p.Container is null ? Display.None : Display.TruncateEnd(Display.Escape(p.Container.QualifiedName), ContainerWidth),
                Display.TruncateEnd(Display.Escape(p.Command), CommandWidth));
        }
    }

    private void ProcessRow(string pid, string user, string state, string cpu, string rss, string threads,
        string container, string command)
    {
        _sb.Append(pid.PadLeft(7)).Append(' ')
            .Append(user.PadRight(UserWidth)).Append(' ')
            .Append(state).Append(' ')
            .Append(cpu.PadLeft(6)).Append(' ')
            .Append(rss.PadLeft(7)).Append(' ')
            .Append(threads.PadLeft(4)).Append(' ')
            .Append(container.PadRight(ContainerWidth)).Append(' ')
            .Append(command).Append('\n');
    }
}
