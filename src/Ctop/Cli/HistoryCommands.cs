using Ctop.Posix;
using ProcFs.Parsing;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Ctop.Output;
using Ctop.Pipeline;
using Ctop.Store;

namespace Ctop.Cli;

/// <summary>`ctop record` and `ctop replay`, and the parsing of their TIME, duration and size arguments.</summary>
public static class HistoryCommands
{
    /// <summary>Runs the replay dashboard: (store directory, start time or null for the end, config). Set by Program; tests leave it null.</summary>
    public static Func<string, DateTimeOffset?, Config.ConfigFile, int>? Replay { get; set; }

    public static Command CreateRecord()
    {
        var dir = DirOption();
        var delay = new Option<double>("--delay", "-d")
        {
            Description = "Seconds between samples (e.g. 1, 5, 0.5). Default: 5.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 5.0,
            CustomParser = r => ParseSeconds(r, "--delay"),
        };
        var retain = new Option<TimeSpan?>("--retain")
        {
            Description = "Delete whole shards whose samples are all older than this: 7d, 12h, 90m. Default: 7d.",
            HelpName = "AGE",
            DefaultValueFactory = _ => TimeSpan.FromDays(7),
            CustomParser = ParseAge,
        };
        var maxSize = new Option<long?>("--max-size")
        {
            Description = "Delete the oldest shards while the store is larger than this: 1G, 500M. Default: no limit beyond --retain.",
            HelpName = "SIZE",
            CustomParser = ParseSize,
        };
        var schedstat = new Option<bool>("--schedstat")
        {
            Description = "Also record run-queue waits and memory-limit hits (one file more per thread), for `ctop diagnose --from`.",
        };
        var procRoot = new Option<string>("--proc-root") { Description = "Where proc is mounted.", HelpName = "DIR", DefaultValueFactory = _ => "/proc" };
        var cgroupRoot = new Option<string?>("--cgroup-root") { Description = "Where the cgroup filesystem is mounted.", HelpName = "DIR" };
        var command = new Command("record", "Append every sample (all cgroups' counters and limits, all processes, container names) to a store for replay.");
        foreach (var o in new Option[] { dir, delay, retain, maxSize, schedstat, procRoot, cgroupRoot }) command.Options.Add(o);
        command.SetAction(async (result, ct) =>
        {
            var error = result.InvocationConfiguration.Error;
            var runtimes = Containers.RuntimeOptions.Resolve(null, null, Environment.GetEnvironmentVariable, out _, out var warning);
            if (warning is not null) error.WriteLine("ctop: " + Printable.Escape(warning));
            var sampling = new SamplingOptions
            {
                Interval = TimeSpan.FromSeconds(result.GetValue(delay)),
                FirstInterval = null,
                ProcRoot = result.GetValue(procRoot)!,
                CgroupRoot = result.GetValue(cgroupRoot),
                Schedstat = result.GetValue(schedstat),
                Runtimes = runtimes,
            };
            var store = new StoreOptions { Retain = result.GetValue(retain), MaxBytes = result.GetValue(maxSize) };
            string path = result.GetValue(dir)!;
            void Report(string message)
            {
                lock (error) { error.WriteLine("ctop record: " + Printable.Escape(message)); error.Flush(); }
            }
            try
            {
                await Recorder.RunAsync(sampling, path, store, Report, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Report(e.Message);
                return CtopApp.RuntimeError;
            }
            // Stopped by a signal: exit as the shell reports a death by it (143 for SIGTERM), having finished the record in hand.
            return ProcessConsole.StopSignal is int signal ? 128 + signal : CtopApp.Success;
        });
        return command;
    }

    public static Command CreateReplay()
    {
        var dir = DirOption();
        var at = TimeOption("--at", "Start at TIME: ISO 8601 (2026-12-07T03:12:00+00:00) or HH:MM[:SS] today. Default: the newest sample.");
        var command = new Command("replay", "The dashboard on recorded frames: step, jump, go to a time, play and pause.");
        command.Options.Add(dir);
        command.Options.Add(at);
        command.SetAction(result =>
        {
            string path = result.GetValue(dir)!;
            if (StoreFormat.ListShards(path).Count == 0)
            {
                result.InvocationConfiguration.Error.WriteLine($"ctop: no recording in '{Printable.Escape(path)}' (ctop record --dir {Printable.Escape(path)} makes one)");
                return CtopApp.UsageError;
            }
            if (Replay is not { } run)
            {
                result.InvocationConfiguration.Error.WriteLine("ctop: replay needs a terminal");
                return CtopApp.UsageError;
            }
            return run(path, result.GetValue(at), Config.ConfigFile.Load(warnings: result.InvocationConfiguration.Error));
        });
        return command;
    }

    public static Option<string> DirOption() => new("--dir")
    {
        Description = $"The store's directory. Default: {StoreOptions.DefaultDirectory}.",
        HelpName = "DIR",
        DefaultValueFactory = _ => StoreOptions.DefaultDirectory,
    };

    public static Option<DateTimeOffset?> TimeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (TimeArgument.TryParse(text, DateTimeOffset.Now, out var t, out var why)) return t;
            r.AddError($"Invalid {name} {why}.");
            return null;
        },
    };

    private static double ParseSeconds(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (text.EndsWith('s')) text = text[..^1];
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s >= 0.1 && s <= CtopCommand.MaxDelaySeconds) return s;
        r.AddError($"Invalid {name} '{r.Tokens[0].Value}': expected seconds, at least 0.1 (e.g. 1 or 5), at most {CtopCommand.MaxDelaySeconds}.");
        return 5;
    }

    /// <summary>An age: a positive number and a unit s, m, h, d or w (7d, 12h, 90m).</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        text = text.Trim();
        if (text.Length < 2) return false;
        double unit = char.ToLowerInvariant(text[^1]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 7 * 86400, _ => 0 };
        if (unit == 0 || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || !(n > 0)) return false;
        double seconds = n * unit;
        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        age = TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static TimeSpan? ParseAge(ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (TryParseAge(text, out var age)) return age;
        r.AddError($"Invalid --retain '{text}': expected an age such as 7d, 12h or 90m (units s, m, h, d, w).");
        return null;
    }

    private static long? ParseSize(ArgumentResult r)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        try
        {
            if (Tuning.TuningValues.ParseSize(text, "--max-size") is long n && n >= 1 << 20) return n;
            r.AddError($"Invalid --max-size '{text}': the store needs at least 1M.");
        }
        catch (Tuning.TuningUsageException e) { r.AddError("Invalid " + e.Message + "."); }
        return null;
    }
}
