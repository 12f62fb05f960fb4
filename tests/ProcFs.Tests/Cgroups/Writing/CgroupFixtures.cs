using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups.Writing;

/// <summary>Fixture cgroup directories for both versions, with a snapshot to prove nothing was written.</summary>
internal static class CgroupFixtures
{
    public static string V2(TempTree t, string name = "grp")
    {
        t.Write($"{name}/cpu.max", "max 100000\n");
        t.Write($"{name}/cpu.max.burst", "0\n");
        t.Write($"{name}/cpu.weight", "100\n");
        t.Write($"{name}/memory.max", "max\n");
        t.Write($"{name}/memory.high", "max\n");
        t.Write($"{name}/memory.swap.max", "max\n");
        t.Write($"{name}/pids.max", "max\n");
        t.Write($"{name}/cpuset.cpus", "\n");
        t.Write($"{name}/cpuset.mems", "\n");
        t.Write($"{name}/cgroup.procs", "");
        return t.Path(name);
    }

    public static string V1(TempTree t, string name = "v1grp")
    {
        t.Write($"{name}/cpu.cfs_quota_us", "-1\n");
        t.Write($"{name}/cpu.cfs_period_us", "100000\n");
        t.Write($"{name}/cpu.cfs_burst_us", "0\n");
        t.Write($"{name}/cpu.shares", "1024\n");
        t.Write($"{name}/memory.limit_in_bytes", "9223372036854771712\n");
        t.Write($"{name}/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        t.Write($"{name}/pids.max", "max\n");
        t.Write($"{name}/cpuset.cpus", "0-1\n");
        t.Write($"{name}/cgroup.procs", "");
        return t.Path(name);
    }

    public static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    public static void AssertUnchanged(Dictionary<string, string> before, string root)
    {
        var now = Snapshot(root);
        Assert.Equal(before.Keys.Order(), now.Keys.Order());
        foreach (var (f, text) in before) Assert.True(text == now[f], $"{f} changed: '{text}' → '{now[f]}'");
    }
}
