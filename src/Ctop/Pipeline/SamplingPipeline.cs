using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace Ctop.Pipeline;

/// <summary>The reactive pieces of sampling: a tick source that never queues late ticks, and pairing samples into deltas.</summary>
public static class SamplingPipeline
{
    /// <summary>
    /// Takes a sample at once and then every <paramref name="interval"/> on <paramref name="scheduler"/>. Ticks stay on the
    /// grid start + k·interval; when a sample overruns, the ticks it overran are dropped (counted in
    /// <paramref name="dropped"/>), never queued, so a slow /proc cannot build a backlog. With <paramref name="first"/>
    /// shorter than the interval, one more sample is taken at start + first, so the first pair (the first frame) does
    /// not wait a whole interval; the grid stays where it was. <paramref name="trim"/> runs after each sample's
    /// subscribers returned (the frame written, the record appended), before the wait for the next tick.
    /// </summary>
    public static IObservable<TSample> Ticks<TSample>(Func<TSample> sample, TimeSpan interval, IScheduler scheduler, DroppedTicks? dropped = null,
        TimeSpan? first = null, HeapTrim? trim = null)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "the interval must be positive");
        return Observable.Create<TSample>(observer =>
        {
            var start = scheduler.Now;
            long k = 0;
            bool priming = first is { } f && f > TimeSpan.Zero && f < interval;
            // Relative due times only: absolute ones go to Rx's long-term queue, which re-schedules on system clock
            // changes and so can fire onto a scheduler already disposed with the subscription.
            return scheduler.Schedule(TimeSpan.Zero, (Action<TimeSpan> self) =>
            {
                TSample s;
                try { s = sample(); }
                catch (Exception e) { observer.OnError(e); return; }
                observer.OnNext(s);
                trim?.AfterSample();
                if (priming)
                {
                    priming = false;
                    var soon = start + first!.Value - scheduler.Now;
                    self(soon > TimeSpan.Zero ? soon : TimeSpan.Zero);
                    return;
                }
                long next = k + 1;
                long due = (long)Math.Floor((scheduler.Now - start).Ticks / (double)interval.Ticks) + 1;
                if (due > next) { dropped?.Add(due - next); next = due; }
                k = next;
                var wait = start + TimeSpan.FromTicks(interval.Ticks * k) - scheduler.Now;
                self(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            });
        });
    }

    /// <summary>Pairs each sample with the one before it; the first sample only primes the pair.</summary>
    public static IObservable<TFrame> Pairwise<TSample, TFrame>(this IObservable<TSample> samples, Func<TSample, TSample, TFrame> delta) where TSample : class =>
        samples
            .Scan((prev: (TSample?)null, cur: (TSample?)null), (acc, s) => (acc.cur, s))
            .Where(p => p.prev is not null)
            .Select(p => delta(p.prev!, p.cur!));
}

/// <summary>A thread-safe count of ticks dropped because sampling was slower than the interval.</summary>
public sealed class DroppedTicks
{
    private long _count;
    public long Count => Interlocked.Read(ref _count);
    internal void Add(long n) => Interlocked.Add(ref _count, n);
}
