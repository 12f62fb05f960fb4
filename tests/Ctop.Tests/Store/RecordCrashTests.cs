using System.Diagnostics;
using Ctop.Store;
using Ctop.Tests.Reliability;
using Xunit.Abstractions;
using static Ctop.Tests.Store.StoreSupport;

namespace Ctop.Tests.Store;

/// <summary>The real `ctop record`, killed with SIGKILL at random moments and started again; and stopped with SIGTERM.</summary>
public class RecordCrashTests(ITestOutputHelper output)
{
    private static Process Start(string dir, string interval = "0.2")
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { CtopBinary.Dll, "record", "--dir", dir, "-d", interval }) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static int Records(string dir)
    {
        int n = 0;
        var reader = new StoreReader(dir);
        for (var p = reader.First(); p is { } at; p = reader.Next(at)) n++;
        return n;
    }

    private static void WaitFor(Func<bool> condition, int seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for " + what);
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void SigkillLosesAtMostTheSampleBeingWrittenAndTheNextRunAppends()
    {
        int seed = Random.Shared.Next();
        output.WriteLine($"kill points: seed {seed}");
        var rng = new Random(seed);
        var dir = TempDir();
        try
        {
            var kept = new List<string>();
            for (int run = 0; run < 3; run++)
            {
                using var p = Start(dir);
                int before = kept.Count;
                // Past the first records of this run, then a random moment within the next second.
                WaitFor(() => Records(dir) >= before + 2, 60, $"run {run} to record");
                Thread.Sleep(rng.Next(0, 1000));
                p.Kill(); // SIGKILL
                p.WaitForExit();
                var stderr = p.StandardError.ReadToEnd();
                if (run > 0 && stderr.Length > 0) output.WriteLine($"run {run}: {stderr.Trim()}");

                var reports = new List<string>();
                var reader = new StoreReader(dir, reports.Add);
                var samples = ReadAll(reader);
                int records = Records(dir);
                Assert.Empty(reports); // nothing corrupt: at most a torn tail in the newest shard, which is not an error
                Assert.Equal(records, samples.Count); // every complete record decodes
                // Everything the earlier runs recorded is still there, unchanged: the next run appended after it.
                Assert.True(samples.Count > kept.Count, $"seed {seed}, run {run}: nothing appended");
                for (int i = 0; i < kept.Count; i++) Assert.Equal(kept[i], Describe(samples[i].Sample));
                Assert.True(samples[before].RunStart, $"seed {seed}, run {run}: the run's first sample is not marked as a run start");
                Assert.All(samples.Skip(before + 1), s => Assert.False(s.RunStart));
                // A torn tail is shorter than a record: only the sample being written can be missing.
                var shard = StoreFormat.ListShards(dir)[^1].Path;
                var bytes = File.ReadAllBytes(shard);
                var scan = ShardScan.Scan(bytes);
                int torn = bytes.Length - scan.ValidEnd;
                Assert.True(torn < Math.Max(64, scan.Entries.Max(e => e.Size) * 4), $"seed {seed}, run {run}: {torn} torn bytes");
                kept = samples.Select(s => Describe(s.Sample)).ToList();
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SigtermEndsRecordingCleanlyWithExit143()
    {
        var dir = TempDir();
        try
        {
            using var p = Start(dir, "0.5");
            WaitFor(() => StoreFormat.ListShards(dir).Count > 0 && Records(dir) >= 2, 60, "the first records");
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(p.WaitForExit(15_000), "ctop record did not end on SIGTERM");
            Assert.Equal(143, p.ExitCode);
            var bytes = File.ReadAllBytes(StoreFormat.ListShards(dir)[^1].Path);
            Assert.Equal(bytes.Length, ShardScan.Scan(bytes).ValidEnd); // no half record left behind
        }
        finally { Directory.Delete(dir, true); }
    }
}
