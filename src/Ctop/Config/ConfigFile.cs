namespace Ctop.Config;

/// <summary>
/// The config file as ctop found it at start: where it is (the settings dialog saves there), the settings it gave, and
/// what was wrong with it (null when nothing). The dashboard shows the problem too: its screen hides standard error.
/// </summary>
public sealed record ConfigFile(string? Path, CtopConfig Config, string? Problem)
{
    /// <summary>No file: the defaults, nowhere to save (tests, and callers that do not want the user's file).</summary>
    public static ConfigFile None { get; } = new(null, CtopConfig.Default, null);

    /// <summary>Reads <paramref name="path"/> (default <see cref="CtopConfig.DefaultPath"/>); a problem also goes to <paramref name="warnings"/>.</summary>
    public static ConfigFile Load(string? path = null, TextWriter? warnings = null)
    {
        path ??= CtopConfig.DefaultPath();
        var (config, problem) = CtopConfig.Read(path);
        if (problem is not null) warnings?.WriteLine("ctop: " + problem);
        return new ConfigFile(path, config, problem);
    }
}
