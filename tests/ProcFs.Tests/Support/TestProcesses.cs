namespace ProcFs.Tests.Support;

/// <summary>Whether a process a test started is still alive, read from the host's /proc.</summary>
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
}
