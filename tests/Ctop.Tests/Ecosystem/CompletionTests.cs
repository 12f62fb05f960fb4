using Ctop.Cli;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Ecosystem;

/// <summary>
/// Shell completion as docs/usage.md describes it: ctop answers System.CommandLine's [suggest:POSITION] directive,
/// and contrib/completion's bash and zsh functions ask it. The shells' completion machinery is simulated (COMP_* for
/// bash; BUFFER/CURSOR and a stub compadd for zsh): what is tested is the script's part and ctop's answers.
/// </summary>
public sealed class CompletionTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("ctop-completion-").FullName;

    public CompletionTests()
    {
        // `ctop` on PATH, as after an install: the ctop.dll built beside the tests.
        var wrapper = Path.Combine(_bin, "ctop");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "ctop.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    private Dictionary<string, string?> Env() => new() { ["PATH"] = _bin + ":" + Environment.GetEnvironmentVariable("PATH") };

    private static string Script(string name) => Path.Combine(Tools.RepoRoot, "contrib", "completion", name);

    private static async Task<string[]> Suggest(string line)
    {
        var output = new StringWriter();
        var code = await new CtopCommand().Root.Parse([$"[suggest:{line.Length}]", line]).InvokeAsync(
            new System.CommandLine.InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, code);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public async Task Suggest_directive_answers_options_subcommands_and_values()
    {
        Assert.Equal(["--cgroup", "--cgroup-root", "--cgroups-only"], await Suggest("ctop --cg"));
        Assert.Contains("limit", await Suggest("ctop li"));
        Assert.Contains("--dry-run", await Suggest("ctop limit box --d"));
        Assert.Contains("meminfo", await Suggest("ctop proc m"));
    }

    [Theory]
    [InlineData("ctop --cg", "--cgroup --cgroup-root --cgroups-only")]
    [InlineData("ctop li", "limit")]
    [InlineData("ctop proc m", "meminfo")]
    [InlineData("ctop diagnose --j", "--json")]
    public void Bash_function_completes(string line, string expected)
    {
        var words = line.Split(' ');
        var script = $$"""
            source '{{Script("ctop.bash")}}'
            COMP_LINE='{{line}}'; COMP_POINT={{line.Length}}; COMP_WORDS=({{line}}); COMP_CWORD={{words.Length - 1}}
            _ctop
            echo "${COMPREPLY[*]}"
            complete -p ctop
            """;
        var r = Tools.Run("bash", ["--norc", "--noprofile", "-c", script], TimeSpan.FromSeconds(60), Env());
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n');
        Assert.Equal(expected, lines[0]);
        Assert.Equal("complete -o default -F _ctop ctop", lines[1]);
    }

    [ToolFact("zsh", "zsh")]
    public void Zsh_function_completes_and_falls_back_to_files()
    {
        var script = $$"""
            compdef() { print "compdef $*" }
            _files() { print FILES }
            compadd() { [[ $1 == -a ]] && print -l -- ${(P)2} }
            source '{{Script("_ctop")}}'
            words=(ctop --cg); BUFFER='ctop --cg'; CURSOR=9; _ctop
            words=(ctop --proc-root /); BUFFER='ctop --proc-root /'; CURSOR=18; _ctop
            """;
        var r = Tools.Run("zsh", ["-f", "-c", script], TimeSpan.FromSeconds(60), Env());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["compdef _ctop ctop", "--cgroup", "--cgroup-root", "--cgroups-only", "FILES"],
            r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
