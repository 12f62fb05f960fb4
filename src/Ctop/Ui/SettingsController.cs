using Ctop.Config;

namespace Ctop.Ui;

/// <summary>
/// The dashboard's settings (F2, the config file) without a terminal: applies a config to the two tables and the
/// colours, captures them back, and saves through <see cref="ConfigWriter"/> on the worker of <see cref="UiWork"/>.
/// </summary>
public sealed class SettingsController(CgroupTableModel cgroups, ProcessTableModel processes, TimeSpan interval, UiWork work)
{
    /// <summary>The config the dashboard was configured with: what F2 starts from beyond the tables' own state.</summary>
    private CtopConfig _config = CtopConfig.Default;
    private bool _colors = true;

    public bool NoColorEnv { get; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Whether rows needing attention are drawn in colour: the config's colours, unless NO_COLOR is set.</summary>
    public bool Colors => _colors && !NoColorEnv;

    public TimeSpan Interval { get; set; } = interval;

    /// <summary>Where F2 saves; null: nowhere, the settings last for the session.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>Applies a config's table settings and colours; returns what the key bar should say (null: nothing).</summary>
    public string? Apply(CtopConfig config, string? problem = null)
    {
        var problems = DashboardSettings.Apply(config, cgroups, processes);
        if (problem is not null) problems.Insert(0, problem);
        _colors = config.Colors;
        _config = config;
        return problems.Count > 0 ? "config: " + string.Join(" ", problems) : null;
    }

    /// <summary>The settings in use, as the config file would hold them.</summary>
    public CtopConfig Capture() =>
        DashboardSettings.Capture(_config with { RefreshSeconds = Interval.TotalSeconds, Colors = _colors }, cgroups, processes);

    public SetupModel NewSetup() =>
        new(Capture(), cgroups.Columns.Select(c => c.Header).ToArray(), processes.Columns.Select(c => c.Header).ToArray(), NoColorEnv);

    public const string NoPlace =
        "There is no place for the config file (neither XDG_CONFIG_HOME nor HOME is set). The settings apply until you quit.";

    /// <summary>
    /// Writes <paramref name="config"/> to <see cref="ConfigPath"/> on the worker. <paramref name="saved"/> gets the status
    /// line (with <paramref name="later"/> appended), <paramref name="failed"/> why nothing was written.
    /// </summary>
    public void Save(CtopConfig config, string later, Action<string> saved, Action<string> failed)
    {
        if (ConfigPath is not { } path)
        {
            failed(NoPlace);
            return;
        }
        work.Run($"saving {TextEscape.Escape(path)}…", () => { ConfigWriter.Save(config, path); return path; },
            p => saved($"settings saved to {TextEscape.Escape(p)}{later}"),
            ex => failed(TextEscape.Escape(ex.Message) + " The settings apply until you quit."));
    }
}
