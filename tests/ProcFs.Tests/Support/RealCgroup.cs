using System.Diagnostics;

namespace ProcFs.Tests.Support;

/// <summary>
/// A real v1 cgroup named ctop-test-* in the controllers the test asks for, removed on Dispose even when
/// the test failed: every process the test started is killed first, then the directories are removed
/// deepest first. Never touches anything it did not create.
/// </summary>
public sealed class RealCgroup : IDisposable
{
    public const string V1Root = "/sys/fs/cgroup";
    private readonly List<Process> _started = new();
    private readonly List<string> _dirs = new();

    public RealCgroup(params string[] controllers)
    {
        Name = $"ctop-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32];
        Controllers = controllers.Length == 0 ? new[] { "cpu", "cpuacct", "memory", "pids" } : controllers;
        try
        {
            foreach (var c in Controllers)
            {
                var dir = System.IO.Path.Combine(V1Root, c, Name);
                Directory.CreateDirectory(dir);
                _dirs.Add(dir);
                if (c == "cpuset")
                {
                    // A new v1 cpuset is empty and refuses tasks until cpus and mems are set.
                    File.WriteAllText(System.IO.Path.Combine(dir, "cpuset.cpus"), File.ReadAllText(System.IO.Path.Combine(V1Root, c, "cpuset.cpus")).Trim());
                    File.WriteAllText(System.IO.Path.Combine(dir, "cpuset.mems"), File.ReadAllText(System.IO.Path.Combine(V1Root, c, "cpuset.mems")).Trim());
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }
    public IReadOnlyList<string> Controllers { get; }

    /// <summary>The cgroup path as /proc/PID/cgroup shows it.</summary>
    public string CgroupPath => "/" + Name;

    public string Dir(string controller) => System.IO.Path.Combine(V1Root, controller, Name);

    public string Read(string controller, string file) => File.ReadAllText(System.IO.Path.Combine(Dir(controller), file)).Trim();

    public void Write(string controller, string file, string value) => File.WriteAllText(System.IO.Path.Combine(Dir(controller), file), value);

    /// <summary>
    /// The highest cpu.shares, so that a quota'd loop in here gets its quota while the machine is busy: a top-level v1
    /// cgroup otherwise weighs as much as one task of the root, and a busy host gives it less than a quota asks for.
    /// </summary>
    public void Favour() => Write("cpu", "cpu.shares", "262144");

    /// <summary>Creates CHILD below this cgroup in each of its controllers (removed with it); returns its cgroup path.</summary>
    public string CreateChild(string child)
    {
        foreach (var c in Controllers) Directory.CreateDirectory(System.IO.Path.Combine(Dir(c), child));
        return CgroupPath + "/" + child;
    }

    /// <summary>Starts `sh -c SCRIPT` already placed in this cgroup, or in its CHILD (it waits on stdin until placed).</summary>
    public Process Start(string script, string? child = null)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("read _go; " + script);
        var p = Process.Start(psi)!;
        _started.Add(p);
        foreach (var c in Controllers) File.WriteAllText(System.IO.Path.Combine(Dir(c), child ?? "", "cgroup.procs"), p.Id.ToString());
        p.StandardInput.WriteLine("go");
        p.StandardInput.Flush();
        return p;
    }

    /// <summary>A busy loop in this cgroup (see <see cref="BusyLoopScript"/>).</summary>
    public Process StartBusyLoop() => Start(BusyLoopScript);

    /// <summary>
    /// Spins in the shell itself (so the started PID is the busy one) and, every few milliseconds of spinning, asks
    /// whether the process that started it still exists: when the test host is killed (SIGKILL, a crash) Dispose never
    /// runs, and a plain `while :` would spin on at PPID 1. kill -0 and [ are dash builtins, so the check forks nothing
    /// and the loop stays CPU-bound. Scripts passed to <see cref="Start"/> must end on their own (sleep N, a bounded loop).
    /// </summary>
    public const string BusyLoopScript =
        "while :; do i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; kill -0 $PPID 2>/dev/null || exit 0; done";

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(5000); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var dir in _dirs.AsEnumerable().Reverse())
        {
            RemoveTree(dir);
        }
    }

    /// <summary>rmdir children first; a cgroup with tasks refuses rmdir (EBUSY), so retry briefly while they die.</summary>
    public static void RemoveTree(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var sub in Directory.GetDirectories(dir)) RemoveTree(sub);
        for (int i = 0; i < 50; i++)
        {
            try { Directory.Delete(dir); return; }
            catch (IOException) when (i < 49) { Thread.Sleep(100); }
            catch (DirectoryNotFoundException) { return; }
        }
    }
}
