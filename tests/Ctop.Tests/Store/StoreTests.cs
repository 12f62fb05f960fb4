using Ctop.Cli;
using Ctop.Containers;
using Ctop.Model;
using Ctop.Pipeline;
using Ctop.Store;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;
using static Ctop.Tests.Store.StoreSupport;

namespace Ctop.Tests.Store;

public class StoreTests
{
    private static List<RecordedSample> WriteAndRead(IEnumerable<RecordedSample> samples, StoreOptions? options = null, List<string>? reports = null)
    {
        var dir = TempDir();
        try
        {
            using (var w = new StoreWriter(dir, options ?? new StoreOptions { Sync = false, KeyEvery = 4 }, reports is null ? null : reports.Add))
                foreach (var s in samples) w.Append(s);
            return ReadAll(new StoreReader(dir, reports is null ? null : reports.Add));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EverySampleComesBackFieldForFieldThroughKeyFramesAndDeltasWithChurn()
    {
        var rng = new Random(7);
        var samples = Enumerable.Range(0, 30).Select(k => new RecordedSample(Synthetic(k, rng), NoNames, k == 0)).ToList();
        var back = WriteAndRead(samples);
        Assert.Equal(samples.Count, back.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            Assert.Equal(Describe(samples[i].Sample), Describe(back[i].Sample));
            Assert.Equal(samples[i].RunStart, back[i].RunStart);
        }
        // And the frames built from them, which is what every view shows.
        for (int i = 1; i < samples.Count; i++)
            Assert.Equal(Describe(FrameBuilder.Build(samples[i - 1].Sample, samples[i].Sample)), Describe(FrameBuilder.Build(back[i - 1].Sample, back[i].Sample)));
    }

    [Fact]
    public void AClockStepBackwardsIsRecordedAsItHappenedAndRatesFollowTheMonotonicClock()
    {
        var rng = new Random(3);
        // Wall time jumps back an hour between samples 4 and 5; the monotonic timestamps keep going.
        var samples = Enumerable.Range(0, 10)
            .Select(k => new RecordedSample(Synthetic(k, rng, T0.AddSeconds(k < 5 ? k : k - 3600)), NoNames, k == 0)).ToList();
        var dir = TempDir();
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 3 }))
                foreach (var s in samples) w.Append(s);
            Assert.Single(StoreFormat.ListShards(dir)); // a step back does not start a shard
            var reader = new StoreReader(dir);
            var back = ReadAll(reader);
            Assert.Equal(samples.Select(s => s.Sample.Time), back.Select(s => s.Sample.Time));
            var frames = reader.Frames(null, null).ToList();
            Assert.Equal(9, frames.Count);
            Assert.All(frames, f => Assert.Equal(1.0, f.IntervalSeconds, 9));
            Assert.Equal(Describe(FrameBuilder.Build(samples[4].Sample, samples[5].Sample)), Describe(frames[4]));
            // Going to a time finds the first sample at or after it, in recorded order.
            var p = reader.Seek(T0.AddSeconds(2))!.Value;
            Assert.Equal(T0.AddSeconds(2), reader.Sample(p)!.Sample.Time);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ContainerNamesFromTheRuntimesAreReplayedAsTheyWere()
    {
        var rng = new Random(1);
        var id = ContainerNames.FromPath("/docker/" + new string('a', 64))!;
        var named = id with { Name = "web", Image = "nginx:1.25", Labels = new SortedDictionary<string, string> { ["a"] = "b" }, Source = ContainerSources.DockerApi };
        var names = new Dictionary<string, ContainerId> { [RecordedSample.NameKey(id)] = named };
        var samples = Enumerable.Range(0, 6).Select(k => new RecordedSample(Synthetic(k, rng), k < 3 ? names : NoNames, k == 0)).ToList();
        var dir = TempDir();
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }))
                foreach (var s in samples) w.Append(s);
            var frames = new StoreReader(dir).Frames(null, null).ToList();
            var live = ContainerCatalog.Annotate(FrameBuilder.Build(samples[1].Sample, samples[2].Sample), i => i == id ? named : i);
            Assert.Equal(Describe(live), Describe(frames[1]));
            Assert.Contains(frames[1].Cgroups, c => c.Name == "web" && c.Container!.Image == "nginx:1.25");
            Assert.DoesNotContain(frames[4].Cgroups, c => c.Name == "web");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ARecordedFixtureHostReplaysToTheLastDigit()
    {
        using var t = HostFixtures.V1Host().WithProc((10, "nginx", 100, 50), (11, "sh", 5, 5));
        var sampler = new Sampler(new SamplingOptions { ProcRoot = t.ProcRoot(), CgroupRoot = t.CgroupRoot() });
        var live = new List<Sample>();
        for (int k = 0; k < 4; k++)
        {
            live.Add(sampler.Take());
            t.WithProc((10, "nginx", 100 + (ulong)k * 37, 50), (11, "sh", 5, 5 + (ulong)k));
            t.Write("proc/uptime", $"{1001 + k}.00 1900.00\n");
        }
        var back = WriteAndRead(live.Select((s, k) => new RecordedSample(s, NoNames, k == 0)), new StoreOptions { Sync = false, KeyEvery = 2 });
        Assert.Equal(live.Count, back.Count);
        Assert.NotEmpty(back[0].Sample.Cgroups);
        for (int k = 1; k < live.Count; k++)
            Assert.Equal(Describe(FrameBuilder.Build(live[k - 1], live[k])), Describe(FrameBuilder.Build(back[k - 1].Sample, back[k].Sample)));
    }

    [Fact]
    public void RetentionDeletesWholeShardsOldestFirstAndNeverTheCurrentOne()
    {
        var dir = TempDir();
        var rng = new Random(5);
        try
        {
            var reports = new List<string>();
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, Retain = TimeSpan.FromHours(3) }, reports.Add))
                for (int h = 0; h < 10; h++)
                    for (int k = 0; k < 3; k++)
                        w.Append(new RecordedSample(Synthetic(h * 3 + k, rng, T0.AddHours(h).AddSeconds(k)), NoNames, h == 0 && k == 0));
            var left = StoreFormat.ListShards(dir);
            // Shard h ends where shard h+1 starts: kept while that is within 3 h of the newest sample (hour 9).
            Assert.Equal([6L, 7, 8, 9, 10], left.Select(s => s.Sequence));
            Assert.Equal(5, reports.Count(r => r.Contains("deleted")));
            var reader = new StoreReader(dir);
            Assert.Equal(15, ReadAll(reader).Count); // what is left is whole and readable
            Assert.Equal(T0.AddHours(5).UtcDateTime, reader.Sample(reader.First()!.Value)!.Sample.Time.UtcDateTime);

            // Over the size limit: oldest first, down to the limit, the current shard stays.
            long one = new FileInfo(left[0].Path).Length;
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, MaxBytes = one * 2 + one / 2 }))
                w.Append(new RecordedSample(Synthetic(99, rng, T0.AddHours(11)), NoNames, true));
            Assert.Equal([9L, 10, 11], StoreFormat.ListShards(dir).Select(s => s.Sequence));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ATornTailIsTruncatedByTheNextWriterWhichAppendsAfterIt()
    {
        var dir = TempDir();
        var rng = new Random(11);
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }))
                for (int k = 0; k < 8; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 0));
            var shard = StoreFormat.ListShards(dir)[0].Path;
            long full = new FileInfo(shard).Length;
            // Cut the last record in the middle, as SIGKILL during its write would.
            var before = ReadAll(new StoreReader(dir));
            var scan = ShardScan.Scan(File.ReadAllBytes(shard));
            var last = scan.Entries[^1];
            using (var f = File.OpenWrite(shard)) f.SetLength(last.Offset + last.Size / 2);
            var reports = new List<string>();
            var torn = ReadAll(new StoreReader(dir, reports.Add));
            Assert.Equal(7, torn.Count); // all but the record being written
            Assert.Empty(reports); // the newest shard's tail may be a write in progress: not an error
            for (int i = 0; i < 7; i++) Assert.Equal(Describe(before[i].Sample), Describe(torn[i].Sample));

            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }, reports.Add))
                for (int k = 8; k < 10; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 8));
            Assert.Contains(reports, r => r.Contains("torn record") && r.Contains("truncated"));
            var after = ReadAll(new StoreReader(dir));
            Assert.Equal(9, after.Count);
            Assert.True(after[7].RunStart);
            Assert.True(new FileInfo(shard).Length > last.Offset);
            Assert.True(full > 0);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ACorruptRecordInTheMiddleIsReportedOnceAndTheReaderGoesOnAtTheNextKeyFrame()
    {
        var dir = TempDir();
        var rng = new Random(13);
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 5 }))
                for (int k = 0; k < 20; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 0));
            var shard = StoreFormat.ListShards(dir)[0].Path;
            var bytes = File.ReadAllBytes(shard);
            var scan = ShardScan.Scan(bytes);
            var victim = scan.Entries[7]; // a delta: 8 and 9 depend on it; 10 is a key frame
            bytes[victim.Offset + victim.Size - 3] ^= 0x10;
            File.WriteAllBytes(shard, bytes);
            var reports = new List<string>();
            var reader = new StoreReader(dir, reports.Add);
            var back = ReadAll(reader);
            ReadAll(reader); // read twice: still reported once
            Assert.Equal(17, back.Count);
            Assert.Single(reports);
            Assert.Contains("corrupt", reports[0]);
            Assert.Equal(T0.AddSeconds(10), back[7].Sample.Time);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AReaderOpensTheStoreWhileItIsWrittenAndSeesNewRecordsAfterARefresh()
    {
        var dir = TempDir();
        var rng = new Random(17);
        try
        {
            using var w = new StoreWriter(dir, new StoreOptions { Sync = false });
            for (int k = 0; k < 3; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 0));
            var reader = new StoreReader(dir);
            Assert.Equal(3, ReadAll(reader).Count);
            for (int k = 3; k < 6; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, false));
            Assert.True(reader.Refresh());
            Assert.Equal(6, ReadAll(reader).Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("2026-12-07T03:12:00+00:00", 2026, 12, 7, 3, 12, 0)]
    [InlineData("2026-12-07T03:12:05Z", 2026, 12, 7, 3, 12, 5)]
    public void IsoTimesAreTakenWithTheirOffset(string text, int y, int mo, int d, int h, int mi, int s)
    {
        Assert.True(TimeArgument.TryParse(text, DateTimeOffset.Now, out var t, out _));
        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero), t);
    }

    [Fact]
    public void AClockTimeIsTodayInLocalTime()
    {
        var now = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 12, 7)));
        Assert.True(TimeArgument.TryParse("03:12", now, out var t, out _));
        Assert.Equal((2026, 12, 7, 3, 12, 0), (t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second));
        Assert.True(TimeArgument.TryParse("23:59:58", now, out t, out _));
        Assert.Equal(58, t.Second);
        Assert.False(TimeArgument.TryParse("25:00", now, out _, out var why));
        Assert.Contains("ISO 8601", why);
        Assert.False(TimeArgument.TryParse("yesterday", now, out _, out _));
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var host = new AppHost(_ => throw new InvalidOperationException("no live sampling here"), o, e, true);
        int code = await CtopApp.RunAsync(args, host);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("-b", "--from", "/tmp", "--begin", "noon")]
    [InlineData("-b", "--begin", "03:00")]
    [InlineData("replay", "--at", "3 o'clock")]
    [InlineData("record", "--retain", "7 days")]
    [InlineData("record", "--max-size", "lots")]
    [InlineData("record", "-d", "0")]
    [InlineData("diagnose", "--at", "03:00")]
    public async Task BadHistoryArgumentsAreUsageErrorsThatNameTheInput(params string[] args)
    {
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        Assert.Contains("ctop: ", err);
    }

    [Fact]
    public async Task BatchFromAStorePrintsTheRecordedFramesBetweenBeginAndEnd()
    {
        var dir = TempDir();
        var rng = new Random(19);
        try
        {
            var samples = Enumerable.Range(0, 10).Select(k => new RecordedSample(Synthetic(k, rng), NoNames, k == 0)).ToList();
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }))
                foreach (var s in samples) w.Append(s);
            var (code, output, err) = await Run("-b", "--json", "--from", dir, "--begin", T0.AddSeconds(3).ToString("O"), "--end", T0.AddSeconds(6).ToString("O"));
            Assert.True(code == 0, err);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length); // frames ending at samples 3, 4, 5, 6
            var expected = new StringWriter();
            new Ctop.Output.JsonFrameWriter(expected).Write(FrameBuilder.Build(samples[2].Sample, samples[3].Sample));
            Assert.Equal(expected.ToString().TrimEnd('\n'), lines[0]);

            (code, output, _) = await Run("-b", "--from", dir, "-n", "2");
            Assert.Equal(0, code);
            Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("ctop - ", StringComparison.Ordinal)));

            (code, _, err) = await Run("-b", "--from", Path.Combine(dir, "nothing-here"));
            Assert.Equal(1, code);
            Assert.Contains("no recording in", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The bounds of `-b --from`: inclusive, between samples, outside the recording, one instant, and reversed.</summary>
    [Theory]
    [InlineData(-60.0, 60.0, 1, 9)]   // around the whole recording: every frame (the first sample has none)
    [InlineData(2.5, 6.5, 3, 6)]      // between samples: the first at or after begin, the last at or before end
    [InlineData(4.0, 4.0, 4, 4)]      // one instant: the frame ending at it
    [InlineData(-60.0, 0.0, 0, -1)]   // up to the first sample only: it has no frame
    [InlineData(9.5, 60.0, 0, -1)]    // after the last sample: nothing
    [InlineData(-60.0, -1.0, 0, -1)]  // before the first: nothing
    public async Task BatchFromAStoreKeepsToItsBounds(double begin, double end, int first, int last)
    {
        var dir = TempDir();
        var rng = new Random(23);
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 4 }))
                for (int k = 0; k < 10; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 0));
            var (code, output, err) = await Run("-b", "--json", "--from", dir, "--begin", T0.AddSeconds(begin).ToString("O"),
                "--end", T0.AddSeconds(end).ToString("O"));
            Assert.True(code == 0, err);
            Assert.Equal("", err);
            var times = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("time").GetDateTimeOffset()).ToList();
            var expected = Enumerable.Range(first, Math.Max(0, last - first + 1)).Select(k => T0.AddSeconds(k)).ToList();
            Assert.Equal(expected, times);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task BatchFromAStoreRefusesABeginAfterItsEnd()
    {
        var (code, _, err) = await Run("-b", "--from", "/tmp", "--begin", T0.AddSeconds(5).ToString("O"), "--end", T0.ToString("O"));
        Assert.Equal(2, code);
        Assert.Contains("--begin", err);
        Assert.Contains("is after --end", err);
    }

    /// <summary>
    /// A noisy-neighbour history on a 2-CPU host, 5 s apart: /a, /b and /c idle at 0.05 cores but for two incidents —
    /// samples 13–17 /a takes 1.33 cores while /b gets 0.67 and waits 0.67 s/s for a CPU; samples 31–35 (the newest) /c
    /// does the same to /b. What `ctop record --schedstat` would have stored (run-queue waits per process).
    /// </summary>
    private static List<RecordedSample> NoisyHistory()
    {
        string[] paths = ["/", "/a", "/b", "/c"];
        var usage = new double[4];
        var wait = new double[4];
        var list = new List<RecordedSample>();
        for (int k = 0; k < 36; k++)
        {
            if (k > 0)
            {
                var used = new[] { 0, 0.05, 0.05, 0.05 };
                var waits = new double[4];
                if (k is >= 13 and <= 17) (used[1], used[2], waits[2]) = (1.33, 0.67, 0.67);
                if (k >= 31) (used[3], used[2], waits[2]) = (1.33, 0.67, 0.67);
                for (int i = 1; i < 4; i++) { usage[i] += used[i] * 5; wait[i] += waits[i] * 5; }
                usage[0] = usage[1] + usage[2] + usage[3];
            }
            var cgroups = new Dictionary<string, ProcFs.Cgroups.CgroupStats>(StringComparer.Ordinal);
            var processes = new Dictionary<int, ProcessSample>();
            for (int i = 0; i < 4; i++)
            {
                cgroups[paths[i]] = new ProcFs.Cgroups.CgroupStats(paths[i],
                    new ProcFs.Cgroups.CgroupCpu((ulong)(usage[i] * 1e9), null, 100000, i == 0 ? null : 100, 1024, 0, 0, 0),
                    new ProcFs.Cgroups.CgroupMemory(64UL << 20, null, null, 0, null, null, 0, 0, null), new ProcFs.Cgroups.CgroupPids(1, null),
                    null, null, null);
                if (i == 0) continue;
                var info = new ProcessInfo("root", "/usr/bin/worker " + paths[i], paths[i], ContainerNames.FromPath(paths[i]));
                processes[10 + i] = new ProcessSample(10 + i, 500, 1, 'R', (ulong)(usage[i] * 100), 4096 * 100, 1, info) { WaitNs = (ulong)(wait[i] * 1e9) };
            }
            long ts = 1_000_000_000L + k * 5 * System.Diagnostics.Stopwatch.Frequency;
            ulong busy = (ulong)(usage[0] * 100), all = (ulong)(k * 5 * 2 * 100);
            list.Add(new RecordedSample(new Sample
            {
                Timestamp = ts,
                ProcessTimestamp = ts,
                Time = T0.AddSeconds(k * 5),
                Host = new HostSample(new ProcFs.Proc.CpuTimes(busy, 0, 0, all - busy, 0, 0, 0, 0, 0, 0), 2, 8UL << 30, 6UL << 30,
                    new ProcFs.Proc.LoadAvg(2, 2, 2, 3, 100, 1000), new ProcFs.Proc.Uptime(1000 + k * 5, 1000)),
                Scope = new Scope(ScopeKind.Host, 2, 8L << 30),
                Processes = processes,
                Cgroups = cgroups,
            }, NoNames, k == 0));
        }
        return list;
    }

    private static (string Culprits, string Victims) Sections(string output)
    {
        int v = output.IndexOf("Victims", StringComparison.Ordinal);
        Assert.True(v > 0, output);
        return (output[..v], output[v..]);
    }

    [Fact]
    public async Task DiagnoseFromAStoreRanksTheCulpritOfThePastNotOfNow()
    {
        var dir = TempDir();
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 7 }))
                foreach (var s in NoisyHistory()) w.Append(s);

            // The first incident, from its last sample over 25 s: /a crowded /b.
            var (code, output, err) = await Run("diagnose", "--from", dir, "--at", T0.AddSeconds(85).ToString("O"), "-d", "25");
            Assert.True(code == 0, err);
            Assert.Contains("over 25.0s", output);
            var (culprits, victims) = Sections(output);
            Assert.Matches(@"1\. /a uses 1\.33 cores .* while /b waits 670 ms/s for CPU.*\[/a, score", culprits);
            Assert.DoesNotContain("/c", culprits);
            Assert.Matches(@"1\. .*\[/b, score", victims);

            // The same with --json: the culprit names its victim.
            (code, output, err) = await Run("diagnose", "--from", dir, "--at", T0.AddSeconds(85).ToString("O"), "-d", "25", "--json");
            Assert.True(code == 0, err);
            var report = System.Text.Json.JsonDocument.Parse(output).RootElement;
            var top = report.GetProperty("culprits")[0];
            Assert.Equal("/a", top.GetProperty("cgroup").GetString());
            Assert.Equal("/b", top.GetProperty("neighbour").GetString());

            // Between the incidents nobody waited: no culprit, no victim.
            (code, output, err) = await Run("diagnose", "--from", dir, "--at", T0.AddSeconds(125).ToString("O"), "-d", "25");
            Assert.True(code == 0, err);
            (culprits, victims) = Sections(output);
            Assert.Contains("none", culprits);
            Assert.Contains("none", victims);

            // Without --at: the newest window, where /c is the one.
            (code, output, err) = await Run("diagnose", "--from", dir, "-d", "25");
            Assert.True(code == 0, err);
            (culprits, _) = Sections(output);
            Assert.Matches(@"1\. /c uses 1\.33 cores .*\[/c, score", culprits);
            Assert.DoesNotContain("[/a,", culprits);
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>The real kernel, recorded and replayed: the frames must be the live ones to the last digit.</summary>
[Collection(KernelCollection.Name)]
public class StoreKernelTests
{
    [KernelFact]
    public void RealSamplesOfAQuotadCgroupReplayToTheLastDigit()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000");
        cg.Write("memory", "memory.limit_in_bytes", "268435456");
        cg.StartBusyLoop();
        using var sampler = new Sampler(new SamplingOptions { Schedstat = true });
        var liveFrames = new List<string>();
        var dir = TempDir();
        try
        {
            Sample? prev = null;
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 3 }))
                for (int k = 0; k < 6; k++)
                {
                    var s = sampler.Take();
                    w.Append(new RecordedSample(s, NoNames, k == 0));
                    // Built now, as live ctop does: the sampler updates a process's cgroup in place later.
                    if (prev is not null) liveFrames.Add(Describe(FrameBuilder.Build(prev, s)));
                    prev = s;
                    Thread.Sleep(200);
                }
            var frames = new StoreReader(dir).Frames(null, null).ToList();
            Assert.Equal(5, frames.Count);
            for (int k = 0; k < 5; k++) Assert.Equal(liveFrames[k], Describe(frames[k]));
            var row = Assert.Single(frames[^1].Cgroups, c => c.Path == cg.CgroupPath);
            Assert.Equal(0.2, row.Cpu.LimitCores!.Value, 9);
            Assert.Equal(268435456, row.Memory.LimitBytes);
            Assert.True(frames[^1].Processes.Count > 10);
        }
        finally { Directory.Delete(dir, true); }
    }
}
