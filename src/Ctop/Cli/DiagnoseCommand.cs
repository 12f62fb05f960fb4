using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ctop.Diagnosis;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;
using ProcFs.Parsing;

namespace Ctop.Cli;

/// <summary>`ctop diagnose [-d SECONDS] [--json]`: sample for the duration and print who takes the CPU and who waits.</summary>
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--duration", "-d")
        {
            Description = "Seconds to sample before reporting. Default: 5.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 5.0,
        };
        seconds.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<double>();
            if (!(v > 0 && v <= 3600)) r.AddError($"Invalid --duration '{v.ToString(CultureInfo.InvariantCulture)}': expected seconds greater than 0, at most 3600.");
        });
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object." };
        var procRoot = new Option<string>("--proc-root") { Description = "Where proc is mounted.", HelpName = "DIR", DefaultValueFactory = _ => "/proc" };
        var cgroupRoot = new Option<string?>("--cgroup-root") { Description = "Where the cgroup filesystem is mounted.", HelpName = "DIR" };

        var from = new Option<string?>("--from") { Description = "Diagnose from a recording (ctop record) instead of sampling now.", HelpName = "DIR" };
        var at = HistoryCommands.TimeOption("--at", "With --from: the window ends at TIME (ISO 8601 or HH:MM[:SS] today). Default: the newest sample.");
        var command = new Command("diagnose", "Sample for a while and rank noisy neighbours: who takes the CPU and memory, and who waits.");
        foreach (var o in new Option[] { seconds, json, procRoot, cgroupRoot, from, at }) command.Options.Add(o);
        command.Validators.Add(r =>
        {
            if (r.GetResult(at) is not null && r.GetResult(from) is null) r.AddError("--at picks a recorded time: give the store with --from DIR.");
        });
        command.SetAction(async (result, ct) =>
        {
            var options = new SamplingOptions { ProcRoot = result.GetValue(procRoot)!, CgroupRoot = result.GetValue(cgroupRoot), Schedstat = true };
            DiagnosisReport report;
            if (result.GetValue(from) is { } dir)
            {
                var error = result.InvocationConfiguration.Error;
                if (Store.StoreFormat.ListShards(dir).Count == 0)
                {
                    error.WriteLine($"ctop: no recording in '{Printable.Escape(dir)}' (ctop record --dir {Printable.Escape(dir)} makes one)");
                    return 1;
                }
                var reader = new Store.StoreReader(dir, m => error.WriteLine("ctop: " + Printable.Escape(m)));
                if (Store.StoreWindow.FrameOver(reader, result.GetValue(at), TimeSpan.FromSeconds(result.GetValue(seconds))) is not { } frame)
                {
                    error.WriteLine($"ctop: '{Printable.Escape(dir)}' has no two samples of one recording run around that time");
                    return 1;
                }
                report = Diagnoser.Diagnose(frame);
            }
            else report = await RunAsync(options, TimeSpan.FromSeconds(result.GetValue(seconds)), ct).ConfigureAwait(false);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(report, DiagnosisJsonContext.Default.DiagnosisReport));
            else Write(report, output);
            return 0;
        });
        return command;
    }

    public static async Task<DiagnosisReport> RunAsync(SamplingOptions options, TimeSpan duration, CancellationToken cancellation)
    {
        // Run-queue waits and memory-limit hits are what the diagnosis ranks by.
        using var sampler = new Sampler(options with { Schedstat = true });
        var first = sampler.Take();
        await Task.Delay(duration, cancellation).ConfigureAwait(false);
        return Diagnoser.Diagnose(FrameBuilder.Build(first, sampler.Take()));
    }

    public static void Write(DiagnosisReport report, TextWriter output)
    {
        output.WriteLine($"ctop diagnose - {report.Time:yyyy-MM-dd HH:mm:ss}  over {report.IntervalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s");
        Section(output, "Culprits (taking more than their share while others wait)", report.Culprits);
        Section(output, "Victims (waiting, throttled or pressed against a limit)", report.Victims);
    }

    private static void Section(TextWriter output, string title, IReadOnlyList<Finding> findings)
    {
        output.WriteLine();
        output.WriteLine(title + ":");
        if (findings.Count == 0) output.WriteLine("  none");
        int i = 1;
        foreach (var f in findings)
            output.WriteLine($"  {i++}. {Printable.Escape(f.Reason)}  [{Printable.Escape(f.Cgroup)}, score {f.Score.ToString("0.00", CultureInfo.InvariantCulture)}]");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DiagnosisReport))]
internal sealed partial class DiagnosisJsonContext : JsonSerializerContext;
