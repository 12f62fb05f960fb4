using Ctop.Model;

namespace Ctop.Pipeline;

/// <summary>What to sample (<see cref="SamplerOptions"/>: roots, which parts) and how often.</summary>
public sealed record SamplingOptions : SamplerOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How far apart the two samples of the first frame are, when shorter than <see cref="Interval"/>: a top shows its
    /// first screen at once (top does the same), and later frames keep the interval's grid. Null: a whole interval.
    /// </summary>
    public TimeSpan? FirstInterval { get; init; } = TimeSpan.FromSeconds(0.1);
    /// <summary>Where to ask container runtimes for names, images and labels; null: containers are named from their cgroup paths.</summary>
    public Containers.RuntimeOptions? Runtimes { get; init; }
}
