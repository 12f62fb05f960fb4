using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ctop.Config;

/// <summary>
/// The user's settings, from <c>$XDG_CONFIG_HOME/ctop/config.json</c> (default <c>~/.config/ctop/config.json</c>).
/// Every field is optional; a missing file means the defaults. Command-line options win over the file.
/// </summary>
/// <param name="RefreshSeconds">Seconds between frames when -d is not given.</param>
/// <param name="Sort">The column to sort by, as its header reads (e.g. "CPU%", "MEM%", "NAME"); null: the dashboard's default.</param>
/// <param name="View">"flat" or "tree".</param>
/// <param name="Columns">Visible columns by header name; null: all.</param>
/// <param name="Colors">Colours on or off; NO_COLOR (set and not empty) turns them off whatever this says.</param>
/// <remarks>Positional with defaults: the JSON source generator binds through the constructor, so a field missing from
/// the file keeps its default (with init-only properties it would become 0 or null).</remarks>
public sealed record CtopConfig(double RefreshSeconds = 1.0, string? Sort = null, string View = "flat",
    IReadOnlyList<string>? Columns = null, bool Colors = true)
{
    public static CtopConfig Default { get; } = new();

    [JsonIgnore] public bool Tree => View == "tree";

    /// <summary>Colours after NO_COLOR (https://no-color.org): any non-empty value turns them off.</summary>
    public bool UseColors(Func<string, string?>? env = null) =>
        Colors && string.IsNullOrEmpty((env ?? Environment.GetEnvironmentVariable)("NO_COLOR"));

    /// <summary>
    /// <c>$XDG_CONFIG_HOME/ctop/config.json</c>, or <c>$HOME/.config/ctop/config.json</c>. A relative XDG_CONFIG_HOME is
    /// ignored, as the XDG base directory spec says; null when neither gives a place.
    /// </summary>
    public static string? DefaultPath(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var xdg = env("XDG_CONFIG_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "ctop", "config.json");
        var home = env("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".config", "ctop", "config.json");
    }

    /// <summary>The settings, or the defaults when the file is missing or broken; a broken file's problem goes to
    /// <paramref name="warnings"/> (one line naming the file and line) so ctop still starts.</summary>
    public static CtopConfig Load(string? path = null, TextWriter? warnings = null)
    {
        var (config, problem) = Read(path ?? DefaultPath());
        if (problem is not null) warnings?.WriteLine("ctop: " + problem);
        return config;
    }

    /// <summary>The settings and, when the file could not be used (or parts of it), why.</summary>
    public static (CtopConfig Config, string? Problem) Read(string? path)
    {
        if (path is null || !File.Exists(path)) return (Default, null);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (Default, $"{path}: cannot read ({ex.Message}); using the defaults.");
        }
        return Parse(text, path);
    }

    public static (CtopConfig Config, string? Problem) Parse(string text, string path)
    {
        CtopConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(text, CtopConfigJson.Default.CtopConfig);
        }
        catch (JsonException ex)
        {
            // LineNumber is 0-based; editors count from 1.
            var where = ex.LineNumber is { } line ? $"line {line + 1}" + (ex.BytePositionInLine is { } col ? $", column {col + 1}" : "") : "somewhere";
            // The message quotes the offending text, newlines included: escape it so the warning stays one line.
            return (Default, $"{path}: {where}: {Output.Display.Escape(FirstSentence(ex.Message))} Using the defaults.");
        }
        if (config is null) return (Default, $"{path}: the file holds null, not an object. Using the defaults.");
        return Validate(config, path);
    }

    /// <summary>Values of the right type but out of range: keep the rest of the file, default the bad field, and say so.</summary>
    private static (CtopConfig, string?) Validate(CtopConfig c, string path)
    {
        var problems = new List<string>();
        if (!(c.RefreshSeconds > 0 && c.RefreshSeconds <= Cli.CtopCommand.MaxDelaySeconds))
        {
            problems.Add($"refreshSeconds {c.RefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not between 0 and {Cli.CtopCommand.MaxDelaySeconds}; using {Default.RefreshSeconds}.");
            c = c with { RefreshSeconds = Default.RefreshSeconds };
        }
        if (c.View is not ("flat" or "tree"))
        {
            problems.Add($"view \"{c.View}\" is neither \"flat\" nor \"tree\"; using \"{Default.View}\".");
            c = c with { View = Default.View };
        }
        return (c, problems.Count == 0 ? null : $"{path}: " + string.Join(" ", problems));
    }

    /// <summary>Writes the settings (indented, so the file stays editable), creating the directory.</summary>
    public void Save(string? path = null)
    {
        path ??= DefaultPath() ?? throw new InvalidOperationException("No config location: neither XDG_CONFIG_HOME nor HOME is set.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Write then rename, so a crash mid-write never leaves a half file that the next start would reject.
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, CtopConfigJson.Default.CtopConfig) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: $.x | LineNumber: 2 | BytePositionInLine: 5."; the line is already given.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var s = (cut >= 0 ? message[..cut] : message).Trim();
        return s.EndsWith('.') ? s : s + ".";
    }
}

/// <summary>Source-generated (de)serialization: no reflection, so it works under NativeAOT and trimming.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CtopConfig))]
internal sealed partial class CtopConfigJson : JsonSerializerContext;
