namespace Ctop.Output;

/// <summary>What batch mode prints, beyond what is sampled (that is <see cref="Ctop.Pipeline.SamplingOptions"/>).</summary>
public sealed record BatchOptions
{
    /// <summary>Frames to print before exiting; null prints until interrupted (top's -n).</summary>
    public int? Iterations { get; init; }

    /// <summary>One JSON object per line instead of tables.</summary>
    public bool Json { get; init; }

    public FrameFilter Filter { get; init; } = FrameFilter.None;
}
