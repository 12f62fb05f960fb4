using Ctop.Model;
using Terminal.Gui.Input;

namespace Ctop.Ui;

/// <summary>A key of the dashboard: what help lists and what the key handler runs. One table drives both, so help cannot drift.</summary>
public sealed record KeyCommand(string Keys, string Description, Key[] Bound, Action Run);

/// <summary>
/// An action on the selected cgroup, run when the cgroup table has focus. <see cref="DashboardView.CgroupActions"/> is the
/// place to add more (limits, moves): help lists them automatically.
/// </summary>
public sealed record CgroupAction(string Keys, string Description, Key[] Bound, Action<CgroupView> Run);

/// <summary>An action on the selected process (kill, renice), run from either table.</summary>
public sealed record ProcessAction(string Keys, string Description, Key[] Bound, Action<ProcessView> Run);

public static class KeyText
{
    /// <summary>The bottom line, htop-style: function keys first, since they work in every terminal.</summary>
    public const string Bar = "F1Help F2Setup F3Search F4Filter F5Tree F6Sort F7Nice- F8Nice+ F9Kill F10Quit  Tab:table Enter:detail a:all c:limit";

    public static Key K(char c) => new(c);
}
