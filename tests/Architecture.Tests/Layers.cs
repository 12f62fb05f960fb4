namespace Architecture.Tests;

/// <summary>
/// The layers of the ctop assembly, by namespace, and what each may use: the table of docs/architecture.md. A layer
/// not listed may use nothing of ctop's; a new Ctop.* namespace fails <see cref="LayerTests.Every_namespace_is_a_layer"/>
/// until it gets a row here (and in the doc). External entries are the packages whose use is confined to some layers;
/// the BCL and anything not named here are free for all.
/// </summary>
public static class Layers
{
    public const string ProcFs = "ProcFs";
    public const string TerminalGui = "Terminal.Gui";
    public const string CommandLine = "System.CommandLine";
    public const string Reactive = "System.Reactive";
    public const string MonoUnix = "Mono.Unix";

    /// <summary>The packages (and the ProcFs assembly) confined to the layers that list them.</summary>
    public static readonly string[] Confined = [ProcFs, TerminalGui, CommandLine, Reactive, MonoUnix];

    /// <summary>Layer → what it may depend on, lowest first. "Ctop" is the composition root (Program) alone.</summary>
    public static readonly (string Layer, string[] MayUse)[] Table =
    [
        // The process's own POSIX surface: stdout as a descriptor, stop signals.
        ("Ctop.Posix", [MonoUnix]),
        // What a container sees (lxcfs's formulas) from kernel values.
        ("Ctop.Lxcfs", [ProcFs, "Ctop.Posix"]),
        // Sample → Frame: every derived number. No UI, no command line, no Rx.
        ("Ctop.Model", [ProcFs, "Ctop.Lxcfs", MonoUnix]),
        // Names, images and labels from docker and podman, applied to frames.
        ("Ctop.Containers", ["Ctop.Model", ProcFs]),
        // Ticks, sample pairs, history: Rx on a background scheduler.
        ("Ctop.Pipeline", ["Ctop.Model", "Ctop.Containers", Reactive]),
        // Batch text and JSON: format what the model computed.
        ("Ctop.Output", ["Ctop.Model", "Ctop.Pipeline", ProcFs, Reactive]),
        // The config file.
        ("Ctop.Config", ["Ctop.Output", ProcFs]),
        // Limits: parse, resolve, apply through ProcFs' writer; `ctop limit`.
        ("Ctop.Tuning", ["Ctop.Model", "Ctop.Containers", ProcFs, CommandLine, MonoUnix]),
        // `ctop diagnose`: culprits and victims from one frame.
        ("Ctop.Diagnosis", ["Ctop.Model", "Ctop.Pipeline", "Ctop.Output", ProcFs]),
        // `ctop record` and the store it writes; replay's frames. Samples in, samples out: the model rebuilds the frames.
        ("Ctop.Store", ["Ctop.Model", "Ctop.Containers", "Ctop.Pipeline", "Ctop.Posix", ProcFs, Reactive, MonoUnix]),
        // `ctop serve`: the latest frame in Prometheus's formats, over a small HTTP server.
        ("Ctop.Serve", ["Ctop.Model", "Ctop.Containers", "Ctop.Pipeline", "Ctop.Output", "Ctop.Diagnosis", "Ctop.Posix", ProcFs,
            CommandLine, Reactive, MonoUnix]),
        // `ctop run/attach/exec`.
        ("Ctop.Launcher", ["Ctop.Model", "Ctop.Tuning", "Ctop.Posix", ProcFs, MonoUnix, CommandLine]),
        // The dashboard: the only layer that knows Terminal.Gui.
        ("Ctop.Ui", ["Ctop.Model", "Ctop.Pipeline", "Ctop.Output", "Ctop.Config", "Ctop.Tuning", "Ctop.Diagnosis",
            "Ctop.Containers", "Ctop.Store", "Ctop.Posix", ProcFs, TerminalGui, Reactive, MonoUnix]),
        // The command line: binds options and starts every mode but the dashboard, which Program hands it.
        ("Ctop.Cli", ["Ctop.Posix", "Ctop.Lxcfs", "Ctop.Model", "Ctop.Containers", "Ctop.Pipeline", "Ctop.Output",
            "Ctop.Config", "Ctop.Tuning", "Ctop.Diagnosis", "Ctop.Launcher", "Ctop.Store", "Ctop.Serve", ProcFs, CommandLine, Reactive,
            MonoUnix]),
        // Program: wires the command line to the dashboard.
        ("Ctop", ["Ctop.Posix", "Ctop.Lxcfs", "Ctop.Model", "Ctop.Containers", "Ctop.Pipeline", "Ctop.Output",
            "Ctop.Config", "Ctop.Tuning", "Ctop.Diagnosis", "Ctop.Launcher", "Ctop.Store", "Ctop.Serve", "Ctop.Ui", "Ctop.Cli", ProcFs,
            Reactive]),
    ];

    public static IEnumerable<string> Names => Table.Select(t => t.Layer);

    public static string[] MayUse(string layer) => Table.Single(t => t.Layer == layer).MayUse;

    /// <summary>The layer a namespace belongs to: itself or its nearest listed parent (Ctop.Ui.Tables → Ctop.Ui).</summary>
    public static string? LayerOf(string ns)
    {
        foreach (var layer in Names.OrderByDescending(n => n.Length))
            if (layer != "Ctop" && (ns == layer || ns.StartsWith(layer + ".", StringComparison.Ordinal))) return layer;
        return ns == "Ctop" ? "Ctop" : null;
    }
}
