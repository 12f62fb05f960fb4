using Ctop.Model;

namespace Ctop.Ui;

/// <summary>
/// What the dashboard's screen is showing beyond the tables' own state: the latest frame, whether the process table
/// shows every process or those of the selected cgroup, and the status line's message until the next key.
/// Plain, changed on the UI thread only.
/// </summary>
public sealed class DashboardState
{
    /// <summary>The latest frame; null before the first.</summary>
    public Frame? Frame { get; set; }

    /// <summary>a: every process, not just the selected cgroup's (and below).</summary>
    public bool AllProcesses { get; private set; }

    /// <summary>The status line's message (a config problem, a save, a write's outcome), until the next key.</summary>
    public string? Status { get; set; }

    public void ToggleAll() => AllProcesses = !AllProcesses;

    /// <summary>The cgroup whose processes the process table shows: null for all.</summary>
    public string? ProcessScope(string? selectedCgroup) => AllProcesses ? null : selectedCgroup;

    /// <summary>
    /// The bottom line when it is not the key bar: the message; else an open dialog's keys; else the work that runs
    /// (a write to a slow cgroup); null: the key bar.
    /// </summary>
    public static string? BottomLine(string? status, string? overlayHint, IReadOnlyList<string> running) =>
        status ?? (string.IsNullOrEmpty(overlayHint) ? null : overlayHint) ?? (running.Count > 0 ? running[0] : null);
}
