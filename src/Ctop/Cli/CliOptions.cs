using Ctop.Output;
using Ctop.Pipeline;

namespace Ctop.Cli;

/// <summary>The command line, bound: what to sample, what to print, and whether -b was given.</summary>
public sealed record CliOptions(SamplingOptions Sampling, BatchOptions Batch, bool BatchFlag)
{
    /// <summary>Said on stderr before running (an unusable DOCKER_HOST, say); none stops ctop.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>--from: recorded frames to print instead of sampling.</summary>
    public Store.RecordedRange? From { get; init; }
}
