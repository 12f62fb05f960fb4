using System.Globalization;
using Ctop.Config;

namespace Ctop.Ui;

/// <summary>
/// The dashboard's settings as the config file holds them: applied to the two tables at start and after F2, and read
/// back from them for F2 to show and save. Column and sort names are the headers, case aside.
/// </summary>
public static class DashboardSettings
{
    /// <summary>Sets sort, view and columns of both tables; what cannot be applied (an unknown column) is returned, not thrown.</summary>
    public static List<string> Apply(CtopConfig config, CgroupTableModel cgroups, ProcessTableModel processes)
    {
        var problems = new List<string>();
        ApplyTable(cgroups, "cgroup", config.Columns, config.Sort, problems);
        ApplyTable(processes, "process", config.ProcessColumns, config.ProcessSort, problems);
        if (cgroups.Tree != config.Tree) cgroups.Tree = config.Tree;
        if (processes.Tree != config.ProcessTree) processes.Tree = config.ProcessTree;
        return problems;
    }

    private static void ApplyTable<TRow>(TableModel<TRow> model, string table, IReadOnlyList<string>? columns, string? sort, List<string> problems)
    {
        var visible = new List<int>();
        if (columns is null) visible.AddRange(Enumerable.Range(0, model.Columns.Count));
        else
        {
            var unknown = new List<string>();
            foreach (var name in columns)
            {
                int i = model.ColumnOf(name ?? "");
                if (i < 0) unknown.Add(TextEscape.Escape(name ?? "null"));
                else if (!visible.Contains(i)) visible.Add(i);
            }
            if (unknown.Count > 0)
                problems.Add($"unknown {table} column{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)} ignored (known: {string.Join(" ", model.Columns.Select(c => c.Header))}).");
            if (visible.Count == 0) visible.AddRange(Enumerable.Range(0, model.Columns.Count));
        }
        model.SetVisible(visible);

        int sortColumn = sort is null ? model.DefaultSortColumn : model.ColumnOf(sort);
        if (sortColumn < 0)
        {
            problems.Add($"unknown {table} sort column {TextEscape.Escape(sort!)}; sorting by {model.Columns[model.DefaultSortColumn].Header}.");
            sortColumn = model.DefaultSortColumn;
        }
        if (sortColumn != model.SortColumn || model.Descending != model.Columns[sortColumn].DescendingFirst) model.SetSort(sortColumn);
    }

    /// <summary>The tables' state as settings; <paramref name="other"/> supplies what the tables do not hold.</summary>
    public static CtopConfig Capture(CtopConfig other, CgroupTableModel cgroups, ProcessTableModel processes) =>
        other with
        {
            Sort = cgroups.Columns[cgroups.SortColumn].Header,
            View = cgroups.Tree ? "tree" : "flat",
            Columns = cgroups.DefaultLayout ? null : cgroups.Visible.Select(i => cgroups.Columns[i].Header).ToArray(),
            ProcessSort = processes.Columns[processes.SortColumn].Header,
            ProcessView = processes.Tree ? "tree" : "flat",
            ProcessColumns = processes.DefaultLayout ? null : processes.Visible.Select(i => processes.Columns[i].Header).ToArray(),
        };
}

/// <summary>
/// What the settings dialog (F2) edits, as a list of lines: refresh interval, colours, each table's view and sort, then
/// each table's columns (shown or hidden, in order). Independent of Terminal.Gui; <see cref="SetupOverlay"/> paints it.
/// </summary>
public sealed class SetupModel
{
    public enum LineKind { Refresh, Colors, CgroupView, CgroupSort, ProcessView, ProcessSort, Heading, CgroupColumn, ProcessColumn }

    public sealed record Line(LineKind Kind, string Text, int Index = -1);

    /// <summary>Steps of ← and → on the refresh interval; a value from the file between two steps moves to the next one.</summary>
    public static readonly double[] RefreshSteps = [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 15, 30, 60];

    private readonly CtopConfig _start;
    private readonly string[] _cgroupHeaders, _processHeaders;
    private readonly bool _noColorEnv;

    /// <param name="current">The settings in use (from <see cref="DashboardSettings.Capture"/>).</param>
    /// <param name="noColorEnv">NO_COLOR is set: colours stay off whatever is chosen, and the line says so.</param>
    public SetupModel(CtopConfig current, IReadOnlyList<string> cgroupHeaders, IReadOnlyList<string> processHeaders, bool noColorEnv)
    {
        _start = current;
        _cgroupHeaders = cgroupHeaders.ToArray();
        _processHeaders = processHeaders.ToArray();
        _noColorEnv = noColorEnv;
        RefreshSeconds = current.RefreshSeconds;
        Colors = current.Colors;
        CgroupTree = current.Tree;
        ProcessTree = current.ProcessTree;
        CgroupSort = current.Sort ?? _cgroupHeaders[CgroupTableModel.CpuPercentColumn];
        ProcessSort = current.ProcessSort ?? _processHeaders[ProcessTableModel.CpuColumn];
        CgroupColumns = Columns(_cgroupHeaders, current.Columns);
        ProcessColumns = Columns(_processHeaders, current.ProcessColumns);
        Lines = Build();
    }

    public double RefreshSeconds { get; private set; }
    public bool Colors { get; private set; }
    public bool CgroupTree { get; private set; }
    public bool ProcessTree { get; private set; }
    public string CgroupSort { get; private set; }
    public string ProcessSort { get; private set; }

    /// <summary>Every column of the table in display order: the shown ones first, as ordered, then the hidden ones.</summary>
    public List<(string Header, bool Shown)> CgroupColumns { get; }
    public List<(string Header, bool Shown)> ProcessColumns { get; }

    public IReadOnlyList<Line> Lines { get; private set; }

    private static List<(string, bool)> Columns(string[] all, IReadOnlyList<string>? shown)
    {
        if (shown is null) return all.Select(h => (h, true)).ToList();
        var list = new List<(string, bool)>();
        foreach (var s in shown)
            if (all.FirstOrDefault(h => string.Equals(h, s, StringComparison.OrdinalIgnoreCase)) is { } h && !list.Any(c => c.Item1 == h))
                list.Add((h, true));
        foreach (var h in all)
            if (!list.Any(c => c.Item1 == h)) list.Add((h, false));
        return list;
    }

    private IReadOnlyList<Line> Build()
    {
        static string Row(string name, string value, string hint = "") => $"  {name,-18}{value,-14}{hint}";
        string colors = (Colors ? "on" : "off") + (_noColorEnv ? "  (NO_COLOR is set: no colours whatever this says)" : "");
        var lines = new List<Line>
        {
            new(LineKind.Refresh, Row("Refresh interval", Seconds(RefreshSeconds), "← → change")),
            new(LineKind.Colors, Row("Colours", colors)),
            new(LineKind.CgroupView, Row("Cgroup table", CgroupTree ? "tree" : "flat", "Space: tree / flat")),
            new(LineKind.CgroupSort, Row("Cgroup sort", CgroupSort, "← → column")),
            new(LineKind.ProcessView, Row("Process table", ProcessTree ? "tree" : "flat", "Space: tree / flat")),
            new(LineKind.ProcessSort, Row("Process sort", ProcessSort, "← → column")),
            new(LineKind.Heading, ""),
            new(LineKind.Heading, "Cgroup columns (Space: show / hide, F7 F8: move up / down)"),
        };
        lines.AddRange(CgroupColumns.Select((c, i) => new Line(LineKind.CgroupColumn, $"  [{(c.Shown ? 'x' : ' ')}] {c.Header}", i)));
        lines.Add(new(LineKind.Heading, ""));
        lines.Add(new(LineKind.Heading, "Process columns"));
        lines.AddRange(ProcessColumns.Select((c, i) => new Line(LineKind.ProcessColumn, $"  [{(c.Shown ? 'x' : ' ')}] {c.Header}", i)));
        return lines;
    }

    public static string Seconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>The first line of a kind (tests and the overlay jump to it).</summary>
    public int IndexOf(LineKind kind, string? header = null) =>
        Lines.Select((l, i) => (l, i)).FirstOrDefault(t => t.l.Kind == kind
            && (header is null || ColumnsOf(kind)?[t.l.Index].Header == header), (null!, -1)).Item2;

    private List<(string Header, bool Shown)>? ColumnsOf(LineKind kind) =>
        kind == LineKind.CgroupColumn ? CgroupColumns : kind == LineKind.ProcessColumn ? ProcessColumns : null;

    /// <summary>Space (step 0), ← (−1) or → (+1) on a line. Returns why nothing changed, or null.</summary>
    public string? Change(int line, int step)
    {
        if (line < 0 || line >= Lines.Count) return null;
        var l = Lines[line];
        switch (l.Kind)
        {
            case LineKind.Refresh:
                RefreshSeconds = StepRefresh(RefreshSeconds, step == 0 ? 1 : step);
                break;
            case LineKind.Colors: Colors = !Colors; break;
            case LineKind.CgroupView: CgroupTree = !CgroupTree; break;
            case LineKind.ProcessView: ProcessTree = !ProcessTree; break;
            case LineKind.CgroupSort: CgroupSort = Cycle(_cgroupHeaders, CgroupSort, step == 0 ? 1 : step); break;
            case LineKind.ProcessSort: ProcessSort = Cycle(_processHeaders, ProcessSort, step == 0 ? 1 : step); break;
            case LineKind.CgroupColumn or LineKind.ProcessColumn:
                var cols = ColumnsOf(l.Kind)!;
                var (header, shown) = cols[l.Index];
                if (shown && cols.Count(c => c.Shown) == 1) return "at least one column stays shown";
                cols[l.Index] = (header, !shown);
                break;
            default: return null;
        }
        Lines = Build();
        return null;
    }

    /// <summary>F7 (−1) / F8 (+1) on a column line: moves it within its table; returns the line it is on now.</summary>
    public int Move(int line, int step)
    {
        if (line < 0 || line >= Lines.Count || ColumnsOf(Lines[line].Kind) is not { } cols) return line;
        int from = Lines[line].Index, to = from + step;
        if (to < 0 || to >= cols.Count) return line;
        (cols[from], cols[to]) = (cols[to], cols[from]);
        Lines = Build();
        return line + step;
    }

    internal static double StepRefresh(double now, int step)
    {
        if (step > 0) return RefreshSteps.FirstOrDefault(s => s > now + 1e-9, RefreshSteps[^1]);
        return RefreshSteps.LastOrDefault(s => s < now - 1e-9, RefreshSteps[0]);
    }

    private static string Cycle(string[] headers, string current, int step)
    {
        int i = Array.FindIndex(headers, h => string.Equals(h, current, StringComparison.OrdinalIgnoreCase));
        i = i < 0 ? 0 : ((i + step) % headers.Length + headers.Length) % headers.Length;
        return headers[i];
    }

    /// <summary>The settings as chosen. Columns all shown in the default order are saved as null ("all"), so columns a
    /// later version adds appear without editing the file.</summary>
    public CtopConfig ToConfig()
    {
        static IReadOnlyList<string>? Shown(List<(string Header, bool Shown)> cols, string[] all) =>
            cols.All(c => c.Shown) && cols.Select(c => c.Header).SequenceEqual(all) ? null : cols.Where(c => c.Shown).Select(c => c.Header).ToArray();
        return _start with
        {
            RefreshSeconds = RefreshSeconds,
            Colors = Colors,
            View = CgroupTree ? "tree" : "flat",
            Sort = CgroupSort,
            Columns = Shown(CgroupColumns, _cgroupHeaders),
            ProcessView = ProcessTree ? "tree" : "flat",
            ProcessSort = ProcessSort,
            ProcessColumns = Shown(ProcessColumns, _processHeaders),
        };
    }
}
