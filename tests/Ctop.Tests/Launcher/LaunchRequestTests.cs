using System.CommandLine;
using Ctop.Cli;
using Ctop.Launcher;
using CsCheck;
using Xunit.Abstractions;

namespace Ctop.Tests.Launcher;

/// <summary>
/// The fast path of run and exec (<see cref="LaunchRequest.TryParse"/>) against System.CommandLine's tree over generated
/// argument lists: whatever the fast path accepts, the full parser accepts without error and reads the same request;
/// everything else goes to the full parser, so its errors are unchanged by construction. CsCheck prints the seed of a
/// failing list (and shrinks it); <c>CsCheck_Seed=SEED</c> replays it.
/// </summary>
public class LaunchRequestTests(ITestOutputHelper output)
{
    /// <summary>What the whole command tree makes of the words: null when it reports an error or runs something else.</summary>
    private static LaunchRequest? FullParse(string[] args)
    {
        LaunchRequest? seen = null;
        var command = new CtopCommand(launch: r => { seen = r; return 0; });
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0) return null;
        int code = parsed.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });
        return code == 0 ? seen : null;
    }

    private static string Canonical(LaunchRequest? r) => r switch
    {
        null => "(none)",
        RunRequest run => (run with { Words = [] }) + " words: " + string.Join(" | ", run.Words.Select(w => $"'{w}'")),
        ExecRequest exec => (exec with { Words = [] }) + " words: " + string.Join(" | ", exec.Words.Select(w => $"'{w}'")),
        _ => r.ToString(),
    };

    private static readonly string[] Vocabulary =
    [
        "run", "exec", "attach", "limit", "--", "--", "--keep", "--keep", "-m", "--memory", "--cpus", "--cpu-quota", "--cpu-period",
        "--memory-swap", "--pids", "--cpuset", "--name", "--parent", "--ns", "--hostname", "--rootfs", "-h", "--help", "-?",
        "--version", "-b", "-n", "--cpus=1", "--name:web", "-m64M", "--unknown", "-", "-1", "-5", "0.5", "64M", "1", "123", "007",
        "0", "2147483648", "+5", " 5", "true", "false", "web", "pid,mnt", "none", "a b", "", "@resp", "x@y", "sh", "-c",
        "echo --cpus 2", "[diagram]", "ctop", "box",
    ];

    [Fact]
    public void FastPathReadsWhatTheFullParserReads()
    {
        var word = Gen.OneOf(Vocabulary);
        var lists = Gen.Select(Gen.OneOf("run", "exec", "run", "exec", "attach", "--keep"), word.Array[0, 9],
            (first, rest) => new[] { first }.Concat(rest).ToArray());
        // Shapes the fast path is for, so the comparison covers many accepted lists, not only refusals.
        var value = Gen.OneOf("0.5", "64M", "-1", "web", "pid,mnt", "none", "run", "exec", "true", "x y", "box", "007");
        var option = Gen.OneOf(RunRequest.ValueOptions.SelectMany(a => a).ToArray());
        var withValue = Gen.Select(option, value, (o, v) => new[] { o, v });
        var pair = Gen.OneOf(withValue, withValue, withValue, Gen.Const(new[] { RunRequest.KeepOption }));
        var runs = Gen.Select(pair.Array[0, 5], word.Array[1, 4],
            (pairs, command) => new[] { "run" }.Concat(pairs.SelectMany(p => p)).Append("--").Concat(command).ToArray());
        var execs = Gen.Select(Gen.OneOf("1", "42", "007", "0", "99999999", "-3", "x"), word.Array[1, 4],
            (pid, command) => new[] { "exec", pid, "--" }.Concat(command).ToArray());
        var any = Gen.OneOf(lists, lists, runs, runs, runs, execs, execs);

        int accepted = 0, total = 0;
        try
        {
            any.Sample(args =>
            {
                total++;
                var fast = LaunchRequest.TryParse(args);
                if (fast is null) return true;
                accepted++;
                return Canonical(fast) == Canonical(FullParse(args));
            }, writeLine: output.WriteLine, iter: 20_000, threads: 1, print: args => string.Join(" ", args.Select(a => $"'{a}'")) + $" fast: {Canonical(LaunchRequest.TryParse(args))} full: {Canonical(FullParse(args))}");
        }
        finally
        {
            // A failure's message names its seed; CsCheck_Seed=SEED replays it.
            output.WriteLine($"launch args: {total} lists, {accepted} taken by the fast path");
        }
        Assert.True(accepted > total / 4, $"the fast path took only {accepted} of {total}");
    }

    [Fact]
    public void UsualShapesTakeTheFastPath()
    {
        Assert.Equal(Canonical(FullParse(["run", "--", "true"])), Canonical(LaunchRequest.TryParse(["run", "--", "true"])));
        string[] full = ["run", "--name", "web", "--cpus", "0.5", "-m", "64M", "--ns", "pid,mnt,net", "--keep", "--pids", "-1", "--", "sh", "-c", "echo --cpus 2"];
        var run = Assert.IsType<RunRequest>(LaunchRequest.TryParse(full));
        Assert.Equal(Canonical(FullParse(full)), Canonical(run));
        Assert.Equal(("web", "0.5", "64M", "-1", true, "ctop"), (run.Name, run.Cpus, run.Memory, run.Pids, run.Keep, run.Parent));
        var exec = Assert.IsType<ExecRequest>(LaunchRequest.TryParse(["exec", "4242", "--", "ls", "-l"]));
        Assert.Equal(4242, exec.Pid);
        Assert.Equal(["ls", "-l"], exec.Words);
        // Usage errors and help are the full parser's.
        Assert.Null(LaunchRequest.TryParse(["run", "true"]));
        Assert.Null(LaunchRequest.TryParse(["run", "--"]));
        Assert.Null(LaunchRequest.TryParse(["run", "--bogus", "--", "true"]));
        Assert.Null(LaunchRequest.TryParse(["run", "--cpus", "1", "--cpus", "2", "--", "true"]));
        Assert.Null(LaunchRequest.TryParse(["run", "-h", "--", "true"]));
        Assert.Null(LaunchRequest.TryParse(["exec", "-1", "--", "true"]));
    }
}
