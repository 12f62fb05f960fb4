using Ctop.Model;
using Ctop.Ui;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;
using Xunit.Abstractions;

namespace Ctop.Tests.Ui;

/// <summary>htop's u: only one user's processes. On the cgroup table u stays the undo of a limit change.</summary>
[Collection(UiCollection.Name)]
public sealed class UserFilterUiTests(ITestOutputHelper output)
{
    private static Frame Sample() => F.Frame(
        [F.Cg("/", cores: 1, mem: 1L << 30, pids: 4), F.Cg("/web", cores: 0.5, mem: 1L << 20, pids: 2)],
        [
            F.P(1, "/sbin/init", "/", cpu: 0.1, ppid: 0),
            F.P(10, "nginx: master", "/web", cpu: 1),
            F.P(11, "nginx: worker", "/web", cpu: 9, ppid: 10, user: "www-data"),
            F.P(12, "php-fpm", "/web", cpu: 5, user: "www-data"),
        ]);

    [Fact]
    public void UInTheProcessTableShowsOnlyOneUsersProcessesAndEscShowsAllAgain()
    {
        using var h = new Harness(100, 24);
        h.Feed(Sample());
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        Assert.Contains("(4, flat", h.Screen);
        h.Key(new Key('u'));
        Assert.Contains("User: www-data", h.Lines[^1]); // the selected process's user (nginx: worker, the busiest) to start
        h.Key(Key.Enter);
        output.WriteLine(h.Screen);
        Assert.Contains("Processes all (2, flat, by CPU%, user www-data)", h.Screen);
        Assert.Equal(-1, h.RowOf("/sbin/init"));
        Assert.Equal(-1, h.RowOf("nginx: master"));
        Assert.True(h.RowOf("php-fpm") > 0 && h.RowOf("nginx: worker") > 0, h.Screen);

        h.Key(new Key('u'));
        for (int i = 0; i < "www-data".Length; i++) h.App.InjectKey(Key.Backspace);
        h.Type("root");
        Assert.Contains("User: root", h.Lines[^1]);
        h.Key(Key.Enter);
        Assert.Contains("(2, flat, by CPU%, user root)", h.Screen);
        Assert.True(h.RowOf("/sbin/init") > 0 && h.RowOf("nginx: master") > 0, h.Screen);

        h.Key(Key.Esc);
        Assert.Contains("Processes all (4, flat, by CPU%)", h.Screen);
    }

    [Fact]
    public void UInTheCgroupTableIsStillUndo()
    {
        using var h = new Harness(100, 24);
        h.Feed(Sample());
        h.Key(new Key('u'));
        Assert.DoesNotContain("User:", h.Lines[^1]);
        Assert.Contains("changing limits is not available", h.Screen); // the harness has no tuner: undo says so
    }
}
