using Ctop.Posix;
using System.Globalization;
using ProcFs.Cgroups;

namespace Ctop.Launcher;

/// <summary>
/// <c>ctop attach PID</c>: moves a running process, its descendants (found by ppid; the kernel does not move
/// existing children along) and so all their threads into a limited cgroup PARENT/NAME, created unless it exists.
/// Limits are written before anything moves. On failure the moved processes go back to where they were and a
/// cgroup this call created is removed.
/// </summary>
public static class ContainerAttach
{
    public static int Run(int pid, string? name, string parent, LimitSet limits, TextWriter output, TextWriter error)
    {
        try
        {
            output.WriteLine(Attach(pid, name, parent, limits));
            return 0;
        }
        catch (LimitArgsException e) { return Fail(error, e.Message); }
        catch (LaunchException e) { return Fail(error, e.Message, e.ExitCode); }
        catch (CgroupWriteException e) { return Fail(error, e.Message); }
    }

    private static int Fail(TextWriter error, string message, int code = LaunchException.LauncherFailure)
    {
        error.WriteLine("ctop attach: " + message);
        return code;
    }

    /// <summary>Does the move and returns the sentence saying where everything went.</summary>
    public static string Attach(int pid, string? name, string parent, LimitSet limits)
    {
        name ??= ContainerName.Generate();
        if (ContainerName.Validate(name) is { } badName) throw new LimitArgsException($"--name {name}: {badName}");
        if (ContainerName.ValidateParent(parent) is { } badParent) throw new LimitArgsException($"--parent {parent}: {badParent}");
        ProcessTree.RequireUserProcess(pid);
        var layout = CgroupLayout.Discover();

        // Taken before anything moves, so the guard below watches this process and never a later one with its PID.
        int pidfd = Native.PidfdOpen(pid);
        try { return AttachAndGuard(pid, name, parent, limits, layout, pidfd); }
        finally { if (pidfd >= 0) Mono.Unix.Native.Syscall.close(pidfd); }
    }

    private static string AttachAndGuard(int pid, string name, string parent, LimitSet limits, CgroupLayout layout, int pidfd)
    {
        var cg = ContainerCgroup.OpenOrCreate(layout, ContainerName.ParentPath(parent), name, ContainerCgroup.ControllersFor(limits), out bool existed);
        var moved = new List<(int Pid, List<(CgroupHierarchy Hierarchy, string Dir)> From)>();
        var life = new CgroupLifecycle();
        try
        {
            cg.Apply(limits);
            // Repeat while the tree forks: a child born during the walk would stay behind.
            for (int round = 0; round < 5; round++)
            {
                var inside = cg.Pids().ToHashSet();
                var todo = ProcessTree.WithDescendants(pid).Where(p => !inside.Contains(p)).ToList();
                if (todo.Count == 0) break;
                foreach (var p in todo)
                {
                    var from = ProcessTree.CgroupDirs(layout, p);
                    if (from is null) continue; // exited meanwhile
                    try { cg.Add(p); }
                    catch (CgroupWriteException e) when (p != pid && e.Errno == 3) { continue; } // ESRCH: a descendant exited
                    moved.Add((p, from));
                }
            }
        }
        catch
        {
            foreach (var (p, from) in moved)
                foreach (var (h, dir) in from.Where(f => cg.Dirs.Any(d => d.Hierarchy == f.Hierarchy)))
                    try { life.MovePid(dir, p); } catch (CgroupWriteException) { }
            if (!existed) cg.Remove(TimeSpan.FromSeconds(2));
            throw;
        }
        // A cgroup this call made goes when the process does, like a container whose main process exited: a guard
        // outliving ctop kills what is left in it and removes it. One that existed is someone else's to remove.
        var made = cg.Created.ToList();
        string removal = "";
        if (made.Count > 0)
            removal = pidfd >= 0 && BoxGuard.ForProcess(pidfd, made)
                ? $"; removed when {pid} exits"
                : "; could not start its guard: it stays after the processes exit";
        var now = cg.Pids().ToHashSet();
        var tree = ProcessTree.WithDescendants(pid).Where(now.Contains).ToList();
        string list = string.Join(", ", tree.Take(20).Select(p => p.ToString(CultureInfo.InvariantCulture))) + (tree.Count > 20 ? ", …" : "");
        string controllers = string.Join(", ", cg.Dirs.Select(d => d.Controller));
        return $"{tree.Count} process{(tree.Count == 1 ? "" : "es")} ({list}; {moved.Count} moved now) in {(existed ? "existing" : "new")} cgroup {cg.Path} [{controllers}]: {limits.Describe()}{removal}";
    }
}
