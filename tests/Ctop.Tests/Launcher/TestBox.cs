using System.Diagnostics;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

/// <summary>
/// One container name for a test, ctop-test-*, under ctop's default parent. Dispose kills whatever is still in its
/// cgroups and every process the test started, then removes the directories — also when the test failed.
/// </summary>
internal sealed class TestBox : IDisposable
{
    public static readonly string[] Controllers = ["cpu", "cpuacct", "memory", "pids", "cpuset"];
    private readonly List<Process> _started = new();

    public string Name { get; } = "ctop-test-" + Guid.NewGuid().ToString("N")[..10];

    public string CgroupPath => "/ctop/" + Name;

    public string Dir(string controller) => Path.Combine(RealCgroup.V1Root, controller, "ctop", Name);

    public string Read(string controller, string file) => File.ReadAllText(Path.Combine(Dir(controller), file)).Trim();

    public IReadOnlyList<int> Procs(string controller = "pids") =>
        Directory.Exists(Dir(controller))
            ? File.ReadAllLines(Path.Combine(Dir(controller), "cgroup.procs")).Where(l => l.Length > 0).Select(int.Parse).ToList()
            : [];

    public bool AnyDirectoryLeft => Controllers.Any(c => Directory.Exists(Dir(c)));

    public Process Track(Process p)
    {
        _started.Add(p);
        return p;
    }

    /// <summary>Waits until the container's cgroup holds a process; returns it (the container's PID 1, as a host PID).</summary>
    public int WaitForProcess(int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            var procs = Procs();
            if (procs.Count > 0) return procs.Min();
            Thread.Sleep(20);
        }
        Assert.Fail($"no process appeared in {CgroupPath}");
        return 0;
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(5000); } }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var c in Controllers)
        {
            var dir = Dir(c);
            for (int i = 0; i < 100 && Directory.Exists(dir); i++)
            {
                try
                {
                    foreach (var line in File.ReadAllLines(Path.Combine(dir, "cgroup.procs")))
                        if (int.TryParse(line, out int pid)) Mono.Unix.Native.Syscall.kill(pid, Mono.Unix.Native.Signum.SIGKILL);
                }
                catch (IOException) { }
                RealCgroup.RemoveTree(dir);
            }
            // ctop's default parent, when nothing else lives in it (rmdir refuses otherwise).
            try { Directory.Delete(Path.GetDirectoryName(dir)!); }
            catch (IOException) { }
        }
    }

    /// <summary>No cgroup, no process mentioning <paramref name="marker"/>, no mount mentioning it.</summary>
    public static void AssertNothingLeft(TestBox box, string marker)
    {
        Assert.False(box.AnyDirectoryLeft, $"a cgroup directory of {box.Name} was left behind");
        var deadline = DateTime.UtcNow.AddSeconds(3);
        List<int> left;
        do
        {
            left = ProcessesMentioning(marker);
            if (left.Count == 0) break;
            Thread.Sleep(50);
        } while (DateTime.UtcNow < deadline);
        Assert.True(left.Count == 0, $"processes mentioning {marker} were left: {string.Join(", ", left)}");
        Assert.DoesNotContain(marker, File.ReadAllText("/proc/self/mountinfo"));
        Assert.DoesNotContain(marker, File.ReadAllText("/proc/1/mountinfo"));
    }

    public static List<int> ProcessesMentioning(string marker)
    {
        var found = new List<int>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(d, "cmdline")).Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
