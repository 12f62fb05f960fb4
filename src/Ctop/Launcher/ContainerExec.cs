using System.Globalization;
using ProcFs.Cgroups;
using ProcFs.Proc;

namespace Ctop.Launcher;

/// <summary>
/// <c>ctop exec PID -- COMMAND</c>, as nsenter -a and docker exec do: a helper (ctop re-exec'd) is placed into PID's
/// cgroups, joins every namespace of PID that differs from ctop's (setns on a pidfd, after unshare(CLONE_FS)), and
/// spawns the command there — a joined pid namespace applies to children only. Its status is ctop's.
/// </summary>
public static class ContainerExec
{
    public static int Run(int pid, IReadOnlyList<string> command, TextWriter error)
    {
        try { return RunOrThrow(pid, command); }
        catch (LimitArgsException e) { return Fail(error, e.Message); }
        catch (LaunchException e) { return Fail(error, e.Message, e.ExitCode); }
        catch (CgroupWriteException e) { return Fail(error, e.Message); }
    }

    private static int Fail(TextWriter error, string message, int code = LaunchException.LauncherFailure)
    {
        error.WriteLine("ctop exec: " + message);
        return code;
    }

    private static int RunOrThrow(int pid, IReadOnlyList<string> command)
    {
        if (command.Count == 0 || command[0].Length == 0) throw new LimitArgsException("no command given (ctop exec PID -- COMMAND [ARGS...])");
        ProcessTree.RequireUserProcess(pid);
        string p = pid.ToString(CultureInfo.InvariantCulture);
        int flags = 0;
        foreach (var (_, procName, flag) in Namespaces.All)
        {
            string? theirs = Namespaces.Identity(p, procName);
            if (theirs is null) throw new LaunchException($"no such process {pid}");
            if (theirs != Namespaces.Identity("self", procName)) flags |= flag;
        }
        var layout = CgroupLayout.Discover();
        var targetDirs = ProcessTree.CgroupDirs(layout, pid)?.Select(d => d.Dir).ToList() ?? throw new LaunchException($"no such process {pid}");

        using var signals = new SignalForwarder(() => Posix.ProcessConsole.StopSignal);
        if (signals.Pending is { } before) return 128 + before;
        ContainerRun.Warmup();
        var args = new List<string>(ContainerRun.InitCommand())
        {
            "exec", "pid=" + p, "ns=" + flags.ToString(CultureInfo.InvariantCulture), "--",
        };
        args.AddRange(command);
        var child = InitChild.Start(args, 0);
        try
        {
            signals.Target(child.Pid, isNamespaceInit: false);
            if (!child.WaitReady())
            {
                int helperStatus = child.WaitExit();
                if (signals.Emulated is { } killed) return 128 + killed;
                throw new LaunchException($"ctop's helper exited before it was ready (status {helperStatus})");
            }
            if (signals.Pending is { } early) return 128 + early;
            // Only where the helper is not already (never rewrite a cgroup.procs it shares with ctop, e.g. the machine's).
            var mine = ProcessTree.CgroupDirs(layout, child.Pid)?.Select(d => d.Dir) ?? [];
            var life = new CgroupLifecycle();
            foreach (var dir in targetDirs.Except(mine)) life.MovePid(dir, child.Pid);
            // The helper outlives a PDEATHSIG once the command runs (it must kill the command first): the open
            // release pipe tells it when ctop is gone.
            child.Release(lifeline: true);
            string? failure = null;
            int failureCode = 0;
            child.ReadReports(line =>
            {
                if (line.StartsWith("P ", StringComparison.Ordinal))
                {
                    signals.Target(int.Parse(line.AsSpan(2), CultureInfo.InvariantCulture), isNamespaceInit: false);
                    signals.Launched();
                }
                else if (line.StartsWith("E ", StringComparison.Ordinal) && failure is null)
                {
                    var parts = line.Split(' ', 3);
                    failureCode = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    failure = parts.Length > 2 ? parts[2] : "failed";
                }
            });
            int status = child.WaitExit();
            if (failure is not null) throw new LaunchException(failure, failureCode);
            return signals.Emulated is { } sig ? 128 + sig : status;
        }
        catch (Exception) when (signals.Emulated is { } stopped)
        {
            // A stop signal killed the helper while it was being placed or released (see ContainerRun).
            return 128 + stopped;
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
                child.WaitExit();
            }
        }
    }
}

/// <summary>Processes as attach and exec see them: existence, descendants (by ppid), cgroup directories.</summary>
internal static class ProcessTree
{
    /// <summary>Refuses PIDs ctop must not act on, with the reason.</summary>
    public static void RequireUserProcess(int pid)
    {
        if (pid <= 0) throw new LaunchException($"{pid} is not a process ID");
        if (pid == 1) throw new LaunchException("PID 1 is the machine's init; ctop does not move or enter it");
        if (pid == Environment.ProcessId) throw new LaunchException($"{pid} is ctop itself");
        var reader = new ProcReader();
        if (!reader.TryReadStat(pid, out var stat)) throw new LaunchException($"no such process {pid}");
        if ((stat.Flags & ProcStat.PfKthread) != 0) throw new LaunchException($"{pid} is a kernel thread");
    }

    /// <summary>PID and its descendants, parents before children (children by their ppid in /proc/*/stat).</summary>
    public static List<int> WithDescendants(int root)
    {
        var reader = new ProcReader();
        var pids = new List<int>();
        reader.ListPids(pids);
        var children = new Dictionary<int, List<int>>();
        foreach (var p in pids)
            if (reader.TryReadStat(p, out var st))
            {
                if (!children.TryGetValue(st.Ppid, out var list)) children[st.Ppid] = list = new List<int>();
                list.Add(p);
            }
        var result = new List<int> { root };
        for (int i = 0; i < result.Count; i++)
            if (children.TryGetValue(result[i], out var kids))
                foreach (var k in kids)
                    if (!result.Contains(k)) result.Add(k);
        return result;
    }

    /// <summary>The directory of each hierarchy's cgroup of <paramref name="pid"/>; null when the process is gone.</summary>
    public static List<(CgroupHierarchy Hierarchy, string Dir)>? CgroupDirs(CgroupLayout layout, int pid)
    {
        var cgroups = ReadCgroups(pid);
        if (cgroups is null) return null;
        var dirs = new List<(CgroupHierarchy, string)>();
        foreach (var h in layout.Hierarchies)
        {
            if (h.IsOutsideNamespace) continue;
            var entry = h.Version == CgroupVersion.V2
                ? cgroups.Unified
                : cgroups.Entries.FirstOrDefault(e => !e.IsUnified &&
                    (h.Name is { } n ? e.Controllers.Contains("name=" + n) : h.Controllers.Count > 0 && e.Controllers.Contains(h.Controllers[0])));
            if (entry is null || entry.Deleted) continue;
            if (h.DirectoryOf(entry.Path) is { } dir && CgroupDirectory.Exists(dir)) dirs.Add((h, dir));
        }
        return dirs;
    }

    public static ProcPidCgroup? ReadCgroups(int pid)
    {
        return new ProcReader().ReadCgroup(pid);
    }
}
