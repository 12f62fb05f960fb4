using Ctop.Model;
using Ctop.Tests.Tuning;
using Ctop.Tuning;
using Ctop.Ui;
using ProcFs.Tests.Support;
using Terminal.Gui.Input;
using Xunit.Abstractions;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Ui;

/// <summary>
/// Limit tuning from the dashboard on fixture trees: the keys open dialogs over the real views, the tuner writes the
/// fixture's control files, and the assertions read both the screen and the files.
/// </summary>
[Collection(UiCollection.Name)]
public class TuningUiTests(ITestOutputHelper output)
{
    private const string Box = "/ctop/box";
    private const string BoxDir = "sys/fs/cgroup/ctop/box/";

    private static TempTree V2Box(string cpuMax = "max 100000")
    {
        var t = V2Host();
        t.AddV2Cgroup(Box, cpuMax);
        return t;
    }

    private static Frame Sample(CgroupView? box = null, int second = 0) => F.Frame(
    [
        F.Cg("/", cores: 1.0, mem: 1L << 30),
        F.Cg("/ctop", cores: 0.3, mem: 20L << 20),
        box ?? F.Cg(Box, cores: 0.3, mem: 10L << 20, pids: 1),
    ], [F.P(200, "sh -c while :; do :; done", Box, cpu: 30)], second);

    /// <summary>The dashboard with the tuner on <paramref name="t"/>, a frame fed and the box's row selected.</summary>
    private static Harness Open(TempTree t, out Tuner tuner, Frame? frame = null, int width = 120, int height = 30)
    {
        tuner = new Tuner(t.Layout());
        var h = new Harness(width, height, tuner: tuner);
        h.Feed(frame ?? Sample());
        h.View.Cgroups.Select(h.View.CgroupModel.IndexOf(Box));
        h.Draw();
        return h;
    }

    private void Show(Harness h) => output.WriteLine(h.Screen);

    /// <summary>The text inside the open box (between its ║ borders), its wrapped lines joined by spaces.</summary>
    private static string BoxText(Harness h) => string.Join(" ", h.Lines
        .Where(l => l.Count(c => c == '║') >= 2)
        .Select(l => l[(l.IndexOf('║') + 1)..l.LastIndexOf('║')].Trim())
        .Where(l => l.Length > 0));

    [Fact]
    public void CTypeHalfEnterWritesCpuMaxAndUUndoesIt()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        h.Key(new Key('c'));
        Show(h);
        Assert.Contains("CPU limit of /ctop/box", h.Screen);
        Assert.Contains("now        max (no quota)", h.Screen);
        Assert.Contains("effective  none: no limit on it or its ancestors", h.Screen);
        Assert.Contains("Enter: apply  Esc: cancel", h.Lines[^1]);

        h.Type("0.5");
        Show(h);
        Assert.Contains("Enter writes cpu.max max 100000 → 50000 100000", BoxText(h));
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max")); // typing writes nothing
        h.Key(Key.Enter);
        Show(h);
        Assert.Equal("50000 100000", t.Read(BoxDir + "cpu.max"));
        Assert.DoesNotContain("CPU limit of", h.Screen);
        Assert.Contains("/ctop/box: cpu.max max 100000 → 50000 100000  (u: undo)", h.Lines[^1]);
        Assert.Single(tuner.Log);

        // The focus went back to the cgroup table, so u acts on the box at once.
        h.Key(new Key('u'));
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Contains("undone: /ctop/box: cpu.max 50000 100000 → max 100000", h.Lines[^1]);
        h.Key(new Key('u'));
        Assert.Contains("nothing to undo on /ctop/box", h.Lines[^1]);
    }

    [Theory]
    [InlineData("50%", "50000 100000")]
    [InlineData("1.5", "150000 100000")]
    [InlineData("max", "max 100000")]
    public void TheCpuDialogTakesCoresPercentagesAndMax(string typed, string cpuMax)
    {
        using var t = V2Box("30000 100000");
        using var h = Open(t, out _, Sample(F.Cg(Box, cores: 0.3, limit: 0.3, throttled: 0.5)));
        h.Key(new Key('c'));
        Assert.Contains("now        0.3 cores (quota 30000 µs per 100000 µs)", h.Screen);
        Assert.Contains("effective  0.30 cores (its own)", h.Screen);
        h.Key(Key.End);
        for (int i = 0; i < 10; i++) h.Key(Key.Backspace);
        h.Type(typed);
        h.Key(Key.Enter);
        Assert.Equal(cpuMax, t.Read(BoxDir + "cpu.max"));
    }

    [Fact]
    public void TheDialogShowsTheEffectiveLimitAndWhoSetsIt()
    {
        using var t = V2Box();
        using var h = Open(t, out _, Sample(F.Cg(Box, cores: 0.2, limit: null, mem: 10L << 20, memLimit: null) with
        {
            Effective = new EffectiveLimits(0.2, "/ctop", 64L << 20, "/ctop"),
        }));
        h.Key(new Key('c'));
        Assert.Contains("effective  0.20 cores, set by /ctop", h.Screen);
        h.Key(Key.Esc);
        h.Key(new Key('m'));
        Show(h);
        Assert.Contains("Memory limit of /ctop/box", h.Screen);
        Assert.Contains("now        max", h.Screen);
        Assert.Contains("effective  64M, set by /ctop", h.Screen);
        h.Key(Key.Esc);
    }

    [Fact]
    public void EscCancelsAndWritesNothing()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        var before = TuningFixtures.Snapshot(t.Root);
        h.Key(new Key('c'));
        h.Type("0.5");
        h.Key(Key.Esc);
        Assert.DoesNotContain("CPU limit of", h.Screen);
        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void BadTextIsExplainedAsItIsTypedAndEnterKeepsTheDialogOpen()
    {
        using var t = V2Box();
        using var h = Open(t, out _);
        var before = TuningFixtures.Snapshot(t.Root);
        h.Key(new Key('c'));
        h.Key(Key.End);
        for (int i = 0; i < 5; i++) h.Key(Key.Backspace);
        h.Type("half");
        Show(h);
        Assert.Contains("CPU limit half: not a number of CPUs", BoxText(h));
        h.Key(Key.Enter);
        Assert.Contains("CPU limit of /ctop/box", h.Screen);
        for (int i = 0; i < 4; i++) h.Key(Key.Backspace);
        h.Type("0.001"); // below the kernel's 1 ms minimum quota: the dry run refuses it already
        Show(h);
        Assert.Contains("would be refused:", BoxText(h));
        Assert.Contains("at least 1000 µs", BoxText(h));
        h.Key(Key.Enter);
        Assert.Contains("refused:", BoxText(h));
        Assert.Contains("Nothing was changed.", BoxText(h));
        h.Key(Key.Esc);
        TuningFixtures.AssertUnchanged(before, t.Root);
    }

    [Fact]
    public void WithoutRootTheRefusalSaysSoAndNothingIsWritten()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        tuner.WriteAccess = _ => 13; // EACCES, as for a user who is not root
        var before = TuningFixtures.Snapshot(t.Root);
        h.Key(new Key('c'));
        h.Key(Key.End);
        for (int i = 0; i < 5; i++) h.Key(Key.Backspace);
        h.Type("0.5");
        h.Key(Key.Enter);
        Show(h);
        Assert.Contains("refused:", BoxText(h));
        Assert.Contains("needs root", BoxText(h));
        h.Key(Key.Esc);

        h.Key(new Key('+'));
        h.Key(new Key('-'));
        Show(h);
        Assert.Contains("Refused", h.Screen);
        Assert.Contains("CPU limit −0.1 core on /ctop/box refused:", BoxText(h));
        Assert.Contains("needs root", BoxText(h));
        h.Key(Key.Enter);
        Assert.DoesNotContain("Refused", h.Screen);
        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void AWriteTheKernelRefusesOnEnterIsShownAndNothingStaysChanged()
    {
        // A CPU burst above the new quota: the writer refuses it (the kernel's EINVAL) when writing, after the dry run passed.
        using var t = V2Box();
        t.Write(BoxDir + "cpu.max.burst", "30000\n");
        using var h = Open(t, out var tuner);
        var before = TuningFixtures.Snapshot(t.Root);
        h.Key(new Key('c'));
        h.Key(Key.End);
        for (int i = 0; i < 5; i++) h.Key(Key.Backspace);
        h.Type("0.2");
        Assert.Contains("Enter writes cpu.max", BoxText(h));
        h.Key(Key.Enter);
        Show(h);
        Assert.Contains("refused:", BoxText(h));
        Assert.Contains("burst", BoxText(h));
        Assert.Contains("CPU limit of /ctop/box", h.Screen); // open, to correct the value or Esc
        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void ACgroupThatVanishedIsRefusedClearly()
    {
        using var t = V2Box();
        using var h = Open(t, out _);
        Directory.Delete(t.Path(BoxDir), recursive: true);
        h.Key(new Key('-'));
        Show(h);
        Assert.Contains("CPU limit −0.1 core on /ctop/box refused:", BoxText(h));
        Assert.Contains("no CPU controller files", BoxText(h));
        h.Key(Key.Esc);
        h.Key(new Key('p'));
        h.Type("10");
        Show(h);
        Assert.Contains("does not exist", BoxText(h));
        h.Key(Key.Esc);
    }

    [Fact]
    public void MemoryTasksWeightAndMemoryHighEachWriteTheirFile()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        void Edit(char key, string value)
        {
            h.Key(new Key(key));
            h.Key(Key.End);
            for (int i = 0; i < 12; i++) h.Key(Key.Backspace);
            h.Type(value);
            h.Key(Key.Enter);
            Show(h);
        }
        Edit('m', "256M");
        Assert.Equal("268435456", t.Read(BoxDir + "memory.max"));
        Assert.Contains("memory.max max → 268435456 (256M)", h.Lines[^1]);
        Edit('p', "100");
        Assert.Equal("100", t.Read(BoxDir + "pids.max"));
        Assert.Contains("pids.max max → 100", h.Lines[^1]);
        Edit('w', "200");
        Assert.Equal("200", t.Read(BoxDir + "cpu.weight"));
        Assert.Contains("cpu.weight 100 → 200", h.Lines[^1]);
        Edit('H', "192M");
        Assert.Equal("201326592", t.Read(BoxDir + "memory.high"));
        Assert.Equal(4, tuner.Log.Count);

        // u walks back through the box's changes, newest first.
        h.Key(new Key('u'));
        Assert.Equal("max", t.Read(BoxDir + "memory.high"));
        h.Key(new Key('u'));
        Assert.Equal("100", t.Read(BoxDir + "cpu.weight"));
    }

    [Fact]
    public void MemoryHighOnAV1HostSaysItExistsOnlyOnV2()
    {
        using var t = V1Host();
        t.AddV1Cgroup(Box);
        var before = TuningFixtures.Snapshot(t.Root);
        using var h = Open(t, out var tuner);
        h.Key(new Key('H'));
        Show(h);
        Assert.Contains("memory.high exists only on cgroup v2", BoxText(h));
        Assert.Contains("Nothing was changed.", BoxText(h));
        h.Key(Key.Esc);
        Assert.DoesNotContain("exists only on cgroup v2", h.Screen);
        TuningFixtures.AssertUnchanged(before, t.Root);
        Assert.Empty(tuner.Log);

        // The weight is cpu.shares on v1, converted by the tuner.
        h.Key(new Key('w'));
        h.Key(Key.End);
        for (int i = 0; i < 5; i++) h.Key(Key.Backspace);
        h.Type("200");
        Assert.Contains("Enter writes cpu.shares 1024 → 2048", BoxText(h));
        h.Key(Key.Enter);
        Assert.Equal("2048", t.Read("sys/fs/cgroup/cpu,cpuacct/ctop/box/cpu.shares"));
    }

    [Fact]
    public void PlusAndMinusStepTheQuotaByATenthOfACore()
    {
        using var t = V2Box("30000 100000");
        using var h = Open(t, out _, Sample(F.Cg(Box, cores: 0.3, limit: 0.3)));
        h.Key(new Key('+'));
        Assert.Equal("40000 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Contains("cpu.max 30000 100000 → 40000 100000", h.Lines[^1]);
        h.Key(new Key('-'));
        h.Key(new Key('-'));
        Assert.Equal("20000 100000", t.Read(BoxDir + "cpu.max"));
        h.Key(new Key('u'));
        Assert.Equal("30000 100000", t.Read(BoxDir + "cpu.max"));
    }

    [Fact]
    public void PlusOnAnUnlimitedCgroupSaysThereIsNothingToRaise()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        h.Key(new Key('+'));
        Assert.Contains("has no CPU limit", h.Lines[^1]);
        Assert.Equal("max 100000", t.Read(BoxDir + "cpu.max"));
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void TheChangeLogListsEachChangeBeforeAndAfter()
    {
        using var t = V2Box();
        using var h = Open(t, out _);
        h.Key(new Key('L'));
        Assert.Contains("No limits were changed in this session", h.Screen);
        h.Key(new Key('L'));
        Assert.DoesNotContain("Limit changes this session", h.Screen);

        h.Key(new Key('c'));
        h.Key(Key.End);
        for (int i = 0; i < 5; i++) h.Key(Key.Backspace);
        h.Type("0.5");
        h.Key(Key.Enter);
        h.Key(new Key('u'));
        h.Key(new Key('L'));
        Show(h);
        Assert.Contains("Limit changes this session", h.Screen);
        Assert.Matches(@"#1 \d\d:\d\d:\d\d  /ctop/box", h.Screen);
        Assert.Contains("cpu          cpu.max max 100000 → 50000 100000", h.Screen);
        Assert.Matches(@"#2 \d\d:\d\d:\d\d  /ctop/box  undo of #1", h.Screen);
        Assert.Contains("cpu          cpu.max 50000 100000 → max 100000", h.Screen);
        h.Key(Key.Esc);
        Assert.DoesNotContain("Limit changes this session", h.Screen);
    }

    [Fact]
    public void HelpListsTheTuningKeys()
    {
        using var t = V2Box();
        using var h = Open(t, out _, height: 50);
        h.Key(new Key('h'));
        Show(h);
        foreach (var key in new[] { "c ", "+ =", "- ", "m ", "H ", "p ", "w ", "u ", "L " })
            Assert.Contains(h.Lines, l => l.Contains("  " + key, StringComparison.Ordinal));
        Assert.Contains("CPU limit: cores 0.5, % of one CPU 50%, or max", h.Screen);
        Assert.Contains("undo the last limit change on the selected cgroup", h.Screen);
        Assert.Contains("the limit changes made in this session", h.Screen);
    }

    [Fact]
    public void ATuningKeyInTheProcessTableSaysWhereItWorks()
    {
        using var t = V2Box();
        using var h = Open(t, out var tuner);
        h.Key(Key.Tab);
        h.Key(new Key('c'));
        Assert.Contains("c acts on the selected cgroup: Tab to the cgroup table", h.Lines[^1]);
        Assert.Empty(tuner.Log);
    }

    [Fact]
    public void WithoutATunerTheKeysSaySo()
    {
        using var h = new Harness(120, 30);
        h.Feed(Sample());
        h.Key(new Key('c'));
        Assert.Contains("not available", BoxText(h));
        h.Key(Key.Esc);
        h.Key(new Key('L'));
        Assert.Contains("No limits were changed", h.Screen);
    }
}
