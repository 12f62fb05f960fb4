using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Store;
using Ctop.Tests.Model;
using Ctop.Tests.Reliability;
using Ctop.Tests.Support;
using ProcFs.Tests.Support;
using static Ctop.Tests.Store.StoreSupport;

namespace Ctop.Tests.Store;

/// <summary>
/// The real binary in a real terminal (tmux): `ctop replay` of a real recording of a quota'd ctop-test-* cgroup (the
/// cgroup shows with its limit, the header says REPLAY and its time) and of a two-hour store written by the writer,
/// where every time key — a sample, a minute, an hour, go to a time, the newest, play and pause — moves the header's
/// time where it should, and o groups by pod while g asks for a time.
/// </summary>
[Collection(KernelCollection.Name)]
public class ReplayEndToEndTests
{
    private static readonly Regex HeaderTime = new(@"REPLAY (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d) (▶|⏸)");

    private static DateTimeOffset TimeOn(string screen) =>
        DateTimeOffset.ParseExact(HeaderTime.Match(screen).Groups[1].Value, "yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    private static bool Playing(string screen) => HeaderTime.Match(screen).Groups[2].Value == "▶";

    private static Func<string, bool> At(DateTimeOffset t) => s => HeaderTime.IsMatch(s) && TimeOn(s) == t;

    [KernelFact]
    public void ReplayShowsARecordedQuotadCgroupAndTheKeysMoveTheHeadersTime()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000"); // 0.2 CPU
        cg.StartBusyLoop();
        var dir = Directory.CreateTempSubdirectory("ctop-test-replay-").FullName;
        try
        {
            // Record a few seconds at 1 s: samples a second apart, so each step moves the time by about a second.
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in new[] { CtopBinary.Dll, "record", "--dir", dir, "-d", "1" }) psi.ArgumentList.Add(a);
            using (var rec = Process.Start(psi)!)
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (CountRecords(dir) < 6 && DateTime.UtcNow < deadline) Thread.Sleep(200);
                rec.Kill();
                rec.WaitForExit();
            }
            Assert.True(CountRecords(dir) >= 6, "the recorder wrote too little");

            using var tmux = new TmuxSession("ctop-e2e-replay", 160, 45, "replay", "--dir", dir);
            var row = new Regex(@"0\.\d\d/0\.20\s.*" + Regex.Escape(cg.CgroupPath));
            var screen = tmux.WaitForScreen(s => HeaderTime.IsMatch(s) && row.IsMatch(s), "the recorded cgroup with its 0.20 limit");
            var newest = TimeOn(screen);

            tmux.Keys(",");
            screen = tmux.WaitForScreen(s => HeaderTime.IsMatch(s) && TimeOn(s) < newest, "an earlier time after ','");
            var earlier = TimeOn(screen);
            Assert.InRange((newest - earlier).TotalSeconds, 0.5, 3.5);
            Assert.Matches(row, screen); // still the recorded row, at the earlier time

            tmux.Keys(".");
            tmux.WaitForScreen(At(newest), "the newest time again after '.'");

            tmux.Keys("{");
            tmux.WaitForScreen(s => HeaderTime.IsMatch(s) && TimeOn(s) < earlier, "the first frame after '{' (a minute back, clamped)");
            tmux.QuitAndAssertGone();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Two hours at 1 s (7,200 samples) written by the store's writer: every jump lands on an exact second.</summary>
    [ToolFact("tmux", "tmux")]
    public void EveryTimeKeyMovesTheHeadersTimeWhereItShould()
    {
        var dir = TempDir();
        try
        {
            var rng = new Random(22);
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }))
                for (int k = 0; k < 7200; k++) w.Append(new RecordedSample(Synthetic(k, rng), NoNames, k == 0));
            var start = T0.AddMinutes(30);
            using var tmux = new TmuxSession("ctop-e2e-replay-keys", 160, 45, "replay", "--dir", dir, "--at", start.ToString("O", CultureInfo.InvariantCulture));
            var screen = tmux.WaitForScreen(At(start), "--at's time in the header");
            Assert.False(Playing(screen), "replay starts paused");
            Assert.DoesNotContain("by pod", screen);

            void Expect(string key, DateTimeOffset t, string what)
            {
                tmux.Keys(key);
                tmux.WaitForScreen(At(t), $"{t:O} after '{key}' ({what})");
            }
            Expect(".", start.AddSeconds(1), "a sample forward");
            Expect(",", start, "a sample back");
            Expect("}", start.AddMinutes(1), "a minute forward");
            Expect("{", start, "a minute back");
            Expect(")", start.AddHours(1), "an hour forward");
            Expect("(", start, "an hour back");
            Expect("G", T0.AddSeconds(7199), "the newest");
            Expect("(", T0.AddSeconds(7199 - 3600), "an hour back from the newest");

            // g asks for a time: ISO 8601 with its offset, then 'end'; it does not group by pod here.
            var target = T0.AddHours(1).AddMinutes(45).AddSeconds(10);
            tmux.Keys("g");
            tmux.WaitForScreen(s => s.Contains("Go to (ISO 8601", StringComparison.Ordinal), "the go-to-time prompt");
            tmux.Type(target.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            tmux.Keys("Enter");
            screen = tmux.WaitForScreen(At(target), "the typed time after g");
            Assert.DoesNotContain("by pod", screen);
            tmux.Keys("g");
            tmux.WaitForScreen(s => s.Contains("Go to (ISO 8601", StringComparison.Ordinal), "the go-to-time prompt again");
            tmux.Type("end");
            tmux.Keys("Enter");
            tmux.WaitForScreen(At(T0.AddSeconds(7199)), "the newest after g end");

            // Play at the recorded pace (1 s): the time moves on by itself; pause: it stays.
            Expect("(", T0.AddSeconds(7199 - 3600), "an hour back");
            var from = T0.AddSeconds(7199 - 3600);
            tmux.Keys("Space");
            screen = tmux.WaitForScreen(s => HeaderTime.IsMatch(s) && Playing(s) && TimeOn(s) >= from.AddSeconds(2), "the time moving on while playing");
            tmux.Keys("Space");
            screen = tmux.WaitForScreen(s => HeaderTime.IsMatch(s) && !Playing(s), "the pause mark");
            var paused = TimeOn(screen);
            Thread.Sleep(2500);
            screen = tmux.WaitForScreen(s => HeaderTime.IsMatch(s), "the header");
            Assert.InRange(TimeOn(screen), paused, paused.AddSeconds(1)); // a tick already under way may land
            var settled = TimeOn(screen);
            Thread.Sleep(2000);
            Assert.Equal(settled, TimeOn(tmux.WaitForScreen(s => HeaderTime.IsMatch(s), "the header")));

            // o groups the cgroup table by pod in replay (g being taken), and ungroups.
            tmux.Keys("o");
            tmux.WaitForScreen(s => Regex.IsMatch(s, @"Cgroups \(\d+, flat, by pod, by "), "the cgroup table grouped by pod after o");
            tmux.Keys("o");
            tmux.WaitForScreen(s => Regex.IsMatch(s, @"Cgroups \(\d+, flat, by ") && !s.Contains("by pod"), "the grouping gone after o again");
            Assert.Equal(settled, TimeOn(tmux.Screen()));
            tmux.QuitAndAssertGone();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static int CountRecords(string dir)
    {
        if (StoreFormat.ListShards(dir).Count == 0) return 0;
        int n = 0;
        var reader = new StoreReader(dir);
        for (var p = reader.First(); p is { } at; p = reader.Next(at)) n++;
        return n;
    }
}
