using System.CommandLine;
using System.Text.RegularExpressions;
using Ctop.Cli;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Ecosystem;

/// <summary>docs/ctop.1 renders cleanly and documents every command and option the parser knows.</summary>
public class ManPageTests
{
    /// <summary>The man source with roff's escaped hyphen (\-) read as the hyphen it prints.</summary>
    private static string ManText() => File.ReadAllText(Tools.ManPage).Replace("\\-", "-", StringComparison.Ordinal);

    /// <summary>Every command in the tree, whatever is registered: new subcommands are checked without editing this test.</summary>
    private static IEnumerable<(string Path, Command Command)> Commands(Command command, string path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands.Where(s => !s.Hidden))
            foreach (var nested in Commands(sub, path + " " + sub.Name))
                yield return nested;
    }

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var (path, _) in Commands(new CtopCommand().Root, "ctop")) data.Add(path);
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Every_option_of_every_command_is_in_the_man_page(string path)
    {
        var command = Commands(new CtopCommand().Root, "ctop").Single(c => c.Path == path).Command;
        var man = ManText();
        if (path != "ctop")
            Assert.True(man.Contains($".SS \"{path}", StringComparison.Ordinal), $"docs/ctop.1 has no section .SS \"{path} ...\"");
        var missing = command.Options.Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Distinct()
            .Where(name => name.StartsWith('-')) // help's Windows-style /h and /? are accepted but never shown on Linux
            .Where(name => !Regex.IsMatch(man, $@"(?<![\w-]){Regex.Escape(name)}(?![\w-])"))
            .ToList();
        Assert.True(missing.Count == 0, $"{path}: not in docs/ctop.1: {string.Join(", ", missing)}");
    }

    [ToolFact("groff", "groff-base")]
    public void Groff_renders_it_without_warnings()
    {
        // -ww: all warnings; -z: format but discard the output, so only the diagnostics remain.
        var r = Tools.Run("groff", ["-man", "-Tutf8", "-ww", "-z", Tools.ManPage], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0 && r.Error.Length == 0, r.ToString());
    }

    [ToolFact("man", "man-db")]
    public void Man_renders_it()
    {
        var r = Tools.Run("man", ["-l", Tools.ManPage], TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { ["MANWIDTH"] = "100", ["MANPAGER"] = "cat", ["PAGER"] = "cat", ["LC_ALL"] = "C.UTF-8" });
        Assert.True(r.ExitCode == 0 && r.Error.Length == 0, r.ToString());
        foreach (var section in new[] { "NAME", "SYNOPSIS", "OPTIONS", "COMMANDS", "DASHBOARD KEYS", "JSON OUTPUT", "EXIT STATUS", "FILES", "ENVIRONMENT" })
            Assert.Contains("\n" + section + "\n", r.Out);
        Assert.Contains("NO_COLOR", r.Out);
        Assert.Contains("XDG_CONFIG_HOME", r.Out);
    }
}
