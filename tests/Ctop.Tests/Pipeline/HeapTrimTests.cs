using System.Globalization;
using Ctop.Pipeline;
using Microsoft.Reactive.Testing;

namespace Ctop.Tests.Pipeline;

public class HeapTrimTests
{
    [Fact]
    public void CollectsAndTrimsCodeOnTheirOwnCounts()
    {
        var done = new List<string>();
        var trim = new HeapTrim(collectEvery: 2, codeEvery: 5, firstCode: 3, () => done.Add("gc"), () => done.Add("code"));
        for (int i = 1; i <= 10; i++)
        {
            done.Add(i.ToString(CultureInfo.InvariantCulture));
            trim.AfterSample();
        }
        // No collection in the first frame's two samples.
        Assert.Equal(["1", "2", "3", "code", "4", "gc", "5", "code", "6", "gc", "7", "8", "gc", "9", "10", "gc", "code"], done);
    }

    [Fact]
    public void TicksTrimAfterTheSubscriberHasTheSample()
    {
        var sched = new TestScheduler();
        var done = new List<string>();
        int n = 0;
        var trim = new HeapTrim(collectEvery: 1, codeEvery: 0, firstCode: 0, () => done.Add("trim"), () => { });
        using var sub = SamplingPipeline.Ticks(() => ++n, TimeSpan.FromSeconds(1), sched, trim: trim)
            .Subscribe(s => done.Add("sample " + s));
        sched.AdvanceTo(3 * TimeSpan.TicksPerSecond + 1);
        Assert.Equal(["sample 1", "sample 2", "sample 3", "trim", "sample 4", "trim"], done);
    }

    [Fact]
    public void TheSegmentsDroppedAreNeverWritableAndTheCodeStillRunsAfterwards()
    {
        var segments = HeapTrim.ReadOnlySegments();
        Assert.NotEmpty(segments);
        var maps = File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Start: Convert.ToUInt64(f[0].Split('-')[0], 16), End: Convert.ToUInt64(f[0].Split('-')[1], 16), Perms: f[1]))
            .ToList();
        long page = Environment.SystemPageSize;
        foreach (var (start, length) in segments)
        {
            Assert.Equal(0, (long)start % page);
            Assert.Equal(0, (long)length % page);
            // Every page of the range is mapped, and by read-only mappings only (never the RELRO or data pages).
            ulong at = (ulong)start, end = (ulong)start + (ulong)length;
            while (at < end)
            {
                var m = maps.Single(m => m.Start <= at && at < m.End);
                Assert.DoesNotContain('w', m.Perms);
                at = m.End;
            }
        }
        HeapTrim.TrimCode();
        // The dropped pages fault back in from the file: the same headers read the same after the trim.
        Assert.Equal(segments, HeapTrim.ReadOnlySegments());
    }
}
