using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ctop.Config;

/// <summary>
/// The user's settings, from <c>$XDG_CONFIG_HOME/ctop/config.json</c> (default <c>~/.config/ctop/config.json</c>).
/// Every field is optional; a missing file means the defaults. Command-line options win over the file.
/// </summary>
/// <param name="RefreshSeconds">Seconds between frames when -d is not given.</param>
/// <param name="Sort">The cgroup table's sort column, as its header reads (e.g. "CPU%", "MEM%", "NAME"); null: CPU%.</param>
/// <param name="View">The cgroup table: "flat" or "tree".</param>
/// <param name="Columns">The cgroup table's visible columns by header, in order; null: all, in the default order.</param>
/// <param name="Colors">Colours on or off; NO_COLOR (set and not empty) turns them off whatever this says.</param>
/// <param name="ProcessSort">The process table's sort column (e.g. "MEM%", "TIME+", "PID"); null: CPU%.</param>
/// <param name="ProcessView">The process table: "flat" or "tree" (by parent PID).</param>
/// <param name="ProcessColumns">The process table's visible columns, in order; null: all.</param>
/// <remarks>Positional with defaults: the JSON source generator binds through the constructor, so a field missing from
/// the file keeps its default (with init-only properties it would become 0 or null). The dashboard's settings dialog
/// (F2) writes these keys back with <see cref="ConfigWriter"/>, which keeps everything else in the file.</remarks>
public sealed record CtopConfig(double RefreshSeconds = 1.0, string? Sort = null, string View = "flat",
    IReadOnlyList<string>? Columns = null, bool Colors = true,
    string? ProcessSort = null, string ProcessView = "flat", IReadOnlyList<string>? ProcessColumns = null)
{
    public static CtopConfig Default { get; } = new();

    /// <summary>TimeSpan cannot hold much more than this many seconds anyway; a day is already absurd for a top.</summary>
    public const double MaxRefreshSeconds = 86_400;

    [JsonIgnore] public bool Tree => View == "tree";
    [JsonIgnore] public bool ProcessTree => ProcessView == "tree";

    /// <summary>Records compare lists by reference; settings compare them by content.</summary>
    public bool Equals(CtopConfig? other) =>
        other is not null && RefreshSeconds.Equals(other.RefreshSeconds) && Sort == other.Sort && View == other.View
        && SameList(Columns, other.Columns) && Colors == other.Colors && ProcessSort == other.ProcessSort
        && ProcessView == other.ProcessView && SameList(ProcessColumns, other.ProcessColumns);

    public override int GetHashCode() => HashCode.Combine(RefreshSeconds, Sort, View, Colors, ProcessSort, ProcessView,
        Columns?.Count ?? -1, ProcessColumns?.Count ?? -1);

    private static bool SameList(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

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
    public static CtopConfig Load(string? path = null, TextWriter? warnings = null) => ConfigFile.Load(path, warnings).Config;

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
            return (Default, $"{path}: {where}: {ProcFs.Parsing.Printable.Escape(FirstSentence(ex.Message))} Using the defaults.");
        }
        if (config is null) return (Default, $"{path}: the file holds null, not an object. Using the defaults.");
        var problems = UnknownKeys(text);
        config = Validate(config, problems);
        return (config, problems.Count == 0 ? null : $"{path}: " + string.Join(" ", problems));
    }

    /// <summary>The keys ctop reads, as the file spells them.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        JsonSerializer.SerializeToElement(Default, CtopConfigJson.Default.CtopConfig).EnumerateObject().Select(p => p.Name).ToArray();

    /// <summary>
    /// Top-level keys ctop does not know, each with its line. They are reported (a misspelt "colours" should not go
    /// unnoticed) but do not cost the rest of the file, and the settings dialog keeps them when it saves.
    /// </summary>
    private static List<string> UnknownKeys(string text)
    {
        var problems = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            var key = reader.GetString()!;
            if (!Keys.Contains(key, StringComparer.Ordinal))
            {
                int line = 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                problems.Add($"line {line}: unknown key \"{ProcFs.Parsing.Printable.Escape(key)}\" ignored (known: {string.Join(", ", Keys)}).");
            }
            reader.Read();
            reader.Skip();
        }
        return problems;
    }

    /// <summary>Values of the right type but out of range: keep the rest of the file, default the bad field, and say so.</summary>
    private static CtopConfig Validate(CtopConfig c, List<string> problems)
    {
        if (!(c.RefreshSeconds > 0 && c.RefreshSeconds <= MaxRefreshSeconds))
        {
            problems.Add($"refreshSeconds {c.RefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not between 0 and {MaxRefreshSeconds}; using {Default.RefreshSeconds}.");
            c = c with { RefreshSeconds = Default.RefreshSeconds };
        }
        // The generated reader does not enforce nullability: "view": null arrives as null.
        if (c.View is not ("flat" or "tree"))
        {
            problems.Add($"view {Quote(c.View)} is neither \"flat\" nor \"tree\"; using \"{Default.View}\".");
            c = c with { View = Default.View };
        }
        if (c.ProcessView is not ("flat" or "tree"))
        {
            problems.Add($"processView {Quote(c.ProcessView)} is neither \"flat\" nor \"tree\"; using \"{Default.ProcessView}\".");
            c = c with { ProcessView = Default.ProcessView };
        }
        if (c.Columns is { } cols && (cols.Count == 0 || cols.Any(string.IsNullOrEmpty)))
        {
            problems.Add("columns needs at least one column name (null: all); showing all.");
            c = c with { Columns = null };
        }
        if (c.ProcessColumns is { } pcols && (pcols.Count == 0 || pcols.Any(string.IsNullOrEmpty)))
        {
            problems.Add("processColumns needs at least one column name (null: all); showing all.");
            c = c with { ProcessColumns = null };
        }
        return c;
    }

    private static string Quote(string? s) => s is null ? "null" : $"\"{ProcFs.Parsing.Printable.Escape(s)}\"";

    /// <summary>
    /// Writes these settings into the file at <paramref name="path"/> (default: <see cref="DefaultPath"/>), keeping
    /// every other key, the comments and the layout of what is there; atomically, creating the directory.
    /// </summary>
    /// <exception cref="ConfigSaveException">Nothing was written, and why.</exception>
    public void Save(string? path = null) =>
        ConfigWriter.Save(this, path ?? DefaultPath() ?? throw new ConfigSaveException("no place for the config file: neither XDG_CONFIG_HOME nor HOME is set."));

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
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(CtopConfig))]
internal sealed partial class CtopConfigJson : JsonSerializerContext;
