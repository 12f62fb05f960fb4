using System.Diagnostics;
using System.Reflection;
using System.Text;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace ProcFs.Tests.Reliability;

/// <summary>
/// Every parser, fed the fixture shapes and real-kernel samples, this machine's own files, and mutations of them:
/// each input either parses or throws ProcFsFormatException naming the file. Anything else
/// (IndexOutOfRange, Overflow, a hang) is a bug: a strange kernel or a hostile name must never
/// crash the sampler.
/// </summary>
public class ParserFuzzTests(ITestOutputHelper output)
{
    public const int RequiredCases = 100_000;

    private sealed record Parser(string Name, string Path, Action<byte[], string> Run, string[] Real);

    // Real kernel files each parser reads. Missing ones (another kernel, no such controller) are skipped;
    // the fixture shapes below still cover the parser.
    private static readonly Parser[] Parsers =
    [
        new("ProcStat", "/proc/1/stat", (d, p) => ProcStat.Parse(d, p), ["/proc/self/stat", "/proc/1/stat", "/proc/2/stat"]),
        new("ProcStatus", "/proc/1/status", (d, p) => ProcStatus.Parse(d, p), ["/proc/self/status", "/proc/1/status", "/proc/2/status"]),
        new("ProcCmdline", "/proc/1/cmdline", (d, p) => ProcCmdline.Parse(d, p), ["/proc/self/cmdline", "/proc/1/cmdline"]),
        new("ProcSchedstat", "/proc/1/schedstat", (d, p) => ProcSchedstat.Parse(d, p), ["/proc/self/schedstat"]),
        new("ProcPidCgroup", "/proc/1/cgroup", (d, p) => ProcPidCgroup.Parse(d, p), ["/proc/self/cgroup", "/proc/1/cgroup"]),
        new("MountInfo", "/proc/1/mountinfo", (d, p) => MountInfo.Parse(d, p), ["/proc/self/mountinfo"]),
        new("SystemStat", "/proc/stat", (d, p) => SystemStat.Parse(d, p), ["/proc/stat"]),
        new("MemInfo", "/proc/meminfo", (d, p) => MemInfo.Parse(d, p), ["/proc/meminfo"]),
        new("LoadAvg", "/proc/loadavg", (d, p) => LoadAvg.Parse(d, p), ["/proc/loadavg"]),
        new("Uptime", "/proc/uptime", (d, p) => Uptime.Parse(d, p), ["/proc/uptime"]),
        new("VmStat", "/proc/vmstat", (d, p) => VmStat.Parse(d, p), ["/proc/vmstat"]),
        new("CpuMax", "/sys/fs/cgroup/x/cpu.max", (d, p) => CpuMax.Parse(d, p), []),
        new("CpuStatV1", "/sys/fs/cgroup/cpu/x/cpu.stat", (d, p) => CpuStat.Parse(d, p, CgroupVersion.V1), ["/sys/fs/cgroup/cpu/cpu.stat"]),
        new("CpuStatV2", "/sys/fs/cgroup/x/cpu.stat", (d, p) => CpuStat.Parse(d, p, CgroupVersion.V2), ["/sys/fs/cgroup/unified/cpu.stat", "/sys/fs/cgroup/cpu.stat"]),
        new("CpuWeight", "/sys/fs/cgroup/x/cpu.weight", (d, p) => CpuWeight.Parse(d, p), []),
        new("CpuShares", "/sys/fs/cgroup/cpu/x/cpu.shares", (d, p) => CpuShares.Parse(d, p), ["/sys/fs/cgroup/cpu/cpu.shares"]),
        new("CpuacctUsage", "/sys/fs/cgroup/cpuacct/x/cpuacct.usage", (d, p) => CpuacctUsage.Parse(d, p), ["/sys/fs/cgroup/cpuacct/cpuacct.usage"]),
        new("CpuacctPerCpu", "/sys/fs/cgroup/cpuacct/x/cpuacct.usage_percpu", (d, p) => CpuacctUsage.ParsePerCpu(d, p), ["/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu"]),
        new("CpuacctStat", "/sys/fs/cgroup/cpuacct/x/cpuacct.stat", (d, p) => CpuacctStat.Parse(d, p), ["/sys/fs/cgroup/cpuacct/cpuacct.stat"]),
        new("CpuacctUsageAll", "/sys/fs/cgroup/cpuacct/x/cpuacct.usage_all", (d, p) => CpuacctUsageAll.Parse(d, p), ["/sys/fs/cgroup/cpuacct/cpuacct.usage_all"]),
        new("CpuList", "/sys/fs/cgroup/cpuset/x/cpuset.cpus", (d, p) => CpuList.Parse(d, p), ["/sys/fs/cgroup/cpuset/cpuset.cpus", "/sys/fs/cgroup/cpuset/cpuset.mems", "/sys/devices/system/cpu/online"]),
        new("MemoryStat", "/sys/fs/cgroup/memory/x/memory.stat", (d, p) => MemoryStat.Parse(d, p), ["/sys/fs/cgroup/memory/memory.stat"]),
        new("MemoryEvents", "/sys/fs/cgroup/x/memory.events", (d, p) => MemoryEvents.Parse(d, p), []),
        new("MemoryOomControl", "/sys/fs/cgroup/memory/x/memory.oom_control", (d, p) => MemoryOomControl.Parse(d, p), ["/sys/fs/cgroup/memory/memory.oom_control"]),
        new("PidsEvents", "/sys/fs/cgroup/pids/x/pids.events", (d, p) => PidsEvents.Parse(d, p), []),
        new("IoStat", "/sys/fs/cgroup/x/io.stat", (d, p) => IoStat.Parse(d, p), []),
        new("BlkioThrottle", "/sys/fs/cgroup/blkio/x/blkio.throttle.io_service_bytes", (d, p) => BlkioThrottle.Parse(d, p),
            ["/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes", "/sys/fs/cgroup/blkio/blkio.throttle.io_serviced"]),
        new("Pressure", "/sys/fs/cgroup/x/cpu.pressure", (d, p) => Pressure.Parse(d, p),
            ["/sys/fs/cgroup/unified/cpu.pressure", "/sys/fs/cgroup/unified/memory.pressure", "/sys/fs/cgroup/unified/io.pressure", "/proc/pressure/cpu"]),
        new("CgroupCounter", "/sys/fs/cgroup/memory/x/memory.usage_in_bytes", (d, p) => CgroupValue.ParseCounter(d, p), ["/sys/fs/cgroup/memory/memory.usage_in_bytes"]),
        new("CgroupLimit", "/sys/fs/cgroup/memory/x/memory.limit_in_bytes", (d, p) => CgroupValue.ParseLimit(d, p),
            ["/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"]),
    ];

    /// <summary>Fixture shapes (other kernels, v2 files this v1 host lacks), shared by every parser.</summary>
    private static readonly string[] Shapes =
    [
        "max 100000\n", "50000 100000\n", "100\n", "1024\n", "max\n", "-1\n", "9223372036854771712\n", "0-3,5,7-8\n", "0\n", "\n",
        "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 10\nnr_throttled 2\nthrottled_usec 55\nnr_bursts 0\nburst_usec 0\n",
        "low 0\nhigh 3\nmax 1\noom 0\noom_kill 1\noom_group_kill 0\n",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        "max 4\n",
        "nr_periods 10\nnr_throttled 2\nthrottled_time 55000\n",
        "8:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n253:0 rbytes=5 wbytes=6 rios=7 wios=8 dbytes=0 dios=0\n",
        "8:0 Read 100\n8:0 Write 200\n8:0 Sync 0\n8:0 Async 300\n8:0 Discard 0\n8:0 Total 300\nTotal 300\n",
        "some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        "cpu user system\n0 100 200\n1 300 400\n",
        "user 100\nsystem 200\n",
        "123 456 789\n",
        "0::/user.slice/user-0.slice/session-1.scope\n",
        "12:cpu,cpuacct:/docker/abc (deleted)\n0::/\n",
    ];

    private static List<byte[]> SeedsFor(Parser p)
    {
        var seeds = new List<byte[]>();
        foreach (var f in p.Real)
        {
            try { var b = File.ReadAllBytes(f); if (b.Length > 0) seeds.Add(b); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return seeds;
    }

    private static List<byte[]> SharedSeeds()
    {
        var all = Shapes.Select(s => Encoding.ASCII.GetBytes(s)).ToList();
        // Every string constant of the real-kernel samples (stat, status, meminfo … from a 6.18 kernel).
        foreach (var f in typeof(ProcFs.Tests.Proc.Samples).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            if (f.FieldType == typeof(string) && f.GetValue(null) is string s) all.Add(Encoding.UTF8.GetBytes(s));
        return all;
    }

    /// <summary>The parser on one input: a value, or ProcFsFormatException naming the file; anything else is thrown on.</summary>
    private static FuzzOutcome Run(Parser p, byte[] input)
    {
        try
        {
            p.Run(input, p.Path);
            return FuzzOutcome.Accepted;
        }
        catch (ProcFsFormatException e) when (e.FilePath == p.Path && e.Message.StartsWith(p.Path, StringComparison.Ordinal))
        {
            return FuzzOutcome.Rejected;
        }
    }

    /// <summary>Generated from scratch: arbitrary bytes, or lines of a key and a number (any long, any ulong, max).</summary>
    private static byte[] Generate(Random r)
    {
        if (r.Next(2) == 0)
        {
            var bytes = new byte[r.Next(201)];
            r.NextBytes(bytes);
            return bytes;
        }
        var sb = new StringBuilder();
        int lines = r.Next(9);
        for (int i = 0; i < lines; i++)
        {
            int keyLength = r.Next(13);
            for (int k = 0; k < keyLength; k++) sb.Append("abcdefghijklmnopqrstuvwxyz_"[r.Next(27)]);
            sb.Append(' ').Append(r.Next(3) switch
            {
                0 => r.NextInt64(long.MinValue, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => ((ulong)r.NextInt64() * 2 + (ulong)r.Next(2)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "max",
            });
            sb.Append(i < lines - 1 ? "\n" : "");
        }
        return Encoding.ASCII.GetBytes(sb.Append('\n').ToString());
    }

    [Fact]
    public async Task Every_parser_returns_or_throws_a_format_exception_naming_the_file()
    {
        var shared = SharedSeeds();
        // The seeded run starts only from inputs in this repository, so its seed replays the same cases on any host.
        // This machine's own files differ by host (PIDs, counters, mounts): they are fuzzed apart, in a second run
        // whose streams are salted with "@host", and its failures name the input as any other's do.
        var run = new FuzzRun();
        var host = new FuzzRun();
        var targets = new List<FuzzTarget>();
        var hostTargets = new List<FuzzTarget>();
        // The loop runs on a worker so a parser that loops forever fails the test instead of hanging the suite.
        var work = Task.Run(() =>
        {
            foreach (var p in Parsers)
            {
                targets.Add(FuzzParser(run, p, p.Name, shared, [], Mutations));
                var own = SeedsFor(p);
                if (own.Count > 0) hostTargets.Add(FuzzParser(host, p, p.Name + "@host", own, own, HostMutations));
            }
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(120))) == work,
            $"a parser hung (no result after 120 s): {run.Where}; on this machine's files: {host.Where}");
        await work;

        var failures = run.Failures.Concat(host.Failures).ToList();
        Assert.True(failures.Count == 0, $"parsers threw something else than ProcFsFormatException ({FuzzSeed.Line}):\n" + string.Join('\n', failures));
        var report = run.Report($"ProcFs parsers ({Parsers.Length})");
        var hostReport = host.Report($"ProcFs parsers on this machine's own files (not replayable elsewhere: they differ by host) ({hostTargets.Count})");
        output.WriteLine(report);
        output.WriteLine(hostReport);
        FuzzRun.Save("ProcFs.Tests.csproj", "fuzz-procfs.txt", report);
        FuzzRun.Save("ProcFs.Tests.csproj", "fuzz-procfs-host.txt", hostReport);
        var problems = run.Problems(RequiredCases, targets);
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + report);
        var hostProblems = host.Problems(0, hostTargets);
        Assert.True(hostProblems.Count == 0, string.Join('\n', hostProblems) + "\n" + hostReport);
    }

    /// <summary>
    /// One parser under one name: every truncation of <paramref name="seeds"/> (a short read, a file that shrank
    /// between reads), <paramref name="mutations"/> mutations (half of them of <paramref name="preferred"/> when given),
    /// then inputs generated from scratch; the random stream is the name's.
    /// </summary>
    private static FuzzTarget FuzzParser(FuzzRun run, Parser p, string name, List<byte[]> seeds, List<byte[]> preferred, int mutations)
    {
        var target = new FuzzTarget(name, seeds, input => Run(p, input), mutations, Rejects: false);
        var tally = new FuzzTally(name);
        var sw = Stopwatch.StartNew();
        foreach (var s in seeds)
            for (int n = 0; n <= Math.Min(s.Length, 4096); n++) run.One(target, tally, s[..n]);
        var r = FuzzSeed.For(name);
        for (int i = 0; i < mutations; i++)
        {
            var s = i % 2 == 0 && preferred.Count > 0 ? preferred[r.Next(preferred.Count)] : seeds[r.Next(seeds.Count)];
            run.One(target, tally, Fuzz.Mutate(s, r));
        }
        for (int i = 0; i < GeneratedPerParser; i++) run.One(target, tally, Generate(r));
        tally.Time = sw.Elapsed;
        run.Add(tally);
        return target;
    }

    private const int Mutations = 4000;
    private const int HostMutations = 2000;
    private const int GeneratedPerParser = 1000;
}
