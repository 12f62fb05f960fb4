using Ctop.Model;
using Ctop.Ui;

namespace Ctop.Tests.Ui;

public class TextEscapeTests
{
    [Fact]
    public void PlainTextIsReturnedAsIs() => Assert.Same("nginx: worker process", TextEscape.Escape("nginx: worker process"));

    [Theory]
    [InlineData("evil\x1b[2J", "evil\\x1b[2J")]
    [InlineData("a\nb\tc\r", "a\\nb\\tc\\r")]
    [InlineData("bell\x07", "bell\\x07")]
    [InlineData("del\x7f", "del\\x7f")]
    [InlineData("c1\u009b31m", "c1\\x9b31m")]
    [InlineData("bidi\u202Etxt.exe", "bidi\\u202etxt.exe")]
    [InlineData("zw\u200Dj", "zw\\u200dj")]
    [InlineData("ünïcödé 名前", "ünïcödé 名前")]
    public void ControlAndFormatCharactersBecomeVisible(string raw, string shown) => Assert.Equal(shown, TextEscape.Escape(raw));

    [Fact]
    public void NullIsEmpty() => Assert.Equal("", TextEscape.Escape(null));
}

public class FmtTests
{
    [Theory]
    [InlineData(0L, "0B")]
    [InlineData(1023L, "1023B")]
    [InlineData(1536L, "1.5K")]
    [InlineData(256L << 20, "256M")]
    [InlineData(8L << 30, "8G")]
    public void Bytes(long b, string s) => Assert.Equal(s, Units.Bytes(b));

    [Fact]
    public void UnknownIsADash()
    {
        Assert.Equal("-", Units.Bytes(null));
        Assert.Equal("-", Units.Cores(null));
        Assert.Equal("-", Units.Percent(null));
    }

    [Theory]
    [InlineData(0.0, "0:00.00")]
    [InlineData(83.456, "1:23.45")]
    [InlineData(7503.0, "2h05:03")]
    public void CpuTimeIsHtopsTimePlus(double s, string text) => Assert.Equal(text, Fmt.CpuTime(s));

    [Theory]
    [InlineData(0.0, "     ")]
    [InlineData(0.5, "|    ")]
    [InlineData(50.0, "|||  ")]
    [InlineData(100.0, "|||||")]
    [InlineData(250.0, "|||||")]
    public void BarIsClampedAndAnyUseIsVisible(double p, string bar) => Assert.Equal(bar, Fmt.Bar(p, 5));

    [Fact]
    public void UptimeReadsLikeTop()
    {
        Assert.Equal("04:12", Fmt.Uptime(4 * 3600 + 12 * 60 + 5));
        Assert.Equal("3 days, 00:01", Fmt.Uptime(3 * 86400 + 60));
    }

    [Fact]
    public void FitMarksTheCut() => Assert.Equal("abc…", Fmt.Fit("abcdefgh", 4));
}

public class AttentionTests
{
    [Fact]
    public void ThrottlingMemoryNearTheLimitAndOomKillsNeedAttention()
    {
        Assert.Equal(Attention.None, F.Cg("/a", cores: 0.1, limit: 1, throttled: 0, mem: 10, memLimit: 100, oom: 0).Attention);
        Assert.Equal(Attention.Throttled, F.Cg("/a", throttled: 0.01).Attention);
        Assert.Equal(Attention.None, F.Cg("/a", throttled: 0.009).Attention);
        Assert.Equal(Attention.MemoryNearLimit, F.Cg("/a", mem: 90, memLimit: 100).Attention);
        Assert.Equal(Attention.None, F.Cg("/a", mem: 89, memLimit: 100).Attention);
        Assert.Equal(Attention.OomKilled, F.Cg("/a", oom: 1).Attention);
        Assert.Equal("TMK", AttentionText.Marker(F.Cg("/a", throttled: 0.5, mem: 99, memLimit: 100, oom: 3).Attention));
    }

    [Fact]
    public void MemoryIsMeasuredAgainstTheEffectiveLimitSetByAnAncestor()
    {
        // No limit of its own, but its parent's 100-byte limit binds.
        var c = F.Cg("/p/c", mem: 95) with { Effective = new EffectiveLimits(null, null, 100, "/p") };
        Assert.Equal(95, c.MemoryPercentOfEffectiveLimit);
        Assert.True(c.Attention.HasFlag(Attention.MemoryNearLimit));
    }

    [Fact]
    public void WorkingSetRatherThanPageCacheIsTheMemory()
    {
        var c = F.Cg("/a", mem: 100, memLimit: 100) with { Memory = new MemoryView(100, 40, 100, 100, null, null) };
        Assert.Equal(40, c.MemoryPercentOfEffectiveLimit);
        Assert.Equal(Attention.None, c.Attention);
    }
}

public class CgroupTableModelTests
{
    private static CgroupTableModel Model(params CgroupView[] cgroups)
    {
        var m = new CgroupTableModel();
        m.Update(cgroups);
        return m;
    }

    private static string[] Paths(CgroupTableModel m) => m.Rows.Select(r => r.View.Path).ToArray();

    [Fact]
    public void DefaultSortIsPercentOfCpuLimitDescendingWithUnknownsLast()
    {
        var m = Model(F.Cg("/none", cores: 5), F.Cg("/low", cores: 0.1, limit: 1), F.Cg("/high", cores: 0.9, limit: 1));
        Assert.Equal(["/high", "/low", "/none"], Paths(m));
        m.SortBy(CgroupTableModel.CpuPercentColumn); // again: ascending, unknowns still last
        Assert.Equal(["/low", "/high", "/none"], Paths(m));
    }

    [Fact]
    public void CyclingMovesToTheNextColumnInItsNaturalDirection()
    {
        var m = Model(F.Cg("/b", pids: 1), F.Cg("/a", pids: 9));
        m.CycleSort(-1); // from CPU% back to CORES/LIM, biggest first
        Assert.Equal(CgroupTableModel.CoresColumn, m.SortColumn);
        Assert.True(m.Descending);
        m.SetSort(CgroupTableModel.NameColumn);
        Assert.False(m.Descending);
        Assert.Equal(["/a", "/b"], Paths(m));
        m.CycleSort(+1); // wraps to the marker column
        Assert.Equal(CgroupTableModel.MarkerColumn, m.SortColumn);
        Assert.Contains("!▼", m.Headers());
    }

    [Fact]
    public void TreeNestsByPathAcrossGapsAndSortsSiblings()
    {
        var m = Model(F.Cg("/", cores: 2), F.Cg("/a", cores: 0.1), F.Cg("/b", cores: 0.5), F.Cg("/b/x/deep", cores: 0.4), F.Cg("/b/y", cores: 0.01));
        m.SetSort(CgroupTableModel.CoresColumn);
        m.Tree = true;
        Assert.Equal(["/", "/b", "/b/x/deep", "/b/y", "/a"], Paths(m));
        Assert.Equal(["/", "├─ b", "│  ├─ deep", "│  └─ y", "└─ a"], m.Rows.Select(r => r.Label).ToArray());
        m.Tree = false;
        Assert.Equal("/b/x/deep", m.Rows.Single(r => r.View.Path == "/b/x/deep").Label);
    }

    [Fact]
    public void NamesAndPathsAreEscaped()
    {
        var m = Model(F.Cg("/evil\x1b[2J"));
        Assert.Equal("/evil\\x1b[2J", m.Cell(0, CgroupTableModel.NameColumn));
    }

    [Fact]
    public void CellsShowUseAgainstTheLimit()
    {
        var m = Model(F.Cg("/q", cores: 0.3, limit: 0.3, throttled: 0.9, mem: 128L << 20, memLimit: 256L << 20, pids: 3));
        Assert.Equal("0.30/0.30", m.Cell(0, CgroupTableModel.CoresColumn));
        Assert.Equal("100% |||||", m.Cell(0, CgroupTableModel.CpuPercentColumn));
        Assert.Equal("90%", m.Cell(0, CgroupTableModel.ThrottledColumn));
        Assert.Equal("128M/256M", m.Cell(0, CgroupTableModel.MemoryColumn));
        Assert.Equal("50%", m.Cell(0, CgroupTableModel.MemoryPercentColumn));
        Assert.Equal("T", m.Cell(0, CgroupTableModel.MarkerColumn));
    }
}

public class ProcessTableModelTests
{
    private static readonly ProcessView[] Procs =
    [
        F.P(1, "init", "/", cpu: 0.1, rss: 10, ppid: 0, seconds: 500, capacity: 1000),
        F.P(10, "nginx: master", "/web", cpu: 2, rss: 300, ppid: 1, seconds: 5, capacity: 1000),
        F.P(11, "nginx: worker", "/web/w", cpu: 9, rss: 200, ppid: 10, seconds: 50, capacity: 1000),
        F.P(20, "webhook", "/webhook", cpu: 5, rss: 100, ppid: 1, seconds: 1, capacity: 1000),
    ];

    private static ProcessTableModel Model()
    {
        var m = new ProcessTableModel();
        m.Update(Procs);
        return m;
    }

    private static int[] Pids(ProcessTableModel m) => m.Rows.Select(r => r.View.Pid).ToArray();

    [Fact]
    public void SortsByCpuMemoryAndTime()
    {
        var m = Model();
        Assert.Equal([11, 20, 10, 1], Pids(m));
        m.SetSort(ProcessTableModel.MemColumn);
        Assert.Equal([10, 11, 20, 1], Pids(m));
        Assert.Equal("30.0", m.Cell(0, ProcessTableModel.MemColumn)); // 300 of 1000 bytes
        m.SetSort(ProcessTableModel.TimeColumn);
        Assert.Equal([1, 11, 10, 20], Pids(m));
        m.SetSort(ProcessTableModel.TimeColumn); // P/M/T keep the direction, as in htop
        Assert.True(m.Descending);
    }

    [Fact]
    public void ACgroupIncludesItsDescendantsButNotItsNamesakes()
    {
        var m = Model();
        m.Cgroup = "/web";
        Assert.Equal([11, 10], Pids(m));
        m.Cgroup = null;
        Assert.Equal(4, m.Rows.Count);
    }

    [Fact]
    public void FilterKeepsMatchingCommandsAndSearchWraps()
    {
        var m = Model();
        m.Filter = "NGINX";
        Assert.Equal([11, 10], Pids(m));
        m.Filter = "";
        Assert.Equal(2, m.FindNext("nginx", 0)); // from row 0 (11): next is row 2 (10)
        Assert.Equal(0, m.FindNext("nginx", 2)); // wraps
        Assert.Equal(1, m.FindNext("20", 0)); // a PID matches too
        Assert.Equal(-1, m.FindNext("absent", 0));
    }

    [Fact]
    public void TreeFollowsParentPids()
    {
        var m = Model();
        m.SetSort(ProcessTableModel.PidColumn);
        m.Tree = true;
        Assert.Equal([1, 10, 11, 20], Pids(m));
        Assert.Equal(["init", "├─ nginx: master", "│  └─ nginx: worker", "└─ webhook"], m.Rows.Select(r => r.Command).ToArray());
    }

    [Fact]
    public void ATreeWithACycleStillShowsEveryProcess()
    {
        var m = new ProcessTableModel { Tree = true };
        m.Update([F.P(5, "a", ppid: 6), F.P(6, "b", ppid: 5), F.P(7, "c", ppid: 999)]);
        Assert.Equal([5, 6, 7], Pids(m).Order().ToArray());
    }

    [Fact]
    public void CommandsAreEscaped()
    {
        var m = new ProcessTableModel();
        m.Update([F.P(5, "x\x1b]0;pwned\x07")]);
        Assert.Equal("x\\x1b]0;pwned\\x07", m.Cell(0, ProcessTableModel.CommandColumn));
    }
}

public class HeaderAndDetailTests
{
    [Fact]
    public void HostUseComesFromProcStatAndMemAvailable()
    {
        var f = F.Frame([F.Cg("/", cores: 1.9, mem: 7L << 30)], []);
        var (cores, mem, _, _) = ScopeUse.Of(f);
        Assert.Equal(1.0, cores!.Value); // HostView.BusyCores, not the root cgroup's 1.9
        Assert.Equal(2L << 30, mem!.Value); // 8G total − 6G available
        var lines = HeaderModel.Lines(f, TimeSpan.FromSeconds(2), 100);
        Assert.Contains("load 0.50 0.40 0.30", lines[0]);
        Assert.Contains("up 3 days, 04:12", lines[0]);
        Assert.Contains("every 2.0s", lines[0]);
        Assert.Contains("1.00/2.00", lines[1]);
        Assert.Contains("2G/8G", lines[1]);
    }

    [Fact]
    public void InAContainerUseIsTheContainersOwnCgroup()
    {
        var f = F.Frame([F.Cg("/", cores: 1.9, mem: 7L << 30), F.Cg("/docker/box", cores: 0.25, mem: 100L << 20)], []) with
        {
            Scope = new Scope(ScopeKind.Container, 0.5, 256L << 20, "box", "/docker/box"),
        };
        Assert.Equal(((double?)0.25, (long?)(100L << 20)), (ScopeUse.Of(f).Cores, ScopeUse.Of(f).MemoryBytes));
        Assert.Contains("container box", HeaderModel.Lines(f, TimeSpan.FromSeconds(1), 120)[0]);
    }

    [Fact]
    public void HeaderFitsANarrowTerminal()
    {
        foreach (var line in HeaderModel.Lines(F.Frame([], []), TimeSpan.FromSeconds(1), 20)) Assert.True(line.Length <= 20, line);
    }

    [Fact]
    public void SparklinesScaleAgainstTheCeiling()
    {
        Assert.Equal("▁▅█ █", Sparkline.Render([0.0, 0.5, 1.0, null, 2.0], 1.0, 10));
        Assert.Equal("▁█", Sparkline.Render([0.0, 4.0], null, 10)); // no ceiling: the series' own maximum
        Assert.Equal("█", Sparkline.Render([0.0, 4.0], null, 1)); // newest kept
    }

    [Fact]
    public void DetailNamesTheAncestorThatSetsEachLimit()
    {
        var c = F.Cg("/p/c", cores: 0.2, limit: 0.5, mem: 50L << 20, memLimit: 100L << 20, memSetBy: "/p");
        var history = Enumerable.Range(0, 5).Select(i => new HistoryPoint(DateTimeOffset.UnixEpoch, 0.1 * i, 0.5, 10L << 20, 100L << 20, 0.0)).ToList();
        var text = string.Join("\n", DetailModel.Lines(c, history, 120));
        Assert.Contains("limit 0.50 (own)", text);
        Assert.Contains("limit 100M (set by /p)", text);
        Assert.Contains("history (5 samples", text);
        Assert.Matches("CPU +▁▂▄▅▇ 0.40/0.50 cores", text);
    }
}

public class HostViewTests
{
    private static Sample At(double seconds, ulong user, ulong idle, double load) => new()
    {
        Timestamp = (long)(seconds * System.Diagnostics.Stopwatch.Frequency),
        Time = DateTimeOffset.UnixEpoch.AddSeconds(seconds),
        Host = new HostSample(new ProcFs.Proc.CpuTimes(user, 0, 0, idle, 0, 0, 0, 0, 0, 0), 2, 8UL << 30, 6UL << 30,
            new ProcFs.Proc.LoadAvg(load, 0.2, 0.1, 1, 100, 1), new ProcFs.Proc.Uptime(1000 + seconds, 0)),
        Scope = new Scope(ScopeKind.Host, 2, 8L << 30),
        Processes = new Dictionary<int, ProcessSample>(),
        Cgroups = new Dictionary<string, ProcFs.Cgroups.CgroupStats>(),
    };

    [Fact]
    public void FramesCarryLoadUptimeMemoryAndHostBusyCores()
    {
        // 150 busy and 50 idle ticks over the interval on 2 CPUs: 1.5 cores.
        var f = FrameBuilder.Build(At(0, 1000, 1000, 0.5), At(1, 1150, 1050, 0.7));
        var h = Assert.IsType<HostView>(f.Host);
        Assert.Equal(1.5, h.BusyCores!.Value, 6);
        Assert.Equal(0.7, h.Load1);
        Assert.Equal(1001, h.UptimeSeconds);
        Assert.Equal(8L << 30, h.MemTotalBytes);
        Assert.Equal(6L << 30, h.MemAvailableBytes);
    }
}
