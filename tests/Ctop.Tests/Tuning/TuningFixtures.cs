using System.CommandLine;
using Ctop.Tuning;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Tuning;

/// <summary>Extra cgroups on the host fixture trees, and a way to run `ctop limit` in-process.</summary>
internal static class TuningFixtures
{
    /// <summary>Adds a v2 cgroup with the files the tuner writes (v2 host fixture).</summary>
    public static string AddV2Cgroup(this TempTree t, string path, string cpuMax = "max 100000", string memMax = "max", string cpus = "0-1")
    {
        var d = "sys/fs/cgroup" + path + "/";
        t.Write(d + "cgroup.controllers", "cpuset cpu io memory pids\n");
        t.Write(d + "cgroup.procs", "");
        t.Write(d + "cpu.max", cpuMax + "\n");
        t.Write(d + "cpu.max.burst", "0\n");
        t.Write(d + "cpu.weight", "100\n");
        t.Write(d + "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
        t.Write(d + "memory.max", memMax + "\n");
        t.Write(d + "memory.high", "max\n");
        t.Write(d + "memory.swap.max", "max\n");
        t.Write(d + "memory.current", "1048576\n");
        t.Write(d + "pids.max", "max\n");
        t.Write(d + "pids.current", "1\n");
        t.Write(d + "cpuset.cpus.effective", cpus + "\n");
        return t.Path(d);
    }

    /// <summary>Adds a v1 cgroup (cpu,cpuacct co-mounted, memory with swap accounting, pids) to the V1Host fixture.</summary>
    public static void AddV1Cgroup(this TempTree t, string path, string quota = "-1", string mem = "9223372036854771712", string memsw = "9223372036854771712")
    {
        string cpu = "sys/fs/cgroup/cpu,cpuacct" + path + "/", m = "sys/fs/cgroup/memory" + path + "/", p = "sys/fs/cgroup/pids" + path + "/";
        t.Write(cpu + "cpu.cfs_quota_us", quota + "\n");
        t.Write(cpu + "cpu.cfs_period_us", "100000\n");
        t.Write(cpu + "cpu.shares", "1024\n");
        t.Write(cpu + "cgroup.procs", "");
        t.Write(m + "memory.limit_in_bytes", mem + "\n");
        t.Write(m + "memory.memsw.limit_in_bytes", memsw + "\n");
        t.Write(m + "memory.usage_in_bytes", "1048576\n");
        t.Write(m + "cgroup.procs", "");
        t.Write(p + "pids.max", "max\n");
        t.Write(p + "pids.current", "1\n");
        t.Write(p + "cgroup.procs", "");
    }

    public static CgroupLayout Layout(this TempTree t) => CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot());

    public static string Read(this TempTree t, string relative) => File.ReadAllText(t.Path(relative)).Trim();

    public static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    public static void AssertUnchanged(Dictionary<string, string> before, string root)
    {
        var now = Snapshot(root);
        Assert.Equal(before.Keys.Order(), now.Keys.Order());
        foreach (var (f, text) in before) Assert.True(text.Trim() == now[f].Trim(), $"{f} changed: '{text.Trim()}' → '{now[f].Trim()}'");
    }

    /// <summary>`ctop limit ARGS` through a root command, as Program will register it; output and error captured.</summary>
    public static (int Code, string Out, string Err) RunLimit(params string[] args)
    {
        var root = new RootCommand("ctop") { TuningCommands.CreateLimitCommand() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(["limit", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The fixture's roots as ctop limit flags.</summary>
    public static string[] Roots(this TempTree t) => ["--proc-root", t.ProcRoot(), "--cgroup-root", t.CgroupRoot()];
}
