using System.Globalization;

namespace Ctop.Launcher;

/// <summary>A parsed <c>ctop run</c> or <c>ctop exec</c>, its values as typed; <see cref="Invoke"/> runs it.</summary>
public abstract record LaunchRequest
{
    public abstract IReadOnlyList<string> Command { get; }

    /// <summary>Runs it; the exit code is the command's, or 125 when ctop itself could not.</summary>
    public abstract int Invoke();

    /// <summary>
    /// The common shapes of run and exec (<c>run [--opt value | --keep]... -- COMMAND...</c>, <c>exec PID -- COMMAND...</c>)
    /// parsed without building System.CommandLine's command tree, a third of a launch's own start-up. Anything else
    /// (help, an unknown or repeated option, <c>--opt=value</c>, a value that looks like an option, a response file, no
    /// <c>--</c>) is null: the full parser takes it, with its errors. For what it accepts the result is the full parser's
    /// (LaunchRequestTests compares both over generated argument lists).
    /// </summary>
    public static LaunchRequest? TryParse(IReadOnlyList<string> args)
    {
        if (args.Count < 3) return null;
        foreach (var a in args)
            if (a.StartsWith('@')) return null; // a response file, which the full parser expands
        return args[0] switch
        {
            "run" => RunRequest.FromWords(args),
            "exec" => ExecRequest.FromWords(args),
            _ => null,
        };
    }

    /// <summary>The words after the first <c>--</c> at <paramref name="dash"/>; null when there are none.</summary>
    private protected static string[]? After(IReadOnlyList<string> args, int dash)
    {
        if (dash + 1 >= args.Count) return null;
        var command = new string[args.Count - dash - 1];
        for (int i = 0; i < command.Length; i++) command[i] = args[dash + 1 + i];
        return command;
    }
}

/// <summary><c>ctop run</c>'s options as typed (null: not given) and the command.</summary>
public sealed record RunRequest(
    string? Cpus, string? CpuQuota, string? CpuPeriod, string? Memory, string? MemorySwap, string? Pids, string? Cpuset,
    string? Name, string Parent, string Ns, string? Hostname, string? Rootfs, bool Keep, IReadOnlyList<string> Words) : LaunchRequest
{
    public override IReadOnlyList<string> Command => Words;

    /// <summary>The options that take a value, each name with its aliases (as LauncherCommands declares them).</summary>
    internal static readonly string[][] ValueOptions =
    [
        ["--cpus"], ["--cpu-quota"], ["--cpu-period"], ["--memory", "-m"], ["--memory-swap"], ["--pids"], ["--cpuset"],
        ["--name"], ["--parent"], ["--ns"], ["--hostname"], ["--rootfs"],
    ];

    public const string KeepOption = "--keep";

    internal static RunRequest? FromWords(IReadOnlyList<string> args)
    {
        var values = new string?[ValueOptions.Length];
        bool keep = false;
        int i = 1;
        for (; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] == KeepOption)
            {
                // Twice is an error; a bool option may also take "true"/"false" after it, which the next word sees.
                if (keep) return null;
                keep = true;
                continue;
            }
            int o = IndexOf(args[i]);
            if (o < 0 || values[o] is not null || i + 1 >= args.Count || !IsPlainValue(args[i + 1])) return null;
            values[o] = args[++i];
        }
        if (i >= args.Count || After(args, i) is not { } command) return null;
        return new RunRequest(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
            values[8] ?? "ctop", values[9] ?? Namespaces.DefaultList, values[10], values[11], keep, command);
    }

    private static int IndexOf(string word)
    {
        for (int o = 0; o < ValueOptions.Length; o++)
            if (Array.IndexOf(ValueOptions[o], word) >= 0) return o;
        return -1;
    }

    /// <summary>A value the full parser can only read as this option's value: not empty, not option-like (but -1).</summary>
    private static bool IsPlainValue(string v) => v.Length > 0 && (v[0] != '-' || v == "-1");

    public override int Invoke()
    {
        LimitSet set;
        int flags;
        try
        {
            set = LimitArgs.Parse(Cpus, CpuQuota, CpuPeriod, Memory, MemorySwap, Pids, Cpuset);
            flags = Namespaces.Parse(Ns);
        }
        catch (LimitArgsException e)
        {
            Console.Error.WriteLine("ctop run: " + e.Message);
            return LaunchException.LauncherFailure;
        }
        return ContainerRun.Run(new RunSpec(Words, Name, Parent, set, flags, Hostname, Rootfs, Keep), Console.Error);
    }
}

/// <summary><c>ctop exec PID -- COMMAND</c>.</summary>
public sealed record ExecRequest(int Pid, IReadOnlyList<string> Words) : LaunchRequest
{
    public override IReadOnlyList<string> Command => Words;

    internal static ExecRequest? FromWords(IReadOnlyList<string> args)
    {
        // Only digits: a sign, spaces or a number past int are the full parser's to judge.
        string p = args[1];
        if (p.Length is 0 or > 9 || args[2] != "--") return null;
        foreach (char c in p)
            if (c is < '0' or > '9') return null;
        return After(args, 2) is { } command ? new ExecRequest(int.Parse(p, CultureInfo.InvariantCulture), command) : null;
    }

    public override int Invoke() => ContainerExec.Run(Pid, Words, Console.Error);
}
