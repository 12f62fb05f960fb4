namespace Ctop.Ui;

/// <summary>A column of a dashboard table: its cell text and the key it sorts by (a number, else text).</summary>
public sealed class Column<TRow>
{
    public required string Header { get; init; }
    public required Func<TRow, string> Cell { get; init; }
    /// <summary>Numeric sort key; null values sort last in both directions.</summary>
    public Func<TRow, double?>? Number { get; init; }
    /// <summary>Text sort key, used when there is no numeric one.</summary>
    public Func<TRow, string>? Text { get; init; }
    /// <summary>Numbers are most interesting biggest first; names A to Z.</summary>
    public bool DescendingFirst { get; init; } = true;
    public bool AlignRight { get; init; }
}

/// <summary>
/// Rows, columns and sort order of one table, independent of Terminal.Gui: the view only paints <see cref="Rows"/>.
/// Sorting is here, not in the TableView, and is stable across refreshes (ties break on the row's identity), so rows do
/// not jump about between frames. Column indices (<see cref="SortColumn"/>, <see cref="Cell"/>) always index
/// <see cref="Columns"/>, all of them; <see cref="Visible"/> says which are shown and in what order.
/// </summary>
public abstract class TableModel<TRow>
{
    private int _sortColumn;
    private int[] _visible;

    protected TableModel(IReadOnlyList<Column<TRow>> columns, int sortColumn)
    {
        Columns = columns;
        _sortColumn = sortColumn;
        DefaultSortColumn = sortColumn;
        Descending = columns[sortColumn].DescendingFirst;
        _visible = Enumerable.Range(0, columns.Count).ToArray();
    }

    /// <summary>Every column the table has, in the default order.</summary>
    public IReadOnlyList<Column<TRow>> Columns { get; }
    public IReadOnlyList<TRow> Rows { get; protected set; } = [];

    public int SortColumn => _sortColumn;
    public int DefaultSortColumn { get; }
    public bool Descending { get; private set; }

    /// <summary>The columns shown, as indices into <see cref="Columns"/>, left to right.</summary>
    public IReadOnlyList<int> Visible => _visible;

    /// <summary>Bumped when <see cref="Visible"/> changes, so the view re-measures its columns.</summary>
    public int LayoutVersion { get; private set; }

    /// <summary>All columns in their default order?</summary>
    public bool DefaultLayout => _visible.Length == Columns.Count && _visible.Select((c, i) => c == i).All(b => b);

    /// <summary>Show these columns in this order: at least one, each once.</summary>
    public void SetVisible(IReadOnlyList<int> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("at least one column must stay visible", nameof(columns));
        if (columns.Any(c => c < 0 || c >= Columns.Count) || columns.Distinct().Count() != columns.Count)
            throw new ArgumentException("columns must be distinct indices of the table's columns", nameof(columns));
        if (columns.SequenceEqual(_visible)) return;
        _visible = columns.ToArray();
        LayoutVersion++;
    }

    /// <summary>The column whose header reads <paramref name="header"/> (case aside), or -1.</summary>
    public int ColumnOf(string header)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Header, header, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>Identity that survives refreshes: the selection is kept by it, not by row index.</summary>
    public abstract string KeyOf(TRow row);

    /// <summary>Rebuild <see cref="Rows"/> from the last input with the current settings.</summary>
    public abstract void Rebuild();

    /// <summary>Header texts of the visible columns, the sort column marked with ▼ or ▲ (and so readable without colour).</summary>
    public string[] Headers() =>
        _visible.Select(i => i == _sortColumn ? Columns[i].Header + (Descending ? "▼" : "▲") : Columns[i].Header).ToArray();

    /// <summary>The text of a cell; <paramref name="column"/> indexes <see cref="Columns"/>, shown or not.</summary>
    public string Cell(int row, int column) => Columns[column].Cell(Rows[row]);

    /// <summary>Sort by this column; sorting by the current column again flips the direction.</summary>
    public void SortBy(int column)
    {
        if (column < 0 || column >= Columns.Count) return;
        if (column == _sortColumn) Descending = !Descending;
        else { _sortColumn = column; Descending = Columns[column].DescendingFirst; }
        Rebuild();
    }

    /// <summary>Sort by this column in its natural direction (P, M, T: pressing again keeps it, as in htop).</summary>
    public void SetSort(int column)
    {
        if (column < 0 || column >= Columns.Count) return;
        _sortColumn = column;
        Descending = Columns[column].DescendingFirst;
        Rebuild();
    }

    /// <summary>
    /// The next (+1) or previous (-1) visible column, in its natural direction: what &lt; &gt; and F6 do. From a hidden
    /// sort column (P on a table without CPU%), the first or last visible one.
    /// </summary>
    public void CycleSort(int step)
    {
        int at = Array.IndexOf(_visible, _sortColumn);
        int n = _visible.Length;
        at = at < 0 ? (step > 0 ? 0 : n - 1) : ((at + step) % n + n) % n;
        _sortColumn = _visible[at];
        Descending = Columns[_sortColumn].DescendingFirst;
        Rebuild();
    }

    public virtual int IndexOf(string key)
    {
        for (int i = 0; i < Rows.Count; i++) if (KeyOf(Rows[i]) == key) return i;
        return -1;
    }

    public Comparison<TRow> Comparison()
    {
        var col = Columns[_sortColumn];
        bool desc = Descending;
        return (a, b) =>
        {
            int r = 0;
            if (col.Number is { } num)
            {
                double? x = num(a), y = num(b);
                if (x is null || y is null) r = x is null ? (y is null ? 0 : 1) : -1; // unknowns last, either way
                else r = desc ? y.Value.CompareTo(x.Value) : x.Value.CompareTo(y.Value);
            }
            else if (col.Text is { } text)
            {
                r = string.Compare(text(a), text(b), StringComparison.OrdinalIgnoreCase);
                if (desc) r = -r;
            }
            return r != 0 ? r : TieBreak(a, b);
        };
    }

    protected virtual int TieBreak(TRow a, TRow b) => string.CompareOrdinal(KeyOf(a), KeyOf(b));
}

/// <summary>Orders a forest depth-first with siblings sorted, and draws htop-style branches ("├─ ", "└─ ").</summary>
public static class TreeOrder
{
    /// <summary>An item whose parent key is not among the items' keys is a root.</summary>
    public static List<(T Item, string Prefix, int Depth)> Build<T, TKey>(IEnumerable<T> items, Func<T, TKey> key, Func<T, TKey> parent,
        Comparison<T> order) where TKey : notnull
    {
        var all = items.ToList();
        var byKey = new Dictionary<TKey, T>();
        foreach (var i in all) byKey.TryAdd(key(i), i);
        var children = new Dictionary<TKey, List<T>>();
        var roots = new List<T>();
        foreach (var i in all)
        {
            var p = parent(i);
            if (byKey.ContainsKey(p) && !EqualityComparer<TKey>.Default.Equals(p, key(i)))
            {
                if (!children.TryGetValue(p, out var list)) children[p] = list = new();
                list.Add(i);
            }
            else roots.Add(i);
        }
        roots.Sort(order);
        foreach (var l in children.Values) l.Sort(order);

        var result = new List<(T, string, int)>(all.Count);
        var seen = new HashSet<TKey>();
        // Explicit stack: a deep process chain must not overflow the UI thread's stack.
        var stack = new Stack<(T Item, string Indent, bool Last, int Depth)>();
        void Walk(IEnumerable<T> tops)
        {
            foreach (var r in tops.Reverse()) stack.Push((r, "", true, 0));
            while (stack.Count > 0)
            {
                var (item, indent, last, depth) = stack.Pop();
                if (!seen.Add(key(item))) continue;
                result.Add((item, depth == 0 ? "" : indent + (last ? "└─ " : "├─ "), depth));
                if (!children.TryGetValue(key(item), out var kids)) continue;
                string childIndent = depth == 0 ? "" : indent + (last ? "   " : "│  ");
                for (int k = kids.Count - 1; k >= 0; k--) stack.Push((kids[k], childIndent, k == kids.Count - 1, depth + 1));
            }
        }
        Walk(roots);
        // Items only reachable through a cycle (a PID reused as its own ancestor) are still shown, as roots.
        if (result.Count < all.Count) Walk(all.Where(i => !seen.Contains(key(i))).OrderBy(i => i, Comparer<T>.Create(order)).ToList());
        return result;
    }
}
