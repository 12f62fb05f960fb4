using Ctop.Model;
using Terminal.Gui.Input;

namespace Ctop.Ui;

/// <summary>
/// A key of the dashboard: what help lists and what its Terminal.Gui command runs. One table drives the help, the key
/// bindings and the docs test, so none can drift.
/// </summary>
public sealed record KeyCommand(string Keys, string Description, Key[] Bound, Action Run);

/// <summary>
/// An action on the selected cgroup, run when the cgroup table has focus. <see cref="DashboardView.CgroupActions"/> is the
/// place to add more (limits, moves): help and the key bindings follow.
/// </summary>
public sealed record CgroupAction(string Keys, string Description, Key[] Bound, Action<CgroupView> Run);

/// <summary>An action on the selected process (kill, renice), run from either table.</summary>
public sealed record ProcessAction(string Keys, string Description, Key[] Bound, Action<ProcessView> Run);

public static class KeyText
{
    public static Key K(char c) => new(c);
}
