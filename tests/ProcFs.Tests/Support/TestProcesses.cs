namespace ProcFs.Tests.Support;

/// <summary>Processes a test started, read from the host's /proc: alive, their children, their names.</summary>
public static class TestProcesses
{
    /// <summary>
    /// Running or sleeping: not gone and not a zombie. A killed task leaves its cgroup before it turns zombie (and a
    /// pid namespace's init first waits for the namespace to empty), so callers wait with a deadline, not one look.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Length > 0 && stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Those of <paramref name="pids"/> still alive once all are dead or <paramref name="timeout"/> passed.</summary>
    public static List<int> AliveAfter(IReadOnlyCollection<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<int> alive;
        while ((alive = pids.Where(IsAlive).ToList()).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        return alive;
    }

    /// <summary>The children of <paramref name="pid"/>'s main thread, from /proc/PID/task/PID/children.</summary>
    public static List<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        }
        catch (IOException) { return []; }
    }

    /// <summary>
    /// Waits until <paramref name="pid"/> has <paramref name="count"/> children that exec'd <paramref name="comm"/>: a
    /// shell forks a subshell first, which execs later, and a loaded machine may take a while to run it at all.
    /// </summary>
    public static List<int> WaitForChildren(int pid, int count, string comm, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        List<int> ready;
        while ((ready = Children(pid).Where(c => Comm(c) == comm).ToList()).Count < count && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(ready.Count >= count, $"{pid} has {ready.Count} children running {comm}, not {count}");
        return ready;
    }

    /// <summary>The process's name (/proc/PID/comm), or "" once it is gone.</summary>
    public static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }
}
