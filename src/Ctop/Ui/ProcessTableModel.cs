using System.Globalization;
using Ctop.Model;

namespace Ctop.Ui;

/// <summary>One process row: the view and its tree branch.</summary>
public sealed record ProcessRow(ProcessView View, string Prefix = "")
{
    public string Command => Prefix + TextEscape.Escape(View.Command);
}

/// <summary>
/// The process table: all processes or those of one cgroup (and its descendants), sorted, optionally as a tree by
/// parent PID, optionally filtered to commands containing a text. Every figure is the frame's (<see cref="ProcessView.MemoryPercent"/>
/// for MEM%); this only filters, orders and formats.
/// </summary>
public sealed class ProcessTableModel : TableModel<ProcessRow>
{
    public const int PidColumn = 0, UserColumn = 1, StateColumn = 2, CpuColumn = 3, MemColumn = 4, RssColumn = 5, ThreadsColumn = 6,
        TimeColumn = 7, ContainerColumn = 8, CommandColumn = 9;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private IReadOnlyList<ProcessView> _processes = [];
    private bool _tree;
    private string? _cgroup;
    private string _filter = "";
    private string _user = "";

    public ProcessTableModel() : base(MakeColumns(), CpuColumn) { }

    public bool Tree { get => _tree; set { _tree = value; Rebuild(); } }

    /// <summary>Only processes in this cgroup or below it; null for all.</summary>
    public string? Cgroup { get => _cgroup; set { _cgroup = value; Rebuild(); } }

    /// <summary>Only commands containing this text (case-insensitive); empty for all.</summary>
    public string Filter { get => _filter; set { _filter = value ?? ""; Rebuild(); } }

    /// <summary>Only processes of this user (the name as shown, or a uid without one), like htop's u; empty for all.</summary>
    public string User { get => _user; set { _user = value ?? ""; Rebuild(); } }

    public override string KeyOf(ProcessRow row) => row.View.Pid.ToString(C);

    protected override int TieBreak(ProcessRow a, ProcessRow b) => a.View.Pid.CompareTo(b.View.Pid);

    /// <summary>By PID, without making each row's key string (every refresh and key looks the selection up).</summary>
    public override int IndexOf(string key)
    {
        if (!int.TryParse(key, NumberStyles.None, C, out int pid)) return base.IndexOf(key);
        for (int i = 0; i < Rows.Count; i++) if (Rows[i].View.Pid == pid) return i;
        return -1;
    }

    public void Update(IReadOnlyList<ProcessView> processes)
    {
        _processes = processes;
        Rebuild();
    }

    public static bool InCgroup(ProcessView p, string? cgroup) =>
        cgroup is null || cgroup == "/"
        || (p.Cgroup is { } c && (c == cgroup || (c.Length > cgroup.Length && c[cgroup.Length] == '/' && c.StartsWith(cgroup, StringComparison.Ordinal))));

    public static bool Matches(ProcessView p, string text) =>
        text.Length == 0 || p.Command.Contains(text, StringComparison.OrdinalIgnoreCase) || p.Pid.ToString(C) == text;

    public override void Rebuild()
    {
        var rows = new List<ProcessRow>();
        foreach (var p in _processes)
            if (InCgroup(p, _cgroup) && Matches(p, _filter) && (_user.Length == 0 || p.User == _user))
                rows.Add(new ProcessRow(p));
        var cmp = Comparison();
        if (!_tree)
        {
            rows.Sort(cmp);
            Rows = rows;
            return;
        }
        Rows = TreeOrder.Build(rows, r => r.View.Pid, r => r.View.Ppid, cmp).Select(t => t.Item with { Prefix = t.Prefix }).ToList();
    }

    /// <summary>The next row after <paramref name="from"/> (wrapping) whose command contains the text: what / and F3 jump to.</summary>
    public int FindNext(string text, int from)
    {
        if (text.Length == 0 || Rows.Count == 0) return -1;
        for (int k = 1; k <= Rows.Count; k++)
        {
            int i = ((from + k) % Rows.Count + Rows.Count) % Rows.Count;
            if (Matches(Rows[i].View, text)) return i;
        }
        return -1;
    }

    private static Column<ProcessRow>[] MakeColumns() =>
    [
        new() { Header = "PID", AlignRight = true, DescendingFirst = false, Number = r => r.View.Pid, Cell = r => r.View.Pid.ToString(C) },
        new() { Header = "USER", DescendingFirst = false, Text = r => r.View.User, Cell = r => TextEscape.Escape(r.View.User) },
        new() { Header = "S", DescendingFirst = false, Text = r => r.View.State.ToString(), Cell = r => TextEscape.Escape(r.View.State.ToString()) },
        new() { Header = "CPU%", AlignRight = true, Number = r => r.View.CpuPercent, Cell = r => Units.ProcessPercent(r.View.CpuPercent) },
        new() { Header = "MEM%", AlignRight = true, Number = r => r.View.MemoryPercent, Cell = r => Units.ProcessPercent(r.View.MemoryPercent) },
        new() { Header = "RSS", AlignRight = true, Number = r => r.View.RssBytes, Cell = r => Units.Bytes(r.View.RssBytes) },
        new() { Header = "THR", AlignRight = true, Number = r => r.View.Threads, Cell = r => r.View.Threads.ToString(C) },
        new() { Header = "TIME+", AlignRight = true, Number = r => r.View.CpuSeconds, Cell = r => Fmt.CpuTime(r.View.CpuSeconds) },
        new() { Header = "CONTAINER", DescendingFirst = false, Text = r => r.View.Container?.Name ?? "",
            Cell = r => TextEscape.Escape(r.View.Container?.Name ?? "") },
        new() { Header = "COMMAND", DescendingFirst = false, Text = r => r.View.Command, Cell = r => r.Command },
    ];
}
