using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Ctop.Containers;
using Ctop.Model;

namespace Ctop.Pipeline;

/// <summary>The live stream of frames: a sampler on its own background thread, ticks, pairs of samples into frames.</summary>
public static class FrameSource
{
    /// <summary>
    /// Each subscription gets its own sampler (its readers reuse buffers, so it stays on one thread) on a dedicated
    /// background thread, unless a scheduler is given (tests). The optional history is fed on that thread.
    /// </summary>
    public static IObservable<Frame> Create(SamplingOptions options, IScheduler? scheduler = null, History? history = null, DroppedTicks? dropped = null) =>
        scheduler is not null
            ? Frames(options, scheduler, history, dropped)
            : Observable.Using(
                () => new EventLoopScheduler(start => new Thread(start) { IsBackground = true, Name = "ctop-sampler" }),
                loop => Frames(options, loop, history, dropped));

    private static IObservable<Frame> Frames(SamplingOptions options, IScheduler scheduler, History? history, DroppedTicks? dropped) =>
        // Made and disposed on the scheduler (SubscribeOn does both there), so its held files are never closed under a read.
        Observable.Using(() => new Sampler(options), sampler =>
        {
            var built = SamplingPipeline.Ticks(sampler.Take, options.Interval, scheduler, dropped, options.FirstInterval, HeapTrim.Create()).Pairwise(FrameBuilder.Build);
            // Runtime names are looked up in the background and applied from the latest snapshot: a slow or absent
            // socket never delays a frame.
            var frames = options.Runtimes is { } runtimes
                ? Observable.Using(() => new ContainerCatalog(runtimes).Start(), catalog => built.Select(catalog.Annotate))
                : built;
            return history is null ? frames : frames.Do(history.Add);
        }).SubscribeOn(scheduler);
}
