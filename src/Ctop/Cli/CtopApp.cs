using System.CommandLine;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;
using ProcFs.Parsing;

namespace Ctop.Cli;

/// <summary>What ctop needs from the outside world; tests pass their own.</summary>
public sealed record AppHost(
    Func<SamplingOptions, IObservable<Frame>> Frames,
    TextWriter Out,
    TextWriter Error,
    bool OutputRedirected,
    Func<CliOptions, Config.ConfigFile, int>? Dashboard = null,
    Func<Config.ConfigFile>? Config = null);

/// <summary>Parses the command line and runs the chosen mode. Exit codes: 0 success, 1 runtime error, 2 usage.</summary>
public static class CtopApp
{
    public const int Success = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, AppHost host, CancellationToken cancellation = default)
    {
        var command = new CtopCommand();
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine would exit 1 and print the whole help; usage errors are 2, and short.
            foreach (var error in parsed.Errors)
                host.Error.WriteLine("ctop: " + error.Message);
            host.Error.WriteLine("Try 'ctop --help' for more information.");
            return UsageError;
        }

        // The config file is read only when ctop really runs (not for --help), and a broken one only warns.
        command.Root.SetAction((result, ct) =>
        {
            var config = host.Config?.Invoke() ?? Config.ConfigFile.None;
            return RunAsync(command.Bind(result, config.Config), config, host, ct);
        });
        return await Guarded(() => parsed.InvokeAsync(new InvocationConfiguration
        {
            Output = host.Out,
            Error = host.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program owns Ctrl-C and SIGTERM: they stop cleanly, exit 0
        }, cancellation), host.Out, host.Error, cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// A run or exec that <see cref="Launcher.LaunchRequest.TryParse"/> read (Program tries it before anything else,
    /// docs/launcher.md "Cost"): what <see cref="RunAsync(IReadOnlyList{string}, AppHost, CancellationToken)"/> would
    /// do with the same words, without building the command tree or the buffered stdout.
    /// </summary>
    public static int Launch(Launcher.LaunchRequest launch, TextWriter error, CancellationToken cancellation = default) =>
        Guarded(() => Task.FromResult(launch.Invoke()), null, error, cancellation).GetAwaiter().GetResult();

    /// <summary>Runs a command: a stop signal ends it with success, any other exception is one line and exit 1.</summary>
    private static async Task<int> Guarded(Func<Task<int>> run, TextWriter? output, TextWriter error, CancellationToken cancellation)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Success;
        }
        catch (Exception ex)
        {
            error.WriteLine("ctop: " + Printable.Escape(ex.Message));
            return RuntimeError;
        }
        finally
        {
            if (output is not null) FlushQuietly(output); // --help and --version write to a buffered stdout
        }
    }

    private static void FlushQuietly(TextWriter writer)
    {
        try { writer.Flush(); }
        catch (IOException) { } // the reader left; nothing is lost that it wanted
    }

    private static Task<int> RunAsync(CliOptions options, Config.ConfigFile config, AppHost host, CancellationToken cancellation)
    {
        foreach (var warning in options.Warnings) host.Error.WriteLine("ctop: " + Printable.Escape(warning));
        if (options.From is { } range)
            return BatchRunner.RunAsync(Store.StoreFrames.Observe(range, m => host.Error.WriteLine("ctop: " + Printable.Escape(m))), options.Batch, host.Out, host.Error, cancellation);
        if (RunModes.Choose(options.BatchFlag, host.OutputRedirected) == RunMode.Dashboard && host.Dashboard is { } dashboard)
            return Task.FromResult(dashboard(options, config));
        // The text tables print fewer cgroup figures than JSON has: what to read follows what is printed.
        var sampling = options.Batch.Json ? options.Sampling : options.Sampling with { CgroupParts = TextFrameWriter.Reads };
        return BatchRunner.RunAsync(host.Frames(sampling), options.Batch, host.Out, host.Error, cancellation);
    }
}
