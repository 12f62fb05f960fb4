using Ctop.Model;

namespace Ctop.Ui;

/// <summary>One cgroup row: the view, why it needs attention, and its tree branch (empty when flat).</summary>
public sealed record CgroupRow(CgroupView View, Attention Attention, string Prefix = "", int Depth = 0, bool Tree = false)
{
    /// <summary>Flat: the container's name and image, or the path. Tree: the last path component (or container) under its branch.</summary>
    public string Label => Tree ? Prefix + TextEscape.Escape(ShortName(View)) : TextEscape.Escape(View.Container?.Title ?? View.Name);

    internal static string ShortName(CgroupView c)
    {
        if (c.Container is { } id) return id.Title;
        int slash = c.Path.LastIndexOf('/');
        return slash < 0 || c.Path == "/" ? c.Path : c.Path[(slash + 1)..];
    }
}

/// <summary>The cgroup/container table: flat or as a tree of paths, sorted by any column.</summary>
public sealed class CgroupTableModel : TableModel<CgroupRow>
{
    public const int MarkerColumn = 0, CoresColumn = 1, CpuPercentColumn = 2, ThrottledColumn = 3, MemoryColumn = 4,
        MemoryPercentColumn = 5, PidsColumn = 6, PressureColumn = 7, NameColumn = 8;

    private IReadOnlyList<CgroupView> _cgroups = [];
    private bool _tree;

    public CgroupTableModel() : base(MakeColumns(), CpuPercentColumn) { }

    public bool Tree
    {
        get => _tree;
        set { _tree = value; Rebuild(); }
    }

    /// <summary>Keeps each Kubernetes pod's rows together in the flat (not tree) table (Output.PodGrouping).</summary>
    public bool GroupByPod
    {
        get => _groupByPod;
        set { _groupByPod = value; Rebuild(); }
    }

    private bool _groupByPod;

    public override string KeyOf(CgroupRow row) => row.View.Path;

    public void Update(IReadOnlyList<CgroupView> cgroups)
    {
        _cgroups = cgroups;
        Rebuild();
    }

    public CgroupView? Find(string path) => _cgroups.FirstOrDefault(c => c.Path == path);

    public override void Rebuild()
    {
        var cmp = Comparison();
        var rows = _cgroups.Select(c => new CgroupRow(c, c.Attention, Tree: _tree)).ToList();
        if (!_tree)
        {
            rows.Sort(cmp);
            Rows = _groupByPod ? Output.PodGrouping.Order(rows, r => r.View) : rows;
            return;
        }
        var paths = new HashSet<string>(rows.Select(r => r.View.Path), StringComparer.Ordinal);
        Rows = TreeOrder.Build(rows, r => r.View.Path, r => NearestAncestor(r.View.Path, paths) ?? "", cmp)
            .Select(t => t.Item with { Prefix = t.Prefix, Depth = t.Depth }).ToList();
    }

    /// <summary>The closest ancestor that is itself a row: v1 hierarchies can leave gaps in the union of paths.</summary>
    internal static string? NearestAncestor(string path, HashSet<string> paths)
    {
        if (path == "/") return null;
        var p = path;
        while (true)
        {
            int slash = p.LastIndexOf('/');
            if (slash < 0) return null;
            p = slash == 0 ? "/" : p[..slash];
            if (paths.Contains(p)) return p;
            if (p == "/") return null;
        }
    }

    private static Column<CgroupRow>[] MakeColumns() =>
    [
        new() { Header = "!", Cell = r => AttentionText.Marker(r.Attention), Number = r => (double)r.Attention },
        new() { Header = "CORES/LIM", AlignRight = true, Number = r => r.View.Cpu.UsedCores,
            Cell = r => Fmt.OfLimit(Units.Cores(r.View.Cpu.UsedCores), Units.Limit(Units.Cores(r.View.EffectiveCpuLimitCores), r.View.CpuLimitInherited)) },
        new() { Header = "CPU%", Number = r => r.View.CpuPercentOfEffectiveLimit,
            Cell = r => r.View.CpuPercentOfEffectiveLimit is double p ? Units.Percent(p).PadLeft(4) + " " + Fmt.Bar(p, 5) : Fmt.None },
        new() { Header = "THR%", AlignRight = true, Number = r => r.View.Cpu.ThrottledRatio,
            Cell = r => Units.Ratio(r.View.Cpu.ThrottledRatio) },
        new() { Header = "MEM/LIM", AlignRight = true, Number = r => r.View.MemoryBytes,
            Cell = r => Fmt.OfLimit(Units.Bytes(r.View.MemoryBytes), Units.Limit(Units.Bytes(r.View.EffectiveMemoryLimitBytes), r.View.MemoryLimitInherited)) },
        new() { Header = "MEM%", AlignRight = true, Number = r => r.View.MemoryPercentOfEffectiveLimit,
            Cell = r => Units.Percent(r.View.MemoryPercentOfEffectiveLimit) },
        new() { Header = "PIDS", AlignRight = true, Number = r => r.View.Pids.Current,
            Cell = r => r.View.Pids.Current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Fmt.None },
        new() { Header = "PSI", AlignRight = true, Number = r => r.View.Pressure?.Cpu,
            Cell = r => Units.Percent(r.View.Pressure?.Cpu) },
        new() { Header = "NAME", DescendingFirst = false, Text = r => r.View.Name, Cell = r => r.Label },
    ];
}
