namespace Ctop.Ui;

/// <summary>Where a search lands: the row to select (-1: none) and what to say (null: nothing).</summary>
public readonly record struct SearchJump(int Row, string? Message);

/// <summary>
/// The process table's search (/, F3) and filters (\ F4 by command, u by user, Esc clears both), without a terminal:
/// the prompts report each edit here, and the answers say which row to select and what the status bar says. The
/// filters live on <see cref="ProcessTableModel"/>; the search text lives here.
/// </summary>
public sealed class SearchFilter(ProcessTableModel processes)
{
    private string _searchBefore = "", _filterBefore = "";
    private int _searchStart;

    /// <summary>The search kept by Enter (or being typed): F3 jumps to its next match.</summary>
    public string Search { get; private set; } = "";

    /// <summary>/ opened the prompt with the selection at <paramref name="selected"/>: typing searches from there.</summary>
    public void BeginSearch(int selected)
    {
        _searchBefore = Search;
        _searchStart = selected;
    }

    /// <summary>An edit of the search prompt: the first match at or after where the search began.</summary>
    public SearchJump SearchTyped(string text)
    {
        Search = text;
        return Find(text, _searchStart - 1);
    }

    /// <summary>Enter: the search is kept. The key that committed cleared the status line; say again that nothing matched.</summary>
    public string? CommitSearch(string text)
    {
        Search = text;
        return text.Length > 0 && processes.FindNext(text, -1) < 0 ? NotFound(text) : null;
    }

    /// <summary>Esc in the prompt: the search before it was opened.</summary>
    public void CancelSearch() => Search = _searchBefore;

    /// <summary>F3: the next match after <paramref name="selected"/>.</summary>
    public SearchJump Next(int selected) =>
        Search.Length == 0 ? new SearchJump(-1, "no search: press / first") : Find(Search, selected);

    private SearchJump Find(string text, int from)
    {
        int i = processes.FindNext(text, from);
        return new SearchJump(i, i < 0 && text.Length > 0 ? NotFound(text) : null);
    }

    private static string NotFound(string text) => $"not found: {TextEscape.Escape(text)}";

    /// <summary>\ or F4 opened the filter prompt: Esc goes back to this filter.</summary>
    public string BeginFilter() => _filterBefore = processes.Filter;

    /// <summary>The filter applies as typed.</summary>
    public void FilterTyped(string text) => processes.Filter = text;

    public void CancelFilter() => processes.Filter = _filterBefore;

    /// <summary>u on the process table: the prompt starts from the current user filter, else the selected process's user.</summary>
    public string UserPromptStart(string selectedUser) => processes.User.Length > 0 ? processes.User : selectedUser;

    public void SetUser(string text) => processes.User = text.Trim();

    /// <summary>Esc on the main screen: every process filter off.</summary>
    public void ClearFilters()
    {
        processes.Filter = "";
        processes.User = "";
    }

    /// <summary>What the process table's title says of the filters and the search.</summary>
    public string Describe() =>
        (processes.Filter.Length > 0 ? $", filter \"{TextEscape.Escape(processes.Filter)}\"" : "")
        + (processes.User.Length > 0 ? $", user {TextEscape.Escape(processes.User)}" : "")
        + (Search.Length > 0 ? $", search \"{TextEscape.Escape(Search)}\"" : "");
}
