using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Ctop.Model;

namespace Ctop.Pipeline;

/// <summary>Builds the live stream of frames for a set of options. (The sampler lands with the sampling model.)</summary>
public static class FrameSource
{
    public static IObservable<Frame> Create(SamplingOptions options, IScheduler? scheduler = null) =>
        Observable.Throw<Frame>(new NotImplementedException("sampling is not wired yet"));
}
