using System.Diagnostics;
using System.Globalization;
using Ctop.Containers;
using Ctop.Model;
using Ctop.Store;
using ProcFs.Cgroups;
using ProcFs.Proc;

// bench/store-replay.sh drives this; see docs/store.md ("Replay of a 24-hour store").
//   ctop-store-bench generate DIR [--interval SECONDS] [--hours H] [--processes N] [--cgroups M]
//   ctop-store-bench measure DIR [--opens N] [--steps N]
return args.Length >= 2 && args[0] == "generate" ? Bench.Generate(args[1], args[2..])
    : args.Length >= 2 && args[0] == "measure" ? Bench.Measure(args[1], args[2..])
    : Bench.Usage();

internal static class Bench
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: ctop-store-bench generate DIR [--interval S] [--hours H] [--processes N] [--cgroups M]\n"
            + "       ctop-store-bench measure DIR [--opens N] [--steps N]");
        return 2;
    }

    private static double Arg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A made-up host through the real writer: N processes in M cgroups (one in ten running, the rest asleep and
    /// unchanged), a short-lived process replaced every ten samples, every cgroup's counters moving, a third quota'd.
    /// </summary>
    public static int Generate(string dir, string[] args)
    {
        double interval = Arg(args, "--interval", 5);
        double hours = Arg(args, "--hours", 24);
        int processes = (int)Arg(args, "--processes", 500), cgroupCount = (int)Arg(args, "--cgroups", 50);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            Console.Error.WriteLine($"{dir} is not empty");
            return 2;
        }
        var paths = new string[cgroupCount];
        paths[0] = "/";
        for (int c = 1; c < cgroupCount; c++)
            paths[c] = c % 5 == 0 ? $"/system.slice/svc{c}.service" : "/docker/" + c.ToString("x64", CultureInfo.InvariantCulture);
        var names = new Dictionary<string, ContainerId>();
        int samples = (int)(hours * 3600 / interval);
        var sw = Stopwatch.StartNew();
        var rng = new Random(20261207);
        long bytes;
        using (var writer = new StoreWriter(dir, new StoreOptions { Sync = false }))
        {
            for (int k = 0; k < samples; k++)
            {
                var time = T0.AddSeconds(k * interval);
                writer.Append(new RecordedSample(MakeSample(k, interval, time, paths, processes, rng), names, k == 0));
            }
            bytes = writer.BytesWritten;
        }
        Console.WriteLine($"generated {samples} samples ({processes} processes in {cgroupCount} cgroups, every {interval} s) in {dir}: "
            + $"{StoreFormat.ListShards(dir).Count} shards, {bytes:N0} bytes, {bytes / samples:N0} B/sample, {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static Sample MakeSample(int k, double interval, DateTimeOffset time, string[] paths, int processes, Random rng)
    {
        var cgroups = new Dictionary<string, CgroupStats>(StringComparer.Ordinal);
        for (int c = 0; c < paths.Length; c++)
        {
            bool quota = c % 3 == 1;
            ulong usage = (ulong)(k * interval * 1e7 * (1 + c % 7)) + (ulong)rng.Next(0, 1_000_000);
            var cpu = new CgroupCpu(usage, quota ? 50000 : null, 100000, null, 1024, (ulong)(k * interval * 10), quota ? (ulong)(k * (c % 4)) : 0,
                quota ? (ulong)k * (ulong)(c % 4) * 1_000_000 : 0);
            var mem = new CgroupMemory((ulong)(100 + c) << 20 | (ulong)rng.Next(0, 4096) * 4096, quota ? 256UL << 20 : null, null, 1UL << 20, 0, null,
                0, quota ? (ulong)(k / 100) : 0, null);
            cgroups[paths[c]] = new CgroupStats(paths[c], cpu, mem, new CgroupPids((ulong)(processes / paths.Length), quota ? 100 : null),
                c == 0 ? CpuList.FromCpus([0, 1]) : null, new IoTotals((ulong)k * 4096 * (ulong)(c % 3), 8192, (ulong)k * (ulong)(c % 3), 2), null);
        }
        var procs = new Dictionary<int, ProcessSample>(processes);
        for (int i = 0; i < processes; i++)
        {
            bool shortLived = i == processes - 1;
            int pid = shortLived ? 100_000 + k / 10 : 300 + i * 7;
            string cg = paths[i % paths.Length];
            var info = new ProcessInfo(i % 4 == 0 ? "www-data" : "root", $"/usr/bin/worker-{i % 37} --id {i} --listen 0.0.0.0:{8000 + i}", cg,
                ContainerNames.FromPath(cg));
            bool running = i % 10 == 0;
            ulong ticks = running ? (ulong)(k * interval * 20) + (ulong)rng.Next(0, 5) : (ulong)i;
            long rss = (i + 1) * 4096L * 100 + (running && k % 3 == 0 ? rng.Next(0, 64) * 4096L : 0);
            procs[pid] = new ProcessSample(pid, shortLived ? 10_000UL + (ulong)(k / 10) : 500UL + (ulong)i, 1, running ? 'R' : 'S', ticks, rss,
                1 + i % 4, info);
        }
        long ts = 1_000_000_000L + (long)(k * interval * Stopwatch.Frequency);
        ulong elapsed = (ulong)(k * interval * 100);
        return new Sample
        {
            Timestamp = ts,
            ProcessTimestamp = ts + 1234,
            Time = time,
            Host = new HostSample(new CpuTimes(1000 + elapsed / 2, 5, 300 + elapsed / 10, 50000 + elapsed, 10, 0, 3, 0, 0, 0), 2,
                24UL << 30, (20UL << 30) - (ulong)rng.Next(0, 1 << 20) * 4096, new LoadAvg(1.5, 1.4, 1.3, 2, processes, 6789 + k / 10),
                new Uptime(1000 + k * interval, 1900 + k * interval * 1.5)),
            Scope = new Scope(ScopeKind.Host, 2, 24L << 30),
            Processes = procs,
            Cgroups = cgroups,
        };
    }

    private static (double Median, double Worst, double P99) Stats(List<double> ms)
    {
        ms.Sort();
        return (ms[ms.Count / 2], ms[^1], ms[Math.Min(ms.Count - 1, (int)(ms.Count * 0.99))]);
    }

    private static string Show(string what, List<double> ms)
    {
        var (median, worst, p99) = Stats(ms);
        return $"{what,-34} n={ms.Count,5}  median {median,7:F2} ms  p99 {p99,7:F2} ms  worst {worst,7:F2} ms";
    }

    private static double Ms(long from) => Stopwatch.GetElapsedTime(from).TotalMilliseconds;

    /// <summary>
    /// Replay's moves as `ctop replay` makes them (ReplayDashboard: a cursor move, then the sparklines' minute after a
    /// jump), each on a new reader for an open, timed one by one: opening at random times, stepping forward and back
    /// (through shard boundaries), jumping a minute and an hour.
    /// </summary>
    public static int Measure(string dir, string[] args)
    {
        int opens = (int)Arg(args, "--opens", 40), steps = (int)Arg(args, "--steps", 2000);
        const int History = 60;
        var rng = new Random(7);
        var shards = StoreFormat.ListShards(dir);
        if (shards.Count == 0) { Console.Error.WriteLine($"no store in {dir}"); return 2; }
        long storeBytes = shards.Sum(s => new FileInfo(s.Path).Length);
        var probe = new StoreReader(dir);
        var begin = probe.RecordTime(probe.First()!.Value);
        var end = probe.RecordTime(probe.Last()!.Value);
        Console.WriteLine($"store {dir}: {shards.Count} shards, {storeBytes:N0} bytes, {begin:O} .. {end:O}");

        var open = new List<double>();
        var openCpu = new List<double>();
        var historyCpu = new List<double>();
        long decodedAtOpen = 0, decodedWithHistory = 0;
        var openWithHistory = new List<double>();
        long filesRead = 0, bytesRead = 0;
        for (int i = 0; i < opens; i++)
        {
            var at = begin + TimeSpan.FromSeconds(rng.NextDouble() * (end - begin).TotalSeconds);
            long t0 = Stopwatch.GetTimestamp();
            var cpu0 = Environment.CpuUsage.TotalTime;
            var reader = new StoreReader(dir, m => Console.Error.WriteLine(m));
            var cursor = new ReplayCursor(reader);
            if (cursor.GoTo(at) is null) throw new InvalidOperationException("no frame at " + at);
            open.Add(Ms(t0));
            var cpu1 = Environment.CpuUsage.TotalTime;
            openCpu.Add((cpu1 - cpu0).TotalMilliseconds);
            decodedAtOpen += reader.RecordsDecoded;
            _ = cursor.FramesBefore(History);
            openWithHistory.Add(Ms(t0));
            historyCpu.Add((Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds);
            decodedWithHistory += reader.RecordsDecoded;
            filesRead += reader.FilesRead;
            bytesRead += reader.BytesRead;
        }
        Console.WriteLine(Show("open at a time (GoTo)", open));
        Console.WriteLine(Show("open at a time + sparklines' minute", openWithHistory));
        Console.WriteLine(Show("  its CPU time (process)", openCpu));
        Console.WriteLine(Show("  + sparklines' minute, CPU time", historyCpu));
        Console.WriteLine($"{"  read per open",-34} {filesRead / (double)opens:F1} files, {bytesRead / opens:N0} bytes; "
            + $"records decoded {decodedAtOpen / (double)opens:F0} (with the minute {decodedWithHistory / (double)opens:F0})");

        var forward = new List<double>();
        var stepCpu = new List<double>();
        var back = new List<double>();
        var backDecoded = new List<double>();
        var crossing = new List<double>();
        var main = new StoreReader(dir);
        var c = new ReplayCursor(main);
        int perRun = Math.Max(1, steps / 4);
        for (int run = 0; run < 4; run++)
        {
            c.GoTo(begin + TimeSpan.FromSeconds(rng.NextDouble() * (end - begin).TotalSeconds * 0.9));
            for (int i = 0; i < perRun; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                var cpu0 = Environment.CpuUsage.TotalTime;
                c.Step(1);
                forward.Add(Ms(t0));
                stepCpu.Add((Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds);
            }
            for (int i = 0; i < perRun; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                var cpu0 = Environment.CpuUsage.TotalTime;
                long decoded0 = main.RecordsDecoded;
                c.Step(-1);
                _ = c.FramesBefore(History); // as replay does after a step back: the sparklines' minute is rebuilt
                back.Add(Ms(t0));
                backDecoded.Add(main.RecordsDecoded - decoded0);
                stepCpu.Add((Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds);
            }
        }
        // Across every shard boundary, both ways: the step that has to open the next (or previous) shard.
        for (int s = 1; s < shards.Count; s++)
        {
            c.GoTo(shards[s].Start - TimeSpan.FromSeconds(0.5));
            for (int i = 0; i < 3; i++) { long t0 = Stopwatch.GetTimestamp(); c.Step(1); crossing.Add(Ms(t0)); }
            c.GoTo(shards[s].Start);
            for (int i = 0; i < 3; i++) { long t0 = Stopwatch.GetTimestamp(); c.Step(-1); crossing.Add(Ms(t0)); }
        }
        Console.WriteLine(Show("step forward (.)", forward));
        Console.WriteLine(Show("step back (,) + sparklines", back));
        var (decodedMedian, decodedWorst, decodedP99) = Stats(backDecoded);
        Console.WriteLine($"{"  records decoded per step back",-34} mean {backDecoded.Average():F2}  median {decodedMedian:F0}  p99 {decodedP99:F0}  worst {decodedWorst:F0}");
        Console.WriteLine(Show("steps across shard boundaries", crossing));
        Console.WriteLine(Show("  steps' CPU time (process)", stepCpu));

        var minute = new List<double>();
        var hour = new List<double>();
        c.GoTo(begin + (end - begin) / 2);
        for (int i = 0; i < 20; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            c.Jump(TimeSpan.FromMinutes(i % 2 == 0 ? 1 : -2));
            _ = c.FramesBefore(History);
            minute.Add(Ms(t0));
            t0 = Stopwatch.GetTimestamp();
            c.Jump(TimeSpan.FromHours(i % 2 == 0 ? 1 : -1));
            _ = c.FramesBefore(History);
            hour.Add(Ms(t0));
        }
        Console.WriteLine(Show("a minute jump + sparklines", minute));
        Console.WriteLine(Show("an hour jump + sparklines", hour));
        return 0;
    }
}
