using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace Ctop.Tests.Reliability;

/// <summary>
/// ctop's outside inputs other than the kernel's files (<see cref="FuzzInputs"/>), fuzzed from a fixed, printed seed:
/// each parser returns its value or its documented refusal, with a message naming the input, and never a crash or a
/// half-applied change. The figures go to TestResults/fuzz-inputs.txt, which ./test.sh prints.
/// </summary>
public sealed class InputFuzzTests(ITestOutputHelper output) : IDisposable
{
    public const int RequiredCases = 100_000;

    private readonly string _work = Directory.CreateTempSubdirectory("ctop-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Every_outside_input_parses_or_is_refused_with_a_message_naming_it()
    {
        var targets = FuzzInputs.All(_work);
        var run = new FuzzRun();
        // On a worker, so a parser that loops forever fails the test instead of hanging the suite.
        var work = Task.Run(() => { foreach (var t in targets) run.Feed(t); });
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(120))) == work, $"a parser hung (no result after 120 s): {run.Where}");
        await work;

        var report = run.Report("ctop's inputs");
        output.WriteLine(report);
        FuzzRun.Save("Ctop.Tests.csproj", "fuzz-inputs.txt", report);
        Assert.True(run.Failures.Count == 0, $"{run.Failures.Count} inputs broke a parser ({FuzzSeed.Line}):\n" + string.Join('\n', run.Failures) + "\n" + report);
        var problems = run.Problems(RequiredCases, targets);
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + report);
    }

    /// <summary>The counts can fail: a generator that repeats itself, or a parser that never refuses, is caught.</summary>
    [Fact]
    public void A_run_that_repeats_one_input_or_never_reaches_the_error_path_fails_the_count()
    {
        var same = new FuzzTarget("same", [], _ => FuzzOutcome.Accepted, 1_000, _ => [1, 2, 3]);
        var run = new FuzzRun();
        run.Feed(same);
        var problems = run.Problems(500, [same]);
        Assert.Contains(problems, p => p.Contains("distinct inputs reached the parsers", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no input was refused", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("same: only 1 distinct inputs", StringComparison.Ordinal));

        var crashing = new FuzzTarget("crash", [[1]], _ => throw new IndexOutOfRangeException(), 10);
        var failed = new FuzzRun();
        failed.Feed(crashing);
        Assert.Equal(10, failed.Tallies[0].Failed);
        Assert.Contains(failed.Problems(1, [crashing]), p => p.Contains("no input was accepted", StringComparison.Ordinal));
        Assert.StartsWith("crash: IndexOutOfRangeException", failed.Failures[0]);
    }

    /// <summary>A seed gives the same inputs in any process (no HashCode, no shared Random).</summary>
    [Fact]
    public void The_same_seed_gives_the_same_inputs()
    {
        static List<ulong> Inputs()
        {
            var seen = new List<ulong>();
            var target = new FuzzTarget("config", [[0x7b, 0x7d]], input => { seen.Add(Fuzz.Hash(input)); return FuzzOutcome.Accepted; }, 300,
                r => [(byte)r.Next(256)]);
            new FuzzRun().Feed(target);
            return seen;
        }
        Assert.Equal(Inputs(), Inputs());
        Assert.Equal(0xaf63dc4c8601ec8cUL, Fuzz.Hash("a"u8)); // FNV-1a's published value: the hash is the same everywhere
    }
}
