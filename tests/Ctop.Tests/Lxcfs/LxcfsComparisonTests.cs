using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Cli;
using Ctop.Lxcfs;
using Ctop.Tests.Model;
using ProcFs.Proc;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace Ctop.Tests.Lxcfs;

/// <summary>
/// `ctop proc FILE` against a real lxcfs 5.0.3: two private instances (plain, and --enable-cfs -l) serve a reader that
/// runs in a new pid namespace inside ctop-test-* cgroups (0.5 CPU quota, 256 MiB, and a one-CPU or two-CPU cpuset);
/// right after it has read, ctop renders the same files in-process and they are compared field by field.
/// Everything is captured once (lazily, so a skipped run starts nothing) and the facts are asserted per file.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class LxcfsComparisonTests(ITestOutputHelper log)
{
    private static readonly string[] Files = ["uptime", "cpuinfo", "stat", "loadavg", "swaps", "online", "meminfo"];

    /// <summary>What one reader saw through lxcfs and what ctop rendered right after.</summary>
    public sealed record Capture(string CgroupPath, int InitPid, double InitStart, (double From, double To) LxcfsUptimeRead,
        (double From, double To) CtopUptimeRead, (double From, double To) CtopUptimeByCgroupRead, Dictionary<string, string> Plain, Dictionary<string, string> Cfs,
        Dictionary<string, string> Ctop, Dictionary<string, string> CtopCfs, string CtopUptimeByCgroup, double OldestStart);

    public sealed record Captures(Capture OneCpu, Capture TwoCpus);

    private static readonly Lazy<Captures> Data = new(Run, LazyThreadSafetyMode.ExecutionAndPublication);

    private static Captures Run()
    {
        if (!File.Exists(RealLxcfs.Binary))
            throw new InvalidOperationException($"{RealLxcfs.Binary} is missing: 'apt-get install -y lxcfs' must run before these tests (.ci/run installs it).");
        var tmp = Directory.CreateTempSubdirectory("ctop-lxcfs-").FullName;
        try
        {
            using var plain = new RealLxcfs(Path.Combine(tmp, "plain"));
            using var cfs = new RealLxcfs(Path.Combine(tmp, "cfs"), "--enable-cfs", "-l");
            int last = Math.Max(0, SystemConf.OnlineCpus - 1);
            var one = CaptureIn(plain, cfs, Path.Combine(tmp, "one"), cpuset: last.ToString(CultureInfo.InvariantCulture));
            var two = CaptureIn(plain, cfs, Path.Combine(tmp, "two"), cpuset: null);
            return new Captures(one, two);
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }

    private static Capture CaptureIn(RealLxcfs plain, RealLxcfs cfs, string outDir, string? cpuset)
    {
        Directory.CreateDirectory(outDir);
        using var cg = new RealCgroup("cpu", "cpuacct", "cpuset", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "50000");
        cg.Write("cpu", "cpu.cfs_period_us", "100000");
        cg.Write("memory", "memory.limit_in_bytes", "268435456");
        if (cpuset is not null) cg.Write("cpuset", "cpuset.cpus", cpuset);

        // The reader is PID 1 of a new pid namespace inside the cgroup: lxcfs then answers for it (reference §5.0).
        string Cat(RealLxcfs l, string prefix) =>
            string.Join("; ", Files.Select(f => $"cat {l.Mount}/{(f == "online" ? "sys/devices/system/cpu/online" : "proc/" + f)} > {outDir}/{prefix}-{f}"
                // The host's uptime around lxcfs's: when the reader read (/proc/uptime is not per pid namespace).
                + (f == "uptime" ? $"; cat /proc/uptime > {outDir}/{prefix}-host-uptime-after" : "")));
        string HostUptimeBefore(string prefix) => $"cat /proc/uptime > {outDir}/{prefix}-host-uptime-before";
        // meminfo last, so the reader's exited cats are not in the difference ctop sees just after.
        var inner = $"{HostUptimeBefore("plain")}; {Cat(cfs, "cfs")}; {Cat(plain, "plain")}; touch {outDir}/done; exec sleep 120";
        cg.Start($"exec unshare -p -f --mount-proc sh -c '{inner}'");

        var until = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(Path.Combine(outDir, "done")))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the reader in the pid namespace did not finish");
            Thread.Sleep(10);
        }
        // ctop renders right away, meminfo (live) first; uptimes are compared by the instant they imply.
        var meminfo = CtopProc("meminfo", "--cgroup", cg.CgroupPath);
        int init = NamespaceInit(cg);
        double before = BootClock.Seconds();
        var uptime = CtopProc("uptime", "--pid", init.ToString(CultureInfo.InvariantCulture));
        double after = BootClock.Seconds();
        var byCgroup = CtopProc("uptime", "--cgroup", cg.CgroupPath);
        double afterCgroup = BootClock.Seconds();
        var ctop = Files.ToDictionary(f => f, f => f == "uptime" ? uptime : f == "meminfo" ? meminfo : CtopProc(f, "--cgroup", cg.CgroupPath));
        Assert.True(new ProcReader().TryReadStat(init, out var initStat));
        // --cgroup takes the age of the cgroup's oldest process (the unshare that forked the init).
        var oldest = cg.Read("pids", "cgroup.procs").Split('\n').Select(l => int.Parse(l, CultureInfo.InvariantCulture))
            .Select(pid => new ProcReader().TryReadStat(pid, out var s) ? s.StartTime : ulong.MaxValue).Min();
        var ctopCfs = Files.ToDictionary(f => f, f => CtopProc(f, "--cgroup", cg.CgroupPath, "--cfs"));
        double Host(string name) => double.Parse(File.ReadAllText(Path.Combine(outDir, name)).Split(' ')[0], CultureInfo.InvariantCulture);
        return new Capture(cg.CgroupPath, init, (double)initStat.StartTime / SystemConf.UserHz,
            (Host("plain-host-uptime-before"), Host("plain-host-uptime-after")), (before, after), (after, afterCgroup),
            Files.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(outDir, "plain-" + f))),
            Files.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(outDir, "cfs-" + f))),
            ctop, ctopCfs, byCgroup, (double)oldest / SystemConf.UserHz);
    }

    /// <summary>The host PID of the reader's namespace init: the process in the cgroup whose innermost NSpid is 1.</summary>
    private static int NamespaceInit(RealCgroup cg)
    {
        var reader = new ProcReader();
        foreach (var line in File.ReadAllLines(Path.Combine(cg.Dir("cpu"), "cgroup.procs")))
        {
            int pid = int.Parse(line, CultureInfo.InvariantCulture);
            if (reader.TryReadStatus(pid, out var st) && st.NSpid.Length > 1 && st.NSpid[^1] == 1) return pid;
        }
        throw new InvalidOperationException("no pid-namespace init in " + cg.CgroupPath);
    }

    /// <summary>Runs `ctop proc` through its System.CommandLine command, in-process.</summary>
    internal static string CtopProc(string file, params string[] args)
    {
        var root = new RootCommand { LxcfsCommands.CreateProcCommand() };
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = root.Parse(["proc", file == "online" ? "cpu-online" : file, .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(rc == 0, $"ctop proc {file} {string.Join(' ', args)} exited {rc}: {error}");
        return output.ToString();
    }

    private static Dictionary<string, ulong> Meminfo(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));

    [KernelFact]
    public void MeminfoMatchesLxcfs()
    {
        foreach (var c in new[] { Data.Value.OneCpu, Data.Value.TwoCpus })
        {
            var lx = Meminfo(c.Plain["meminfo"]);
            var ct = Meminfo(c.Ctop["meminfo"]);
            Assert.Equal(lx.Keys, ct.Keys); // same lines, same order
            Assert.Equal(262144UL, lx["MemTotal"]);
            Assert.Equal(lx["MemTotal"], ct["MemTotal"]);
            foreach (var key in new[] { "SwapTotal", "SwapFree", "Buffers", "SwapCached", "Slab", "SReclaimable", "SUnreclaim" })
                Assert.Equal(lx[key], ct[key]);
            // Live counters: the reader's cat processes exited between the two reads.
            foreach (var key in new[] { "MemFree", "MemAvailable", "Cached", "Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "AnonPages", "Shmem", "Unevictable" })
            {
                log.WriteLine($"{c.CgroupPath} {key}: lxcfs {lx[key]} kB, ctop {ct[key]} kB");
                // The reader's own cat is charged while lxcfs reads and gone when ctop does; the machine is shared and busy.
                Assert.True(Math.Abs((long)lx[key] - (long)ct[key]) <= 1024, $"{key}: lxcfs {lx[key]} kB, ctop {ct[key]} kB");
            }
            Assert.Matches(@"^MemTotal:\s+262144 kB$", c.Ctop["meminfo"].Split('\n')[0]);
        }
    }

    [KernelFact]
    public void CpuinfoShowsTheCpusetAndWithCfsTheQuota()
    {
        var (one, two) = (Data.Value.OneCpu, Data.Value.TwoCpus);
        int online = SystemConf.OnlineCpus;
        Assert.Equal(1, CpuinfoView.CountProcessors(one.Plain["cpuinfo"]));
        Assert.Equal(1, CpuinfoView.CountProcessors(one.Ctop["cpuinfo"]));
        Assert.Equal(1, CpuinfoView.CountProcessors(one.Cfs["cpuinfo"]));
        Assert.Equal(1, CpuinfoView.CountProcessors(one.CtopCfs["cpuinfo"]));
        // Plain lxcfs ignores the 0.5 CPU quota; --enable-cfs rounds it up to 1.
        Assert.Equal(online, CpuinfoView.CountProcessors(two.Plain["cpuinfo"]));
        Assert.Equal(online, CpuinfoView.CountProcessors(two.Ctop["cpuinfo"]));
        Assert.Equal(1, CpuinfoView.CountProcessors(two.Cfs["cpuinfo"]));
        Assert.Equal(1, CpuinfoView.CountProcessors(two.CtopCfs["cpuinfo"]));
        foreach (var c in new[] { one, two })
        {
            // Apart from the clock (cpu MHz moves), the blocks are the same text.
            static string Stable(string s) => Regex.Replace(s, @"(?m)^cpu MHz.*$", "");
            Assert.Equal(Stable(c.Plain["cpuinfo"]), Stable(c.Ctop["cpuinfo"]));
            Assert.Equal(Stable(c.Cfs["cpuinfo"]), Stable(c.CtopCfs["cpuinfo"]));
        }
    }

    private static string[][] StatCpuLines(string stat) =>
        stat.Split('\n').Where(l => l.StartsWith("cpu", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    private static string[] Labels(string stat) => stat.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();

    [KernelFact]
    public void StatHasTheSameLinesAndUsageWithinATolerance()
    {
        foreach (var c in new[] { Data.Value.OneCpu, Data.Value.TwoCpus })
        {
            Assert.Equal(Labels(c.Plain["stat"]), Labels(c.Ctop["stat"]));
            Assert.Equal(Labels(c.Cfs["stat"]), Labels(c.CtopCfs["stat"]));
            Assert.StartsWith("cpu  ", c.Ctop["stat"]); // two spaces, as lxcfs prints the aggregate
            var lx = StatCpuLines(c.Plain["stat"]);
            var ct = StatCpuLines(c.Ctop["stat"]);
            log.WriteLine($"stat lxcfs [{string.Join(" | ", lx.Select(f => string.Join(' ', f)))}] ctop [{string.Join(" | ", ct.Select(f => string.Join(' ', f)))}] ctop --cfs [{string.Join(" | ", StatCpuLines(c.CtopCfs["stat"]).Select(f => string.Join(' ', f)))}]");
            for (int i = 0; i < lx.Length; i++)
            {
                Assert.Equal(11, lx[i].Length);
                Assert.Equal(11, ct[i].Length);
                foreach (int zero in new[] { 2, 5, 6, 7, 8, 9, 10 }) Assert.Equal("0", ct[i][zero]);
                // user and system of a cgroup that only ran cat and sh: a few ticks at most.
                for (int f = 1; f <= 3; f += 2)
                    Assert.True(Math.Abs(long.Parse(lx[i][f], CultureInfo.InvariantCulture) - long.Parse(ct[i][f], CultureInfo.InvariantCulture)) <= 5, $"{lx[i][0]} field {f}: {lx[i][f]} vs {ct[i][f]}");
                // idle grows by 100 ticks per second per CPU between the two reads.
                long idleGap = long.Parse(ct[i][4], CultureInfo.InvariantCulture) - long.Parse(lx[i][4], CultureInfo.InvariantCulture);
                Assert.InRange(idleGap, -5, 300 * (i == 0 ? lx.Length : 1));
            }
            // With --cfs a fresh lxcfs prints zeros on the first read; ctop's one-shot view starts from the counters' zero.
            Assert.All(StatCpuLines(c.Cfs["stat"]), f => Assert.All(f.Skip(1), v => Assert.Equal("0", v)));
            Assert.All(StatCpuLines(c.CtopCfs["stat"]), f => Assert.Equal(11, f.Length));
            Assert.Equal(["cpu", "cpu0"], StatCpuLines(c.CtopCfs["stat"]).Select(f => f[0]));
        }
        // Plain mode keeps physical numbers: the one-CPU cpuset shows its own CPU's number.
        Assert.Equal(["cpu", "cpu" + (SystemConf.OnlineCpus - 1).ToString(CultureInfo.InvariantCulture)], StatCpuLines(Data.Value.OneCpu.Ctop["stat"]).Select(f => f[0]));
    }

    [KernelFact]
    public void UptimeIsTheAgeOfTheNamespaceInit()
    {
        foreach (var c in new[] { Data.Value.OneCpu, Data.Value.TwoCpus })
        {
            var lx = c.Plain["uptime"].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var ct = c.Ctop["uptime"].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var byCgroup = c.CtopUptimeByCgroup.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Matches(@"^\d+\.\d\d \d+\.\d\d\n$", c.Ctop["uptime"]);
            // Boot time at the read minus the age is the init's start (field 22 of its stat): the read happened between the two
            // boot times taken around it, so the start lies in that window, widened by the rounding to hundredths and
            // /proc/uptime's 10 ms.
            static void StartedAt(double start, (double From, double To) read, double age, string who) =>
                Assert.True(read.From - age - 0.02 <= start && start <= read.To - age + 0.02,
                    $"{who}: age {age:F2} read between {read.From:F3} and {read.To:F3} s after boot, but the init started at {start:F3}");
            log.WriteLine($"uptime lxcfs '{c.Plain["uptime"].Trim()}' ctop '{c.Ctop["uptime"].Trim()}' (init started {c.InitStart:F2} s after boot)");
            StartedAt(c.InitStart, c.LxcfsUptimeRead, lx[0], "lxcfs");
            StartedAt(c.InitStart, c.CtopUptimeRead, ct[0], "ctop --pid");
            // --cgroup takes the cgroup's oldest process, which started before the init (how long before depends on the load).
            StartedAt(c.OldestStart, c.CtopUptimeByCgroupRead, byCgroup[0], "ctop --cgroup");
            Assert.True(c.OldestStart <= c.InitStart);
            Assert.InRange(lx[0], 0, 10);
            Assert.InRange(ct[1], 0, ct[0]);
            Assert.InRange(ct[1] - lx[1], -0.1, 5);
        }
    }

    [KernelFact]
    public void LoadavgHasLxcfsFormatAndCountsTheCgroupsThreads()
    {
        foreach (var c in new[] { Data.Value.OneCpu, Data.Value.TwoCpus })
        {
            // lxcfs -l on its first read of a cgroup: no history, placeholder count and the init's PID.
            Assert.Equal($"0.00 0.00 0.00 0/1 {c.InitPid}\n", c.Cfs["loadavg"]);
            Assert.Equal(LoadavgView.FirstRead(c.InitPid), c.Cfs["loadavg"]);
            log.WriteLine($"loadavg lxcfs -l '{c.Cfs["loadavg"].Trim()}' ctop '{c.Ctop["loadavg"].Trim()}'");
            var m = Regex.Match(c.Ctop["loadavg"], @"^0\.00 0\.00 0\.00 (\d+)/(\d+) (\d+)\n$");
            Assert.True(m.Success, c.Ctop["loadavg"]);
            // unshare and the init (now sleep): two single-threaded processes, none running.
            Assert.InRange(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 2, 10);
            Assert.True(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) >= c.InitPid);
        }
    }

    [KernelFact]
    public void SwapsAndCpuOnlineAreIdentical()
    {
        foreach (var c in new[] { Data.Value.OneCpu, Data.Value.TwoCpus })
        {
            Assert.Equal(c.Plain["swaps"], c.Ctop["swaps"]);
            Assert.StartsWith(SwapsView.Header, c.Ctop["swaps"]);
            Assert.Equal(c.Plain["online"], c.Ctop["online"]);
            Assert.Equal(c.Cfs["online"], c.CtopCfs["online"]);
        }
        Assert.Equal("0\n", Data.Value.TwoCpus.CtopCfs["online"]);
        Assert.Equal("0-" + (SystemConf.OnlineCpus - 1).ToString(CultureInfo.InvariantCulture) + "\n", Data.Value.TwoCpus.Ctop["online"]);
    }
}
