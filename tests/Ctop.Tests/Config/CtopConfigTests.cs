using Ctop.Config;

namespace Ctop.Tests.Config;

public sealed class CtopConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FileWith(string text)
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Missing_file_gives_the_defaults_quietly()
    {
        var (config, problem) = CtopConfig.Read(Path.Combine(_dir, "nope", "config.json"));
        Assert.Equal(CtopConfig.Default, config);
        Assert.Null(problem);
        var warnings = new StringWriter();
        Assert.Equal(1.0, CtopConfig.Load(Path.Combine(_dir, "nope.json"), warnings).RefreshSeconds);
        Assert.Equal("", warnings.ToString());
    }

    [Fact]
    public void Save_then_load_round_trips()
    {
        var path = Path.Combine(_dir, "sub", "ctop", "config.json");
        var saved = new CtopConfig { RefreshSeconds = 2.5, Sort = "MEM%", View = "tree", Columns = ["NAME", "CPU%"], Colors = false };
        saved.Save(path);
        var (loaded, problem) = CtopConfig.Read(path);
        Assert.Null(problem);
        Assert.Equal(2.5, loaded.RefreshSeconds);
        Assert.Equal("MEM%", loaded.Sort);
        Assert.True(loaded.Tree);
        Assert.Equal(["NAME", "CPU%"], loaded.Columns!);
        Assert.False(loaded.Colors);
        Assert.Contains("\"refreshSeconds\": 2.5", File.ReadAllText(path)); // camelCase, indented: editable by hand
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Partial_file_keeps_the_other_defaults_and_allows_comments()
    {
        var (c, problem) = CtopConfig.Read(FileWith("""
            // ctop settings
            { "view": "tree", }
            """));
        Assert.Null(problem);
        Assert.True(c.Tree);
        Assert.Equal(1.0, c.RefreshSeconds);
        Assert.True(c.Colors);
        Assert.Null(c.Columns);
    }

    [Fact]
    public void Broken_file_names_the_line_and_falls_back_to_defaults()
    {
        var path = FileWith("{\n  \"refreshSeconds\": 2,\n  \"view\": tree\n}\n");
        var warnings = new StringWriter();
        var config = CtopConfig.Load(path, warnings);
        Assert.Equal(CtopConfig.Default, config);
        var message = warnings.ToString();
        Assert.StartsWith($"ctop: {path}: line 3", message);
        Assert.Contains("Using the defaults.", message);
    }

    [Theory]
    [InlineData("{ \"refreshSeconds\": \"fast\" }", "line 1")]
    [InlineData("[1, 2]", "line 1")]
    [InlineData("{ \"view\": \"tree\",\n \"columns\": [\"NAME\", 1] }", "line 2")]
    public void Wrong_types_are_reported_and_cost_the_file(string text, string expected)
    {
        var (config, problem) = CtopConfig.Read(FileWith(text));
        Assert.Equal(CtopConfig.Default, config);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        Assert.EndsWith("Using the defaults.", problem);
    }

    [Fact]
    public void An_unknown_key_is_reported_with_its_line_and_the_rest_applies()
    {
        // A misspelt key must not go unnoticed; a key from a later version must not cost the whole file.
        var (c, problem) = CtopConfig.Read(FileWith("{\n  \"view\": \"tree\",\n  \"colours\": false\n}"));
        Assert.True(c.Tree);
        Assert.True(c.Colors);
        Assert.NotNull(problem);
        Assert.Contains("line 3: unknown key \"colours\" ignored", problem);
        Assert.Contains("colors", problem); // the known keys are listed, so the right spelling is there
    }

    [Fact]
    public void Process_table_keys_are_read_and_checked()
    {
        var (c, problem) = CtopConfig.Read(FileWith("""{ "processSort": "MEM%", "processView": "tree", "processColumns": ["PID", "COMMAND"] }"""));
        Assert.Null(problem);
        Assert.Equal("MEM%", c.ProcessSort);
        Assert.True(c.ProcessTree);
        Assert.Equal(["PID", "COMMAND"], c.ProcessColumns!);

        (c, problem) = CtopConfig.Read(FileWith("""{ "processView": "forest", "columns": [], "view": null, "sort": "NAME" }"""));
        Assert.Equal("flat", c.ProcessView);
        Assert.Equal("flat", c.View);
        Assert.Null(c.Columns);
        Assert.Equal("NAME", c.Sort);
        Assert.Contains("processView \"forest\"", problem);
        Assert.Contains("view null", problem);
        Assert.Contains("columns needs at least one column", problem);
    }

    [Fact]
    public void Out_of_range_values_default_that_field_only()
    {
        var (c, problem) = CtopConfig.Read(FileWith("""{ "refreshSeconds": 0, "view": "forest", "colors": false }"""));
        Assert.Equal(1.0, c.RefreshSeconds);
        Assert.Equal("flat", c.View);
        Assert.False(c.Colors);
        Assert.Contains("refreshSeconds 0", problem);
        Assert.Contains("view \"forest\"", problem);
    }

    [Fact]
    public void Path_follows_xdg_then_home()
    {
        Assert.Equal("/x/ctop/config.json", CtopConfig.DefaultPath(n => n == "XDG_CONFIG_HOME" ? "/x" : "/home/u"));
        Assert.Equal("/home/u/.config/ctop/config.json", CtopConfig.DefaultPath(n => n == "HOME" ? "/home/u" : null));
        // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
        Assert.Equal("/home/u/.config/ctop/config.json", CtopConfig.DefaultPath(n => n == "XDG_CONFIG_HOME" ? "rel" : "/home/u"));
    }

    [Fact]
    public void No_color_wins_over_the_file()
    {
        Assert.True(CtopConfig.Default.UseColors(_ => null));
        Assert.True(CtopConfig.Default.UseColors(_ => ""));
        Assert.False(CtopConfig.Default.UseColors(n => n == "NO_COLOR" ? "1" : null));
        Assert.False((CtopConfig.Default with { Colors = false }).UseColors(_ => null));
    }
}
