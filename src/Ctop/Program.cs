using Ctop.Cli;
using Ctop.Posix;
using Ctop.Pipeline;

namespace Ctop;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The re-exec'd init of `ctop run` must take over before anything else starts (threads, console, signals).
        if (Launcher.InitProcess.TryRunInit(args, out var code)) return code;
        using var cts = new CancellationTokenSource();
        using var signals = ProcessConsole.CancelOnStopSignals(cts);
        if (Launcher.LaunchRequest.TryParse(args) is { } launch) return CtopApp.Launch(launch, Console.Error, cts.Token);
        HistoryCommands.Replay = (dir, at, config) =>
        {
            Ui.TerminalGuiStartup.Apply();
            return Ui.ReplayDashboard.Run(dir, at, config);
        };
        var host = new AppHost(
            options => FrameSource.Create(options),
            ProcessConsole.OpenStdout(),
            Console.Error,
            Console.IsOutputRedirected,
            (cli, config) =>
            {
                Ui.TerminalGuiStartup.Apply();
                return ProcessConsole.ExitCodeAfterStop(Ui.Dashboard.Run(cli.Sampling, cli.Batch.Filter, config, cts.Token));
            },
            () => Config.ConfigFile.Load(warnings: Console.Error));
        int exit = await CtopApp.RunAsync(args, host, cts.Token);
        HeapTrim.Report();
        return exit;
    }
}
