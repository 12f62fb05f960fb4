using Ctop.Model;
using Ctop.Tests.Tuning;
using Ctop.Tuning;
using Ctop.Ui;
using Terminal.Gui.Input;
using Xunit.Abstractions;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Ui;

/// <summary>The noisy-neighbours view (n): the diagnosis of the latest frame, and a culprit's CPU limit one key away.</summary>
[Collection(UiCollection.Name)]
public class NeighboursUiTests(ITestOutputHelper output)
{
    private const string CulpritReason = "/a uses 1.33 cores with no limit (fair share 1.00) while /b waits 330 ms/s for CPU";
    private const string VictimReason = "/b waits 330 ms/s for CPU (gets 0.67 of a fair 1.00 cores)";

    /// <summary>/a takes 1.33 of 2 CPUs while /b, with the same weight, gets 0.67 and waits: /a the culprit, /b the victim.</summary>
    private static Frame Contended(int second = 0, double bWait = 0.33) => F.Frame(
    [
        F.Cg("/", cores: 2.0),
        F.Cg("/a", cores: 1.33) with { CpuWaitPerSecond = 0.67 },
        F.Cg("/b", cores: 0.67) with { CpuWaitPerSecond = bWait },
    ],
    [
        F.P(100, "hog-a", "/a", cpu: 133),
        F.P(200, "nginx: worker", "/b", cpu: 67),
        F.P(201, "nginx: master", "/b", cpu: 0),
    ], second);

    private static Harness Open(out Tuner tuner, out ProcFs.Tests.Support.TempTree tree)
    {
        tree = V2Host();
        tree.AddV2Cgroup("/a");
        tree.AddV2Cgroup("/b");
        tuner = new Tuner(tree.Layout());
        var h = new Harness(160, 30, tuner: tuner);
        h.Feed(Contended());
        // Start on /b, so choosing the culprit visibly moves the selection.
        h.View.Cgroups.Select(h.View.CgroupModel.IndexOf("/b"));
        h.Draw();
        return h;
    }

    private void Show(Harness h) => output.WriteLine(h.Screen);

    [Fact]
    public void NShowsTheCulpritsAndTheVictimsAndEscClosesIt()
    {
        using var h = Open(out _, out var tree);
        using var _t = tree;
        h.Key(new Key('n'));
        Show(h);
        Assert.Contains("Noisy neighbours", h.Screen);
        Assert.Contains("Culprits:", h.Screen);
        Assert.Contains("1. " + CulpritReason, h.Screen);
        Assert.Contains("Victims:", h.Screen);
        Assert.Contains("1. " + VictimReason, h.Screen);
        Assert.True(h.RowOf(CulpritReason) < h.RowOf("Victims:"));
        Assert.Contains("Enter/c: limit the selected culprit's CPU", h.Lines[^1]);
        var view = Assert.IsType<NeighboursOverlay>(h.View.ActiveOverlay);
        Assert.Equal("/a", view.SelectedCulprit?.Cgroup); // the first culprit is selected

        h.Key(Key.Esc);
        Assert.Null(h.View.ActiveOverlay);
        Assert.DoesNotContain("Noisy neighbours", h.Screen);
        Assert.Contains("F1Help F2Setup", h.Lines[^1]);
    }

    [Fact]
    public void TheViewRefreshesWithEachFrame()
    {
        using var h = Open(out _, out var tree);
        using var _t = tree;
        h.Key(new Key('n'));
        Assert.Contains(VictimReason, h.Screen);
        h.Feed(Contended(1, bWait: 0.5));
        Show(h);
        Assert.Contains("/b waits 500 ms/s for CPU", h.Screen);
        Assert.DoesNotContain("330 ms/s", h.Screen);
        h.Feed(Contended(2, bWait: 0.0)); // nobody waits: nobody to blame
        Show(h);
        Assert.DoesNotContain("/b waits", h.Screen);
        Assert.Contains("none", h.Screen);
        Assert.Null(Assert.IsType<NeighboursOverlay>(h.View.ActiveOverlay).SelectedCulprit);
        h.Key(Key.Enter); // nothing to limit: the view stays
        Assert.IsType<NeighboursOverlay>(h.View.ActiveOverlay);
        h.Key(new Key('n'));
        Assert.Null(h.View.ActiveOverlay);
    }

    [Fact]
    public void EnterOnTheCulpritSelectsItAndOpensItsCpuDialog()
    {
        using var h = Open(out var tuner, out var tree);
        using var _t = tree;
        h.Key(new Key('n'));
        h.Key(Key.Enter);
        Show(h);
        Assert.DoesNotContain("Noisy neighbours", h.Screen);
        Assert.Contains("CPU limit of /a", h.Screen);
        Assert.Contains("now        max (no quota)", h.Screen);
        Assert.Equal("/a", Assert.IsType<LimitOverlay>(h.View.ActiveOverlay).Path);
        Assert.Equal("/a", h.View.Cgroups.SelectedKey);
        Assert.Equal("/a", h.View.ProcessModel.Cgroup); // the process table follows the selection

        // The same dialog as c: a value and Enter write /a's cpu.max, and u on the table undoes it.
        h.Type("1");
        h.Key(Key.Enter);
        Show(h);
        Assert.Equal("100000 100000", tree.Read("sys/fs/cgroup/a/cpu.max"));
        Assert.Contains("/a: cpu.max max 100000 → 100000 100000", h.Lines[^1]);
        Assert.Single(tuner.Log);
        h.Key(new Key('u'));
        Assert.Equal("max 100000", tree.Read("sys/fs/cgroup/a/cpu.max"));
    }

    [Fact]
    public void COnTheCulpritDoesTheSameFromTheProcessTable()
    {
        using var h = Open(out _, out var tree);
        using var _t = tree;
        h.Key(Key.Tab); // the process table has focus; the culprit's dialog still opens
        h.Key(new Key('n'));
        h.Key(new Key('c'));
        Show(h);
        Assert.Contains("CPU limit of /a", h.Screen);
        Assert.Equal("/a", h.View.Cgroups.SelectedKey);
        h.Key(Key.Esc);
        Assert.Null(h.View.ActiveOverlay);
        Assert.Contains("▶ Cgroups", h.Screen); // back on the cgroup table, where the culprit is selected
    }

    [Fact]
    public void NNoLongerFindsTheNextMatchButF3Does()
    {
        using var h = Open(out _, out var tree);
        using var _t = tree;
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        h.Key(new Key('/'));
        h.Type("nginx");
        h.Key(Key.Enter);
        h.Key(new Key('k'));
        Assert.Contains("Kill 200", h.Screen); // nginx: worker, 67% CPU, comes first
        h.Key(Key.Esc);
        h.Key(Key.F3);
        h.Key(new Key('k'));
        Assert.Contains("Kill 201", h.Screen);
        h.Key(Key.Esc);
        h.Key(new Key('n'));
        Assert.IsType<NeighboursOverlay>(h.View.ActiveOverlay);
        h.Key(Key.Esc);
    }

    [Fact]
    public void HelpListsN()
    {
        using var h = Open(out _, out var tree);
        using var _t = tree;
        h.Key(new Key('h'));
        Show(h);
        var line = h.LineWith("noisy neighbours");
        Assert.Matches(@"\s n\s+noisy neighbours", line);
        Assert.Contains("F3           next search match", h.Screen);
        Assert.DoesNotContain("F3 n", h.Screen);
    }
}
