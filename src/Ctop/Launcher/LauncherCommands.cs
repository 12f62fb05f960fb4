using System.CommandLine;

namespace Ctop.Launcher;

/// <summary>
/// The System.CommandLine commands run, attach and exec, to be added to ctop's root command. Each action returns
/// the exit code: the command's for run and exec, 125 when ctop itself could not do it.
/// </summary>
public static class LauncherCommands
{
    /// <param name="launch">What a parsed run or exec does: <see cref="LaunchRequest.Invoke"/>; tests pass their own to see
    /// what the parser made of the words.</param>
    public static IEnumerable<Command> Create(Func<LaunchRequest, int>? launch = null) =>
        [CreateRun(launch), CreateAttach(), CreateExec(launch)];

    private sealed class LimitOptions
    {
        public readonly Option<string> Cpus = new("--cpus") { Description = "CPU limit in cores, e.g. 0.5 (quota per 100 ms period)" };
        public readonly Option<string> CpuQuota = new("--cpu-quota") { Description = "CFS quota in µs per period (-1 unlimited)" };
        public readonly Option<string> CpuPeriod = new("--cpu-period") { Description = "CFS period in µs (default 100000)" };
        public readonly Option<string> Memory = new("--memory", "-m") { Description = "memory limit, e.g. 64M, 256m, 1g" };
        public readonly Option<string> MemorySwap = new("--memory-swap") { Description = "memory + swap limit (-1 unlimited)" };
        public readonly Option<string> Pids = new("--pids") { Description = "maximum number of tasks (-1 unlimited)" };
        public readonly Option<string> Cpuset = new("--cpuset") { Description = "CPUs allowed, e.g. 0-1,3" };
        public readonly Option<string> Name = new("--name") { Description = "container name: the cgroup PARENT/NAME (default ctop-<6 hex>)" };
        public readonly Option<string> Parent = new("--parent") { Description = "parent cgroup", DefaultValueFactory = _ => "ctop" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Name, Cpus, CpuQuota, CpuPeriod, Memory, MemorySwap, Pids, Cpuset, Parent }) c.Options.Add(o);
        }

        public LimitSet Parse(ParseResult r) => LimitArgs.Parse(r.GetValue(Cpus), r.GetValue(CpuQuota), r.GetValue(CpuPeriod),
            r.GetValue(Memory), r.GetValue(MemorySwap), r.GetValue(Pids), r.GetValue(Cpuset));
    }

    public static Command CreateRun(Func<LaunchRequest, int>? launch = null)
    {
        launch ??= r => r.Invoke();
        var limits = new LimitOptions();
        var ns = new Option<string>("--ns") { Description = "namespaces to create: pid,mnt,uts,ipc,net,cgroup or none", DefaultValueFactory = _ => Namespaces.DefaultList };
        var hostname = new Option<string>("--hostname") { Description = "hostname inside (needs uts; default: the container name)" };
        var rootfs = new Option<string>("--rootfs") { Description = "directory to pivot_root into (needs mnt)" };
        var keep = new Option<bool>("--keep") { Description = "keep the cgroup after the command exits" };
        var command = new Argument<string[]>("command") { Description = "the command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var run = new Command("run", "run a command in new namespaces under cgroup limits, as PID 1 of its own pid namespace");
        limits.AddTo(run);
        run.Options.Add(ns);
        run.Options.Add(hostname);
        run.Options.Add(rootfs);
        run.Options.Add(keep);
        run.Arguments.Add(command);
        run.SetAction(r =>
        {
            if (UnknownOption(r, command) is { } unknown)
            {
                Console.Error.WriteLine($"ctop run: unrecognized option '{unknown}' (the command to run goes after --)");
                return 2;
            }
            return launch(new RunRequest(r.GetValue(limits.Cpus), r.GetValue(limits.CpuQuota), r.GetValue(limits.CpuPeriod), r.GetValue(limits.Memory),
                r.GetValue(limits.MemorySwap), r.GetValue(limits.Pids), r.GetValue(limits.Cpuset), r.GetValue(limits.Name),
                r.GetValue(limits.Parent) ?? "ctop", r.GetValue(ns) ?? Namespaces.DefaultList, r.GetValue(hostname), r.GetValue(rootfs),
                r.GetValue(keep), r.GetValue(command) ?? []));
        });
        return run;
    }

    public static Command CreateAttach()
    {
        var limits = new LimitOptions();
        var pid = new Argument<int>("pid") { Description = "the process to move, with its descendants" };
        var attach = new Command("attach", "move a running process and its descendants into a (new or named) limited cgroup");
        attach.Arguments.Add(pid);
        limits.AddTo(attach);
        attach.SetAction(r =>
        {
            LimitSet set;
            try { set = limits.Parse(r); }
            catch (LimitArgsException e)
            {
                Console.Error.WriteLine("ctop attach: " + e.Message);
                return LaunchException.LauncherFailure;
            }
            return ContainerAttach.Run(r.GetValue(pid), r.GetValue(limits.Name), r.GetValue(limits.Parent) ?? "ctop", set, Console.Out, Console.Error);
        });
        return attach;
    }

    public static Command CreateExec(Func<LaunchRequest, int>? launch = null)
    {
        launch ??= r => r.Invoke();
        var pid = new Argument<int>("pid") { Description = "a process in the container to enter" };
        var command = new Argument<string[]>("command") { Description = "the command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var exec = new Command("exec", "run a command in the namespaces and cgroups of a running process");
        exec.Arguments.Add(pid);
        exec.Arguments.Add(command);
        exec.SetAction(r =>
        {
            if (UnknownOption(r, command) is { } unknown)
            {
                Console.Error.WriteLine($"ctop exec: unrecognized option '{unknown}' (the command to run goes after --)");
                return 2;
            }
            return launch(new ExecRequest(r.GetValue(pid), r.GetValue(command) ?? []));
        });
        return exec;
    }

    /// <summary>
    /// An option ctop does not know, written before `--`, lands in the command's words; running it would fail as "command
    /// not found" (127) instead of a usage error. Words after `--` are the user's command, whatever they look like.
    /// </summary>
    private static string? UnknownOption(ParseResult r, Argument<string[]> command)
    {
        if (r.GetResult(command) is not { Tokens: [var first, ..] } || !first.Value.StartsWith('-')) return null;
        int at = -1, dash = -1;
        for (int i = 0; i < r.Tokens.Count; i++)
        {
            if (ReferenceEquals(r.Tokens[i], first) && at < 0) at = i;
            if (r.Tokens[i].Type == System.CommandLine.Parsing.TokenType.DoubleDash && dash < 0) dash = i;
        }
        return dash < 0 || at < dash ? first.Value : null;
    }
}
