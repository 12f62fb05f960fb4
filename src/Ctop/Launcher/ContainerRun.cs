using Ctop.Posix;
using ProcFs.Native;
using System.Globalization;
using System.Reflection;
using Mono.Unix.Native;
using ProcFs.Cgroups;

namespace Ctop.Launcher;

/// <summary>What <c>ctop run</c> was asked to do.</summary>
public sealed record RunSpec(
    IReadOnlyList<string> Command,
    string? Name = null,
    string Parent = "ctop",
    LimitSet? Limits = null,
    int Namespaces = -1,
    string? Hostname = null,
    string? Rootfs = null,
    bool Keep = false)
{
    public int NamespaceFlags => Namespaces == -1 ? Launcher.Namespaces.Parse(Launcher.Namespaces.DefaultList) : Namespaces;
}

/// <summary>
/// <c>ctop run</c>: a cgroup with limits, a re-exec'd init in new namespaces placed into it before it may run,
/// then the command as that init's execve. Every exit path kills what is left in the cgroup and removes it
/// (unless --keep after the command ran); mounts live in the container's own mount namespace and die with it.
/// </summary>
public static class ContainerRun
{
    public static int Run(RunSpec spec, TextWriter error, string recordDir = ContainerRecord.DefaultDir)
    {
        try { return RunOrThrow(spec, error, recordDir); }
        catch (LimitArgsException e) { return Fail(error, e.Message); }
        catch (LaunchException e) { return Fail(error, e.Message, e.ExitCode); }
        catch (CgroupWriteException e) { return Fail(error, e.Message); }
    }

    private static int Fail(TextWriter error, string message, int code = LaunchException.LauncherFailure)
    {
        error.WriteLine("ctop run: " + message);
        return code;
    }

    private static int RunOrThrow(RunSpec spec, TextWriter error, string recordDir)
    {
        int flags = spec.NamespaceFlags;
        string name = spec.Name ?? ContainerName.Generate();
        Validate(spec, name, flags);
        var limits = spec.Limits ?? new LimitSet();
        var layout = CgroupLayout.Discover();

        using var signals = new SignalForwarder(() => Posix.ProcessConsole.StopSignal);
        if (signals.Pending is { } before) return 128 + before; // stopped before anything was made
        Warmup();
        // What killed runs left behind goes first, so their names are free again.
        foreach (var stale in ContainerRecord.Sweep(recordDir))
            error.WriteLine($"ctop run: removed {stale}, left behind when that run was killed");
        ContainerRecord? record = null;
        BoxGuard? guard = null;
        ContainerCgroup cg;
        try
        {
            cg = ContainerCgroup.Create(layout, ContainerName.ParentPath(spec.Parent), name, ContainerCgroup.ControllersFor(limits),
                planned =>
                {
                    record = ContainerRecord.Claim(recordDir, planned);
                    // Started before any directory exists, so there is no moment at which a SIGKILL leaves one unguarded
                    // (but the few instructions between mkdir and telling the guard, for which the record is kept).
                    guard = BoxGuard.ForRun(planned.DistinctDirs, record?.FilePath);
                    InitProcess.PauseIfAsked("claimed");
                });
        }
        catch
        {
            record?.Release();
            guard?.Done();
            throw;
        }
        guard?.Created(cg.Created);
        record?.Created(cg);
        InitProcess.PauseIfAsked("created");
        InitChild? child = null;
        bool commandRan = false;
        try
        {
            cg.Apply(limits);
            child = InitChild.Start(InitArgs(spec, name, flags), flags & ~Native.CLONE_NEWCGROUP);
            signals.Target(child.Pid, (flags & Native.CLONE_NEWPID) != 0);
            if (!child.WaitReady())
            {
                int initStatus = child.WaitExit();
                if (signals.Emulated is { } killed) return 128 + killed; // a stop signal ended it, as asked
                throw new LaunchException($"ctop's init exited before it was ready (status {initStatus})");
            }
            InitProcess.PauseIfAsked("spawned");
            if (signals.Pending is { } early) return 128 + early;
            cg.Add(child.Pid);
            InitProcess.PauseIfAsked("placed");
            child.Release();
            string? failure = null;
            int failureCode = 0;
            child.ReadReports(line =>
            {
                if (line.StartsWith("E ", StringComparison.Ordinal) && failure is null)
                {
                    var parts = line.Split(' ', 3);
                    failureCode = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    failure = parts.Length > 2 ? parts[2] : "failed";
                }
            });
            signals.Launched();
            commandRan = failure is null;
            int status = child.WaitExit();
            if (failure is not null) throw new LaunchException(failure, failureCode);
            return signals.Emulated is { } sig ? 128 + sig : status;
        }
        catch (Exception) when (signals.Emulated is { } stopped)
        {
            // A stop signal killed the init while it was being placed or released: what failed after that (the move
            // into the cgroup gets ESRCH) failed because the user asked ctop to stop, which it did.
            return 128 + stopped;
        }
        finally
        {
            if (child is not null && !child.HasExited)
            {
                child.Kill();
                child.WaitExit();
            }
            if (spec.Keep && commandRan) error.WriteLine($"ctop run: kept cgroup {cg.Path}");
            else if (cg.Destroy() is { } why) error.WriteLine($"ctop run: could not remove {cg.Path}: {why}");
            // A cgroup that could not be removed keeps its record: the next run's sweep tries again.
            record?.Release(forget: spec.Keep && commandRan);
            guard?.Done();
        }
    }

    private static void Validate(RunSpec spec, string name, int flags)
    {
        if (spec.Command.Count == 0 || spec.Command[0].Length == 0) throw new LimitArgsException("no command given (ctop run [OPTIONS] -- COMMAND [ARGS...])");
        if (ContainerName.Validate(name) is { } badName) throw new LimitArgsException($"--name {name}: {badName}");
        if (ContainerName.ValidateParent(spec.Parent) is { } badParent) throw new LimitArgsException($"--parent {spec.Parent}: {badParent}");
        if (spec.Hostname is { } h)
        {
            if ((flags & Native.CLONE_NEWUTS) == 0) throw new LimitArgsException("--hostname needs the uts namespace (--ns ...,uts)");
            if (h.Length is 0 or > 64 || h.Any(c => char.IsControl(c) || c == ' '))
                throw new LimitArgsException($"--hostname {h}: 1 to 64 characters without spaces");
        }
        if (spec.Rootfs is { } r)
        {
            if ((flags & Native.CLONE_NEWNS) == 0) throw new LimitArgsException("--rootfs needs the mnt namespace (--ns ...,mnt)");
            if (!Directory.Exists(r)) throw new LimitArgsException($"--rootfs {r}: no such directory");
            if (Path.GetFullPath(r) == "/") throw new LimitArgsException("--rootfs /: that is the host's root already");
        }
    }

    private static List<string> InitArgs(RunSpec spec, string name, int flags)
    {
        var args = new List<string>(InitCommand()) { "run" };
        if ((flags & Native.CLONE_NEWNS) != 0)
        {
            args.Add("mntns=" + (Namespaces.Identity("self", "mnt") ?? "?"));
            if ((flags & Native.CLONE_NEWPID) != 0) args.Add("proc");
        }
        if ((flags & Native.CLONE_NEWCGROUP) != 0) args.Add("cgroupns");
        if ((flags & Native.CLONE_NEWNET) != 0) args.Add("lo");
        // Like docker, a new uts namespace is named after the container unless told otherwise.
        if (spec.Hostname is { } h) args.Add("hostname=" + h);
        else if ((flags & Native.CLONE_NEWUTS) != 0) args.Add("hostname=" + name);
        if (spec.Rootfs is { } r) args.Add("rootfs=" + Path.GetFullPath(r));
        args.Add("--");
        args.AddRange(spec.Command);
        return args;
    }

    /// <summary>
    /// How to start the init (and the exec helper and the guard): the small ctop-init beside ctop when it is there,
    /// else ctop itself again. Both take the same hidden arguments.
    /// </summary>
    internal static IReadOnlyList<string> InitCommand()
    {
        string small = Path.Combine(AppContext.BaseDirectory, InitProcess.SmallInitName);
        return Native.Access(small, Native.X_OK) == 0 ? [small, InitProcess.Marker] : [.. SelfCommand(), InitProcess.Marker];
    }

    /// <summary>
    /// How to start this executable again: the apphost or NativeAOT binary itself, or "dotnet app.dll" when run through
    /// the muxer. Whatever it is, its Main must call <see cref="InitProcess.TryRunInit"/> first.
    /// </summary>
    internal static IReadOnlyList<string> SelfCommand()
    {
        string path = Environment.ProcessPath ?? throw new LaunchException("cannot find ctop's own executable (Environment.ProcessPath)");
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            string dll = Path.Combine(AppContext.BaseDirectory, (Assembly.GetEntryAssembly()?.GetName().Name ?? "ctop") + ".dll");
            return [path, dll];
        }
        return [path];
    }

    /// <summary>
    /// Loads and compiles, on this thread, what the namespaced spawning thread will call: after unshare(CLONE_NEWPID)
    /// that thread can no longer start runtime threads.
    /// </summary>
    internal static void Warmup()
    {
        Syscall.waitpid(Environment.ProcessId, out _, WaitOptions.WNOHANG); // never our own child: ECHILD
        _ = Stdlib.GetLastError();
        _ = Syscall.getpid();
        InitChild.ExitCodeOf(0);
        _ = Native.StrError(LinuxErrno.EINVAL);
    }
}
