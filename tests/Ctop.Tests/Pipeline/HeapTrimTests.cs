using System.Globalization;
using Ctop.Pipeline;
using Microsoft.Reactive.Testing;

namespace Ctop.Tests.Pipeline;

public class HeapTrimTests
{
    [Fact]
    public void CollectsEveryNSamplesButNotInTheFirstFrame()
    {
        var done = new List<string>();
        var trim = new HeapTrim(collectEvery: 2, () => done.Add("gc"));
        for (int i = 1; i <= 7; i++)
        {
            done.Add(i.ToString(CultureInfo.InvariantCulture));
            trim.AfterSample();
        }
        // No collection in the first frame's two samples.
        Assert.Equal(["1", "2", "3", "4", "gc", "5", "6", "gc", "7"], done);
    }

    [Fact]
    public void ADueCollectionWaitsForEnoughAllocation()
    {
        var done = new List<string>();
        long allocated = 0;
        var trim = new HeapTrim(collectEvery: 2, () => done.Add("gc"), minAllocated: 100, allocated: () => allocated);
        // 30 bytes a sample: due at samples 4, 6, 8, 10, 12; 100 bytes since the last collection first at sample 4
        // (120), then at 8 (240), then at 12 (360).
        for (int i = 1; i <= 12; i++)
        {
            allocated += 30;
            done.Add(i.ToString(CultureInfo.InvariantCulture));
            trim.AfterSample();
        }
        Assert.Equal(["1", "2", "3", "4", "gc", "5", "6", "7", "8", "gc", "9", "10", "11", "12", "gc"], done);
    }

    [Fact]
    public void TicksTrimAfterTheSubscriberHasTheSample()
    {
        var sched = new TestScheduler();
        var done = new List<string>();
        int n = 0;
        var trim = new HeapTrim(collectEvery: 1, () => done.Add("trim"));
        using var sub = SamplingPipeline.Ticks(() => ++n, TimeSpan.FromSeconds(1), sched, trim: trim)
            .Subscribe(s => done.Add("sample " + s));
        sched.AdvanceTo(3 * TimeSpan.TicksPerSecond + 1);
        Assert.Equal(["sample 1", "sample 2", "sample 3", "trim", "sample 4", "trim"], done);
    }
}
