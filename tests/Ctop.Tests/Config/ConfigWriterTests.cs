using System.Text.Json;
using Ctop.Config;

namespace Ctop.Tests.Config;

/// <summary>Saving settings into a user's file: only ctop's keys change, a bad file is never overwritten, writes are atomic.</summary>
public sealed class ConfigWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-config-writer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name = "config.json") => Path.Combine(_dir, name);

    private static readonly CtopConfig Chosen = new(RefreshSeconds: 2.5, Sort: "MEM%", View: "tree", Columns: ["NAME", "CPU%"],
        Colors: false, ProcessSort: "TIME+", ProcessView: "flat", ProcessColumns: ["PID", "COMMAND"]);

    private string[] TempLeftovers() => Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories);

    [Fact]
    public void A_new_file_holds_every_key_and_reads_back()
    {
        var path = Path.Combine(_dir, "xdg", "ctop", "config.json");
        Chosen.Save(path);
        var text = File.ReadAllText(path);
        var (back, problem) = CtopConfig.Read(path);
        Assert.Null(problem);
        Assert.Equal(Chosen, back);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(CtopConfig.Keys.OrderBy(k => k), doc.RootElement.EnumerateObject().Select(p => p.Name).OrderBy(k => k));
        Assert.Contains("\"processSort\": \"TIME+\"", text); // readable, not TIME\u002B
        Assert.Contains("\n  \"refreshSeconds\": 2.5,\n", text);
        Assert.Empty(TempLeftovers());
    }

    [Fact]
    public void Unknown_keys_comments_and_layout_survive_a_save()
    {
        var path = Path_();
        const string before = """
            // my ctop settings
            {
                "theme":   { "accent": "green", "list": [1, 2] },   // a later version's key
                "refreshSeconds": 1,
                /* keep this */ "view": "flat",
                "x-note": "hand-written",
            }
            """;
        File.WriteAllText(path, before);
        Chosen.Save(path);
        var after = File.ReadAllText(path);

        Assert.StartsWith("// my ctop settings\n{\n    \"theme\":   { \"accent\": \"green\", \"list\": [1, 2] },   // a later version's key\n", after);
        Assert.Contains("\"refreshSeconds\": 2.5,", after);
        Assert.Contains("/* keep this */ \"view\": \"tree\",", after);
        Assert.Contains("\"x-note\": \"hand-written\",", after);
        var (back, problem) = CtopConfig.Read(path);
        Assert.Equal(Chosen, back);
        // The unknown keys are reported on reading, and only they.
        Assert.NotNull(problem);
        Assert.Contains("line 3: unknown key \"theme\"", problem);
        Assert.Contains("line 6: unknown key \"x-note\"", problem);
        using var doc = JsonDocument.Parse(after, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        Assert.Equal("green", doc.RootElement.GetProperty("theme").GetProperty("accent").GetString());

        // Saving again changes nothing: the second save finds every key in place.
        Chosen.Save(path);
        Assert.Equal(after, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{ \"colors\": true }")]
    [InlineData("{\n  \"colors\": true // trailing comment\n}\n")]
    [InlineData("{\n  \"colors\": true, /* a comma, here */\n}")]
    [InlineData("\uFEFF{ \"refreshSeconds\": 3 }")]
    [InlineData("")]
    [InlineData("  \n")]
    public void Any_valid_object_takes_the_keys(string before)
    {
        var path = Path_();
        File.WriteAllText(path, before);
        Chosen.Save(path);
        var (back, problem) = CtopConfig.Read(path);
        Assert.Null(problem);
        Assert.Equal(Chosen, back);
        if (before.StartsWith('\uFEFF')) Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(path)[..3]);
    }

    [Theory]
    [InlineData("{\n  \"refreshSeconds\": 2,\n  \"view\": tree\n}\n", "line 3")]
    [InlineData("{ \"view\": \"tree\"", "line 1")]
    [InlineData("[1, 2]", "not hold a JSON object")]
    [InlineData("{ \"a\": 1 } x", "line 1")]
    public void A_file_that_is_not_valid_json_is_never_overwritten(string before, string expected)
    {
        var path = Path_();
        File.WriteAllText(path, before);
        var ex = Assert.Throws<ConfigSaveException>(() => Chosen.Save(path));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("Nothing was written", ex.Message);
        Assert.Equal(before, File.ReadAllText(path));
        Assert.Empty(TempLeftovers());
    }

    [Fact]
    public void Wrong_types_in_ctops_own_keys_are_replaced()
    {
        // Valid JSON whose values ctop rejects (so it started with the defaults): saving repairs it.
        var path = Path_();
        File.WriteAllText(path, "{ \"refreshSeconds\": \"fast\", \"columns\": 3, \"mine\": true }");
        Assert.NotNull(CtopConfig.Read(path).Problem);
        Chosen.Save(path);
        var (back, problem) = CtopConfig.Read(path);
        Assert.Equal(Chosen, back);
        Assert.Contains("unknown key \"mine\"", problem);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_symlinked_file_is_written_through_and_its_mode_kept()
    {
        var real = Path.Combine(_dir, "dotfiles", "ctop.json");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, "{ \"mine\": 1 }");
        File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = Path_();
        File.CreateSymbolicLink(link, real);

        Chosen.Save(link);

        Assert.NotNull(new FileInfo(link).LinkTarget); // still a link
        Assert.Contains("\"mine\": 1", File.ReadAllText(real));
        Assert.Equal(Chosen, CtopConfig.Read(link).Config);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(real));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_in_place()
    {
        var path = Path_();
        File.WriteAllText(path, "{ \"view\": \"flat\" }");
        // The temporary file's name taken by a directory: the write fails after the merge, as a full disk would (and
        // unlike a read-only directory, also for root).
        Directory.CreateDirectory(Path.Combine(_dir, $".config.json.{Environment.ProcessId}.tmp"));
        var e = Assert.Throws<ConfigSaveException>(() => Chosen.Save(path));
        Assert.Contains("cannot write", e.Message);
        Assert.Contains("the file is unchanged", e.Message);
        Assert.Equal("{ \"view\": \"flat\" }", File.ReadAllText(path));
    }

    [Fact]
    public void A_path_that_cannot_be_a_directory_is_refused()
    {
        var blocker = Path_("blocker");
        File.WriteAllText(blocker, "");
        var ex = Assert.Throws<ConfigSaveException>(() => Chosen.Save(Path.Combine(blocker, "ctop", "config.json")));
        Assert.Contains("cannot write", ex.Message);
        Assert.Equal("", File.ReadAllText(blocker));
    }
}
