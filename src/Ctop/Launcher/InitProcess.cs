using Ctop.Posix;
using ProcFs.Cgroups;
using ProcFs.Native;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mono.Unix.Native;

namespace Ctop.Launcher;

/// <summary>
/// The hidden entry point of the re-exec'd ctop. <c>ctop run</c> starts its own executable as
/// <c>ctop --ctop-internal-init run [OPTIONS] -- COMMAND...</c> inside fresh namespaces; that process (PID 1 of
/// its pid namespace) waits until the launcher has put it into the container's cgroups, prepares mounts and
/// hostname, and execve's the command, which so becomes PID 1 under its limits from its first instruction.
/// <c>ctop exec</c> uses <c>--ctop-internal-init exec</c>: placed in the target's cgroups, the helper enters the
/// target's namespaces and spawns the command there (a pid namespace applies to children only), relaying its status.
/// <c>--ctop-internal-init guard</c> outlives the launcher: when the launcher dies without saying it is done (or, for
/// attach, when the attached process exits) it kills what is left in the container's cgroups and removes them.
/// This file is also compiled into the small ctop-init executable, which starts in a fraction of ctop's time.
/// </summary>
public static class InitProcess
{
    public const string Marker = "--ctop-internal-init";

    /// <summary>The small init shipped beside ctop; without it ctop starts itself again.</summary>
    public const string SmallInitName = "ctop-init";

    /// <summary>
    /// Tests only: names a set-up step at which the launcher or the init stops (says so on stderr and sleeps), so a
    /// test can SIGKILL the launcher there; STEP+N carries on after N seconds, so a test can signal it there. Unset in
    /// production; it changes nothing but the wait.
    /// </summary>
    public const string PauseVariable = "CTOP_TEST_PAUSE_AT";

    internal static void PauseIfAsked(string step)
    {
        if (Environment.GetEnvironmentVariable(PauseVariable) is not { } at || !at.StartsWith(step, StringComparison.Ordinal)) return;
        uint seconds = 0;
        if (at.Length != step.Length && (at[step.Length] != '+' || !uint.TryParse(at.AsSpan(step.Length + 1), out seconds))) return;
        Report2("ctop: paused at " + step);
        // pause(2) and sleep(3), not Thread.Sleep: in the init this runs after pivot_root, where the runtime can load
        // nothing more. A signal handled meanwhile ends sleep early; a timed pause is not exact, only a window.
        if (seconds > 0)
        {
            Syscall.sleep(seconds);
            return;
        }
        while (true) Syscall.pause();
    }

    private static unsafe void Report2(string line)
    {
        byte[] data = Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* p = data) Syscall.write(2, p, (ulong)data.Length);
    }

    /// <summary>
    /// Call first thing in Main, before any parsing: returns false for every ordinary command line; otherwise runs the
    /// init (which ends in execve on success) and gives its exit code.
    /// </summary>
    public static bool TryRunInit(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (args.Length < 2 || args[0] != Marker) return false;
        exitCode = InitMain(args);
        return true;
    }

    private sealed class Options
    {
        public string Mode = "";
        public string? HostMntNs, Rootfs, Hostname, Record;
        public bool Proc, CgroupNs, Loopback, Watch;
        public int TargetPid, NsFlags;
        public string[] Command = [];
    }

    private sealed class InitFailure(int code, string message) : Exception(message)
    {
        public int Code { get; } = code;
    }

    private static int InitMain(string[] args)
    {
        // The guard must outlive the launcher: it has no PDEATHSIG and speaks its own protocol on fd 3.
        if (args[1] == "guard") return GuardMain(args);
        // First: if the launcher's spawning thread is already gone, the release pipe below reports EOF instead.
        Native.Prctl(Native.PR_SET_PDEATHSIG, (nuint)Signum.SIGKILL, 0, 0, 0);
        SetCloexec(InitChild.ReleaseFd);
        SetCloexec(InitChild.ReportFd);
        Options o;
        try { o = Parse(args); }
        catch (InitFailure e) { return Fail(e); }
        Report("R");
        if (!WaitForRelease()) return 1;
        try
        {
            return o.Mode == "run" ? RunInit(o) : ExecHelper(o);
        }
        catch (InitFailure e) { return Fail(e); }
    }

    private static Options Parse(string[] args)
    {
        var o = new Options { Mode = args[1] };
        if (o.Mode is not ("run" or "exec" or "guard")) throw new InitFailure(125, $"unknown init mode '{o.Mode}'");
        int i = 2;
        for (; i < args.Length && args[i] != "--"; i++)
        {
            string a = args[i];
            int eq = a.IndexOf('=');
            string key = eq < 0 ? a : a[..eq], value = eq < 0 ? "" : a[(eq + 1)..];
            switch (key)
            {
                case "mntns": o.HostMntNs = value; break;
                case "rootfs": o.Rootfs = value; break;
                case "hostname": o.Hostname = value; break;
                case "proc": o.Proc = true; break;
                case "cgroupns": o.CgroupNs = true; break;
                case "lo": o.Loopback = true; break;
                case "pid": o.TargetPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "ns": o.NsFlags = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "record": o.Record = value; break;
                case "watch": o.Watch = true; break;
                default: throw new InitFailure(125, $"unknown init option '{a}'");
            }
        }
        o.Command = args[Math.Min(i + 1, args.Length)..];
        if (o.Command.Length == 0) throw new InitFailure(125, "no command");
        return o;
    }

    // ------------------------------------------------------------------ run: become the command

    private static unsafe int RunInit(Options o)
    {
        // After placement, so the cgroup namespace's root is the container's cgroup.
        if (o.CgroupNs) Check(Native.Unshare(Native.CLONE_NEWCGROUP), "unshare(cgroup)");
        if (o.HostMntNs is not null)
        {
            // Host mounts may be shared: make ours private first, but never on the host's own namespace.
            string? mine = Namespaces.Identity("self", "mnt");
            if (mine is null || mine == o.HostMntNs) throw new InitFailure(125, "the mount namespace is not new; refusing to change mounts");
            Check(Native.Mount(null, "/", null, Native.MS_REC | Native.MS_PRIVATE, 0), "making / private");
        }
        if (o.Hostname is not null) Check(Syscall.sethostname(o.Hostname), "sethostname");
        if (o.Loopback && Native.LoopbackUp() is int e and not 0) throw new InitFailure(125, "bringing up lo: " + Native.StrError(e));
        // After pivot_root the runtime's own files are gone: whatever runs from here on must already be loaded and
        // compiled, so the signal reset, argv and the failure path are prepared while the host root is still there.
        ResetSignals();
        byte** argv = Native.ExecArgv(o.Command);
        _ = ExecFailure(o.Command[0], LinuxErrno.ENOENT);
        PauseIfAsked("");
        if (o.Rootfs is not null) EnterRootfs(o.Rootfs, o.Proc);
        else if (o.Proc) Check(Native.Mount("proc", "/proc", "proc", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, 0), "mounting /proc");

        PauseIfAsked("mounted");
        Syscall.close(InitChild.ReleaseFd);
        Native.Exec(argv);
        int errno = Native.LastError;
        throw ExecFailure(o.Command[0], errno);
    }

    private static void EnterRootfs(string rootfs, bool proc)
    {
        if (!Directory.Exists(rootfs)) throw new InitFailure(125, $"--rootfs {rootfs}: not a directory");
        // pivot_root needs the new root to be a mount point.
        Check(Native.Mount(rootfs, rootfs, null, Native.MS_BIND | Native.MS_REC, 0), $"bind-mounting {rootfs}");
        string procDir = Path.Combine(rootfs, "proc");
        if (proc || Directory.Exists(procDir))
        {
            if (!Directory.Exists(procDir)) throw new InitFailure(125, $"--rootfs {rootfs}: has no /proc directory to mount proc on");
            Check(Native.Mount("proc", procDir, "proc", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, 0), $"mounting {procDir}");
        }
        string dev = Path.Combine(rootfs, "dev");
        if (Directory.Exists(dev)) PopulateDev(dev);
        Check(Native.Chdir(rootfs), $"chdir {rootfs}");
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the rootfs.
        Check(Native.PivotRoot(".", "."), "pivot_root");
        Check(Native.Umount2(".", Native.MNT_DETACH), "detaching the old root");
        Check(Native.Chdir("/"), "chdir /");
    }

    /// <summary>A tmpfs /dev with the host's harmless character devices bound in, as docker provides.</summary>
    private static void PopulateDev(string dev)
    {
        nint data = Marshal.StringToCoTaskMemUTF8("mode=755");
        try { Check(Native.Mount("tmpfs", dev, "tmpfs", Native.MS_NOSUID, data), $"mounting tmpfs on {dev}"); }
        finally { Marshal.FreeCoTaskMem(data); }
        foreach (var name in new[] { "null", "zero", "full", "random", "urandom", "tty" })
        {
            string host = "/dev/" + name, target = Path.Combine(dev, name);
            if (!File.Exists(host)) continue;
            File.WriteAllBytes(target, []);
            Check(Native.Mount(host, target, null, Native.MS_BIND, 0), $"binding {host}");
        }
    }

    // ------------------------------------------------------------------ exec: enter and spawn

    private static unsafe int ExecHelper(Options o)
    {
        // The terminal's Ctrl-C reaches the command directly; the helper only relays its status.
        foreach (var s in new[] { Signum.SIGINT, Signum.SIGQUIT, Signum.SIGTERM, Signum.SIGHUP })
            Stdlib.SetSignalAction(s, SignalAction.Ignore);
        // Prepared before setns: in a container with its own root the runtime cannot load anything afterwards.
        byte* file = InitChild.Utf8Z(o.Command[0]);
        byte** argv = InitChild.NativeStrings(o.Command);
        byte** envp = InitChild.NativeStrings(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => $"{e.Key}={e.Value}").ToList());
        void* attr = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
        byte* all = stackalloc byte[Native.SigSetSize];
        byte* none = stackalloc byte[Native.SigSetSize];
        Native.Sigfillset(all);
        Native.Sigemptyset(none);
        Native.SpawnAttrInit(attr);
        Native.SpawnAttrSetFlags(attr, (short)(Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK));
        Native.SpawnAttrSetSigDefault(attr, all);
        Native.SpawnAttrSetSigMask(attr, none);
        _ = ExecFailure(o.Command[0], LinuxErrno.ENOENT);
        _ = InitChild.ExitCodeOf(0);
        Syscall.waitpid(Environment.ProcessId, out _, WaitOptions.WNOHANG); // never our child: ECHILD
        Syscall.kill(Environment.ProcessId, 0);
        Native.PollFd none1 = default;
        Native.Poll(&none1, 0, 0);

        int pidfd = Native.PidfdOpen(o.TargetPid);
        if (pidfd < 0) throw new InitFailure(125, $"process {o.TargetPid}: {Native.StrError(Native.LastError)}");
        if (o.NsFlags != 0)
        {
            // Without its own fs_struct a multithreaded process may not join a mount namespace (and a pidfd setns
            // would move every thread's root and cwd).
            Check(Native.Unshare(Native.CLONE_FS), "unshare(CLONE_FS)");
            Check(Native.Setns(pidfd, o.NsFlags), $"setns({Namespaces.Format(o.NsFlags)}) into process {o.TargetPid}");
            if ((o.NsFlags & Native.CLONE_NEWNS) != 0) Check(Native.Chdir("/"), "chdir /");
        }
        Syscall.close(pidfd);

        // From here the helper must outlive ctop long enough to take the command with it: no PDEATHSIG, the release
        // pipe (kept open by ctop) is the lifeline instead. Should ctop already be gone, the pipe is at EOF already.
        Native.Prctl(Native.PR_SET_PDEATHSIG, 0, 0, 0, 0);
        int rc = Native.PosixSpawnp(out int pid, file, null, attr, argv, envp);
        if (rc != 0) throw ExecFailure(o.Command[0], rc);
        Report("P " + pid.ToString(CultureInfo.InvariantCulture));
        Syscall.close(InitChild.ReportFd);
        int status = WaitOrKillWhenCtopDies(pid);
        return InitChild.ExitCodeOf(status);
    }

    /// <summary>
    /// Waits for the command; if ctop's end of the release pipe closes first (ctop died), SIGKILLs the command. A pidfd
    /// makes the command's exit pollable together with the pipe.
    /// </summary>
    private static unsafe int WaitOrKillWhenCtopDies(int pid)
    {
        int pidfd = Native.PidfdOpen(pid);
        if (pidfd >= 0)
        {
            Native.PollFd* fds = stackalloc Native.PollFd[2];
            while (true)
            {
                fds[0] = new Native.PollFd { Fd = InitChild.ReleaseFd, Events = Native.POLLIN };
                fds[1] = new Native.PollFd { Fd = pidfd, Events = Native.POLLIN };
                if (Native.Poll(fds, 2, -1) < 0)
                {
                    if (Native.LastError == LinuxErrno.EINTR) continue;
                    break; // cannot watch: just wait, as before the lifeline existed
                }
                if (fds[1].Revents != 0) break;
                if ((fds[0].Revents & (Native.POLLIN | Native.POLLHUP | Native.POLLERR)) != 0)
                {
                    Syscall.kill(pid, Signum.SIGKILL);
                    break;
                }
            }
            Syscall.close(pidfd);
        }
        int status;
        while (Syscall.waitpid(pid, out status, 0) < 0 && Stdlib.GetLastError() == Errno.EINTR) { }
        return status;
    }

    // ------------------------------------------------------------------ guard: nothing left when the launcher is killed

    /// <summary>
    /// <c>guard [record=FILE] [watch] -- INODE:DIR...</c>, in its own session with stdio on /dev/null, outside the
    /// container's namespaces and cgroups. Without <c>watch</c>, fd 3 is a pipe from the launcher, which writes
    /// <c>C INODE DIR</c> for each directory it made and <c>D</c> once it has cleaned up itself; end-of-file without
    /// <c>D</c> means the launcher died. With <c>watch</c>, fd 3 is a pidfd of an attached process and its exit is
    /// the signal. Then everything in the directories that are still those cgroups (same inode) is killed, the
    /// directories are removed, and so is the launcher's record when nothing of it is left.
    /// </summary>
    private static unsafe int GuardMain(string[] args)
    {
        foreach (var s in new[] { Signum.SIGINT, Signum.SIGQUIT, Signum.SIGTERM, Signum.SIGHUP, Signum.SIGPIPE })
            Stdlib.SetSignalAction(s, SignalAction.Ignore);
        Options o;
        try { o = Parse(args); }
        catch (InitFailure) { return 125; }
        catch (FormatException) { return 125; }
        var dirs = new List<(string Dir, ulong? Inode)>();
        foreach (var spec in o.Command)
        {
            int colon = spec.IndexOf(':');
            if (colon <= 0 || !spec.AsSpan(colon + 1).StartsWith("/")) continue;
            dirs.Add((spec[(colon + 1)..], ulong.TryParse(spec.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null));
        }
        if (o.Watch)
        {
            // A pidfd polls readable once its process has exited.
            Native.PollFd fd = new() { Fd = InitChild.ReleaseFd, Events = Native.POLLIN };
            while (Native.Poll(&fd, 1, -1) < 0 && Native.LastError == LinuxErrno.EINTR) { }
        }
        else
        {
            var pending = new List<byte>();
            byte* buf = stackalloc byte[512];
            while (true)
            {
                long n = Syscall.read(InitChild.ReleaseFd, buf, 512);
                if (n < 0 && Stdlib.GetLastError() == Errno.EINTR) continue;
                if (n <= 0) break; // the launcher is gone without saying it is done
                for (int k = 0; k < n; k++) pending.Add(buf[k]);
                int nl;
                while ((nl = pending.IndexOf((byte)'\n')) >= 0)
                {
                    string line = Encoding.UTF8.GetString(pending.GetRange(0, nl).ToArray());
                    pending.RemoveRange(0, nl + 1);
                    if (line == "D") return 0;
                    var parts = line.Split(' ', 3);
                    if (parts.Length == 3 && parts[0] == "C" && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ino))
                    {
                        int at = dirs.FindIndex(d => d.Dir == parts[2]);
                        if (at >= 0) dirs[at] = (parts[2], ino);
                    }
                }
            }
        }
        return CleanUp(dirs, o.Record) ? 0 : 1;
    }

    /// <summary>Kills what is in the directories that are still the recorded cgroups, removes them, then the record.</summary>
    private static bool CleanUp(List<(string Dir, ulong? Inode)> dirs, string? record)
    {
        // Only what the launcher said it made and that is still that cgroup: never a namesake made since.
        var mine = dirs.Where(d => d.Inode is { } i && CgroupDirectory.Inode(d.Dir) == i).Select(d => d.Dir).ToList();
        long deadline = Environment.TickCount64 + 5000;
        while (true)
        {
            bool any = false;
            foreach (var d in mine)
            {
                // v2: one write kills the whole cgroup, forks included; v1 has no cgroup.kill, so PID by PID until empty.
                CgroupDirectory.Kill(d);
                foreach (int pid in CgroupDirectory.Pids(d))
                    if (pid > 1)
                    {
                        any = true;
                        Syscall.kill(pid, Signum.SIGKILL);
                    }
            }
            if (!any || Environment.TickCount64 > deadline) break;
            Thread.Sleep(5);
        }
        bool removed = true;
        foreach (var d in mine)
            while (CgroupDirectory.TryRemove(d) is var e and not 0)
            {
                if (e == LinuxErrno.ENOENT) break;
                // Busy while killed tasks finish exiting.
                if (e != LinuxErrno.EBUSY || Environment.TickCount64 > deadline) { removed = false; break; }
                Thread.Sleep(5);
            }
        // A directory whose inode never arrived may be ours (killed right after mkdir): the record keeps it for the next
        // run's sweep, which removes it if empty.
        bool unknownLeft = dirs.Any(d => d.Inode is null && CgroupDirectory.Exists(d.Dir));
        if (record is not null && removed && !unknownLeft) Native.Unlink(record);
        return removed;
    }

    // ------------------------------------------------------------------ plumbing

    /// <summary>Like a shell: 127 when the command is not found, 126 when it is found but cannot be executed.</summary>
    private static InitFailure ExecFailure(string command, int errno) => errno switch
    {
        LinuxErrno.ENOENT when !command.Contains('/') => new InitFailure(127, $"{command}: command not found"),
        LinuxErrno.ENOENT or LinuxErrno.ENOTDIR => new InitFailure(127, $"{command}: no such file or directory"),
        LinuxErrno.EACCES or LinuxErrno.EPERM or LinuxErrno.EISDIR => new InitFailure(126, $"{command}: permission denied (not an executable file)"),
        LinuxErrno.ENOEXEC => new InitFailure(126, $"{command}: cannot execute (not a binary or script the kernel can run)"),
        _ => new InitFailure(126, $"{command}: cannot execute: {Native.StrError(errno)}"),
    };

    private static void Check(int rc, string what)
    {
        if (rc < 0) throw new InitFailure(125, $"{what}: {Native.StrError(Marshal.GetLastPInvokeError() is var e and not 0 ? e : (int)Stdlib.GetLastError())}");
    }

    private static int Fail(InitFailure e)
    {
        Report($"E {e.Code.ToString(CultureInfo.InvariantCulture)} {e.Message.ReplaceLineEndings(" ")}");
        return e.Code;
    }

    private static unsafe void Report(string line)
    {
        byte[] data = Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* p = data) Syscall.write(InitChild.ReportFd, p, (ulong)data.Length);
    }

    private static unsafe bool WaitForRelease()
    {
        byte b;
        long n;
        do n = Syscall.read(InitChild.ReleaseFd, &b, 1);
        while (n < 0 && Stdlib.GetLastError() == Errno.EINTR);
        return n == 1;
    }

    private static void SetCloexec(int fd) => Syscall.fcntl(fd, FcntlCommand.F_SETFD, 1);

    /// <summary>The .NET runtime ignores SIGPIPE and may block signals; a command must start with the defaults.</summary>
    private static unsafe void ResetSignals()
    {
        for (int s = 1; s < 32; s++)
            if (s is not (9 or 19)) Stdlib.SetSignalAction((Signum)s, SignalAction.Default);
        byte* none = stackalloc byte[Native.SigSetSize];
        Native.Sigemptyset(none);
        Native.PthreadSigmask(Native.SIG_SETMASK, none, null);
    }
}
