using Terminal.Gui.Views;

namespace Ctop.Ui;

/// <summary>Lets a TableView paint a <see cref="TableModel{TRow}"/>: cells are formatted on demand, only for visible rows.</summary>
public sealed class ModelTableSource<TRow>(TableModel<TRow> model) : ITableSource
{
    private string[]? _headers;
    private (int, bool, int) _headersFor = (-1, false, -1);

    /// <summary><paramref name="col"/> counts the visible columns, left to right.</summary>
    public object this[int row, int col] => row >= 0 && row < model.Rows.Count ? model.Cell(row, model.Visible[col]) : "";

    public string[] ColumnNames
    {
        get
        {
            // The TableView asks on every draw; the names only change with the sort and the visible columns.
            var key = (model.SortColumn, model.Descending, model.LayoutVersion);
            if (_headers is null || key != _headersFor) { _headers = model.Headers(); _headersFor = key; }
            return _headers;
        }
    }

    public int Columns => model.Visible.Count;
    public int Rows => model.Rows.Count;
}
