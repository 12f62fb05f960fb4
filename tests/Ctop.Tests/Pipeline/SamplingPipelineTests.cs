using System.Reactive.Linq;
using Ctop.Model;
using Ctop.Pipeline;
using Microsoft.Reactive.Testing;

namespace Ctop.Tests.Pipeline;

public class SamplingPipelineTests
{
    private static readonly long Second = TimeSpan.TicksPerSecond;

    // TestScheduler runs work due "now" one tick later, so the first sample lands at tick 1: compare in whole seconds.
    private static IEnumerable<double> Seconds(IEnumerable<long> ticks) => ticks.Select(t => Math.Round(t / (double)Second, 3));

    [Fact]
    public void SamplesAtOnceThenOnEveryInterval()
    {
        var sched = new TestScheduler();
        var times = new List<long>();
        using var sub = SamplingPipeline.Ticks(() => sched.Clock, TimeSpan.FromSeconds(1), sched).Subscribe(times.Add);
        sched.AdvanceTo(5 * Second + 1);
        Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, Seconds(times));
    }

    [Fact]
    public void ASlowSampleDropsTheTicksItOverranInsteadOfQueueingThem()
    {
        var sched = new TestScheduler();
        var times = new List<long>();
        var dropped = new DroppedTicks();
        int n = 0;
        using var sub = SamplingPipeline.Ticks(() =>
        {
            var t = sched.Clock;
            // The third sample takes 2.5 intervals.
            if (n++ == 2) sched.Sleep(TimeSpan.FromSeconds(2.5).Ticks);
            return t;
        }, TimeSpan.FromSeconds(1), sched, dropped).Subscribe(times.Add);
        sched.AdvanceTo(8 * Second + 1);
        // 0,1,2 then the sample at 2 ends at 4.5: ticks 3 and 4 are dropped, the grid resumes at 5.
        Assert.Equal(new double[] { 0, 1, 2, 5, 6, 7, 8 }, Seconds(times));
        Assert.Equal(2, dropped.Count);
    }

    [Fact]
    public void AFirstIntervalAddsOneSampleSoonAfterTheFirstAndKeepsTheGrid()
    {
        var sched = new TestScheduler();
        var times = new List<long>();
        using var sub = SamplingPipeline.Ticks(() => sched.Clock, TimeSpan.FromSeconds(1), sched, first: TimeSpan.FromSeconds(0.1))
            .Subscribe(times.Add);
        sched.AdvanceTo(3 * Second + 1);
        Assert.Equal(new double[] { 0, 0.1, 1, 2, 3 }, Seconds(times));
    }

    [Fact]
    public void AFirstSampleSlowerThanTheFirstIntervalIsFollowedAtOnce()
    {
        var sched = new TestScheduler();
        var times = new List<long>();
        int n = 0;
        using var sub = SamplingPipeline.Ticks(() =>
        {
            var t = sched.Clock;
            if (n++ == 0) sched.Sleep(TimeSpan.FromSeconds(0.3).Ticks); // a cold first sample
            return t;
        }, TimeSpan.FromSeconds(1), sched, first: TimeSpan.FromSeconds(0.1)).Subscribe(times.Add);
        sched.AdvanceTo(2 * Second + 1);
        Assert.Equal(new double[] { 0, 0.3, 1, 2 }, Seconds(times));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(0.0)]
    public void AFirstIntervalNotShorterThanTheIntervalChangesNothing(double first)
    {
        var sched = new TestScheduler();
        var times = new List<long>();
        using var sub = SamplingPipeline.Ticks(() => sched.Clock, TimeSpan.FromSeconds(1), sched, first: TimeSpan.FromSeconds(first))
            .Subscribe(times.Add);
        sched.AdvanceTo(2 * Second + 1);
        Assert.Equal(new double[] { 0, 1, 2 }, Seconds(times));
    }

    [Fact]
    public void DisposingStopsSampling()
    {
        var sched = new TestScheduler();
        int calls = 0;
        var sub = SamplingPipeline.Ticks(() => ++calls, TimeSpan.FromSeconds(1), sched).Subscribe(_ => { });
        sched.AdvanceTo(2 * Second);
        sub.Dispose();
        sched.AdvanceTo(10 * Second);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void ASamplerExceptionEndsTheStreamWithThatError()
    {
        var sched = new TestScheduler();
        Exception? error = null;
        using var sub = SamplingPipeline.Ticks<int>(() => throw new InvalidOperationException("boom"), TimeSpan.FromSeconds(1), sched)
            .Subscribe(_ => { }, e => error = e);
        sched.AdvanceTo(1);
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public void PairwiseEmitsADeltaPerSampleAfterTheFirst()
    {
        var sched = new TestScheduler();
        var deltas = new List<long>();
        using var sub = SamplingPipeline.Ticks(() => new Box(sched.Clock), TimeSpan.FromSeconds(1), sched)
            .Pairwise((a, b) => b.Value - a.Value)
            .Subscribe(deltas.Add);
        sched.AdvanceTo(3 * Second);
        Assert.Equal(new double[] { 1, 1, 1 }, Seconds(deltas));
    }

    [Fact]
    public void RejectsANonPositiveInterval() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SamplingPipeline.Ticks(() => 1, TimeSpan.Zero, new TestScheduler()));

    private sealed record Box(long Value);
}

public class HistoryTests
{
    private static Frame FrameWith(int second, params string[] cgroups) => new(
        DateTimeOffset.UnixEpoch.AddSeconds(second), 1, new Scope(ScopeKind.Host, 2, 1 << 30),
        cgroups.Select(p => new CgroupView(p, p, null,
            new CpuView(0.5, 1, 50, 0.1, 0, null, null, null, null),
            new MemoryView(100, 90, 1000, 10, null, 0), new PidsView(1, null),
            new EffectiveLimits(null, null, null, null), null, null)).ToList(),
        []);

    [Fact]
    public void KeepsTheLastCapacityPointsPerCgroup()
    {
        var h = new History(capacity: 5);
        for (int i = 0; i < 12; i++) h.Add(FrameWith(i, "/a"));
        var pts = h.OfCgroup("/a");
        Assert.Equal(5, pts.Count);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(7), pts[0].Time);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(11), pts[^1].Time);
        Assert.Equal(0.5, pts[^1].Cores);
        Assert.Equal(1, pts[^1].LimitCores);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(300)]
    [InlineData(1000)]
    public void KeepsTheLastPointsInOrderAsTheRingGrows(int added)
    {
        var h = new History(capacity: 300);
        for (int i = 0; i < added; i++) h.Add(FrameWith(i, "/a"));
        var pts = h.OfCgroup("/a");
        Assert.Equal(Math.Min(added, 300), pts.Count);
        Assert.Equal(Enumerable.Range(Math.Max(0, added - 300), pts.Count).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i)), pts.Select(p => p.Time));
    }

    [Fact]
    public void AKeySeenOnceCostsAFewPointsNotAWholeHistory()
    {
        // The dashboard under churn: every frame brings cgroups and processes that are never seen again, and each is
        // kept for a whole history length. A full 300-point ring each cost 29 KB per key, about 300 MB in 5 minutes.
        var h = new History(capacity: 300);
        h.Add(FrameWith(0, "/warm"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int keys = 2000;
        for (int i = 0; i < keys; i++) h.Add(FrameWith(i + 1, $"/churn-{i}"));
        long perKey = (GC.GetAllocatedBytesForCurrentThread() - before) / keys;
        Assert.True(perKey < 2048, $"{perKey} bytes allocated per short-lived key");
        Assert.True(h.CgroupCount <= 300 + 16, $"kept {h.CgroupCount}");
    }

    [Fact]
    public void KeepsThePointsInOrderWhileItsRingGrowsAndAfter()
    {
        var h = new History(capacity: 40);
        for (int i = 0; i < 35; i++) h.Add(FrameWith(i, "/a"));
        Assert.Equal(Enumerable.Range(0, 35).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i)), h.OfCgroup("/a").Select(p => p.Time));
        for (int i = 35; i < 90; i++) h.Add(FrameWith(i, "/a"));
        Assert.Equal(Enumerable.Range(50, 40).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i)), h.OfCgroup("/a").Select(p => p.Time));
    }

    [Fact]
    public void UnknownValuesStayUnknownAndTheTimeKeepsItsOffset()
    {
        var h = new History(capacity: 3);
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.FromHours(2));
        h.Add(new Frame(at, 1, new Scope(ScopeKind.Host, 2, 1 << 30),
        [
            new CgroupView("/u", "/u", null, new CpuView(null, null, null, null, null, null, null, null, null),
                new MemoryView(null, null, null, null, null, null), new PidsView(null, null), new EffectiveLimits(null, null, null, null), null, null),
        ], []));
        Assert.Equal(new HistoryPoint(at, null, null, null, null, null), Assert.Single(h.OfCgroup("/u")));
        Assert.Equal(TimeSpan.FromHours(2), h.OfCgroup("/u")[0].Time.Offset);
    }

    [Fact]
    public void ForgetsCgroupsThatVanishedSoChurnCannotGrowIt()
    {
        var h = new History(capacity: 10);
        for (int i = 0; i < 200; i++) h.Add(FrameWith(i, "/stay", $"/churn-{i}"));
        Assert.True(h.CgroupCount <= 1 + 10 + 16, $"kept {h.CgroupCount}");
        Assert.Equal(10, h.OfCgroup("/stay").Count);
        Assert.Empty(h.OfCgroup("/churn-0"));
    }
}
