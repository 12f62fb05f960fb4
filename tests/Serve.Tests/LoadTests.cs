using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serve.Tests.Support;

namespace Serve.Tests;

/// <summary>
/// 1,000 scrapes from 50 concurrent clients, with slow-drip and malformed clients beside them, against the published
/// ctop serve on 127.0.0.1 only, bounded in count and time: the sampling keeps its interval, RSS stays bounded, and
/// nothing crashes.
/// </summary>
[Collection("real serve")]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Scrapes = 1000, Clients = 50, SlowDrips = 10, Malformed = 200;

    [PrometheusFact]
    public void Scrapes_under_load_keep_sampling_and_memory_bounded()
    {
        // Cgroups only: what is measured is whether serving disturbs sampling, not how long the host's /proc takes to read
        // on a shared machine (the scrape path is the same with run-queue waits; they only make the sample longer).
        using var ctop = new CtopServe("-d", "1", "--no-schedstat");
        // Warm up: the first frame, both formats made once, the thread pool grown.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ctop.Get("/metrics").Status != "HTTP/1.1 200 OK" && DateTime.UtcNow < deadline) Thread.Sleep(200);
        for (int i = 0; i < 20; i++) ctop.Get("/metrics");
        long rssBefore = ctop.Process.RssBytes();
        var first = ctop.Get("/metrics").Body;
        double droppedBefore = CtopServe.Value(first, "ctop_sampling_dropped_ticks_total") ?? double.NaN;

        var statuses = new ConcurrentDictionary<string, int>();
        var stamps = new ConcurrentDictionary<double, bool>();
        int next = 0;
        var sw = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // the whole load is bounded in time too

        var scrapers = Enumerable.Range(0, Clients).Select(_ => Task.Run(() =>
        {
            while (Interlocked.Increment(ref next) <= Scrapes && !stop.IsCancellationRequested)
            {
                try
                {
                    var (status, body) = ctop.Get("/metrics", timeout: TimeSpan.FromSeconds(30));
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (CtopServe.Value(body, "ctop_sample_timestamp_seconds") is double t) stamps[t] = true;
                }
                catch (SocketException e) { statuses.AddOrUpdate("socket error " + e.SocketErrorCode, 1, (_, n) => n + 1); }
            }
        })).ToList();

        // Slow drip: a header byte every 200 ms, never finished; the server must cut each off at its request timeout.
        var cutOff = new ConcurrentBag<double>();
        var drips = Enumerable.Range(0, SlowDrips).Select(_ => Task.Run(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect("127.0.0.1", ctop.Port);
            var start = Stopwatch.StartNew();
            var request = Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nX-Drip: " + new string('a', 200));
            try
            {
                foreach (var b in request)
                {
                    if (stop.IsCancellationRequested) return;
                    s.Send([b]);
                    Thread.Sleep(200);
                    if (s.Poll(0, SelectMode.SelectRead)) break; // answered (408) or closed
                }
                s.ReceiveTimeout = 10_000;
                var buf = new byte[256];
                s.Receive(buf);
            }
            catch (SocketException) { }
            cutOff.Add(start.Elapsed.TotalSeconds);
        })).ToList();

        // Malformed and hostile requests, one after another beside the load.
        var junk = new[]
        {
            "garbage\r\n\r\n", "GET\r\n\r\n", "GET /metrics HTTP/9.9\r\n\r\n", "\u0001\u0002\u0003\r\n\r\n",
            "GET /metrics HTTP/1.1\r\n" + new string('x', 20_000) + "\r\n\r\n", "POST /metrics HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc",
            "GET /../../etc/passwd HTTP/1.1\r\n\r\n",
        };
        var malformedStatuses = new ConcurrentDictionary<string, int>();
        var bad = Task.Run(() =>
        {
            for (int i = 0; i < Malformed && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s.ReceiveTimeout = 10_000;
                    s.Connect("127.0.0.1", ctop.Port);
                    s.Send(Encoding.Latin1.GetBytes(junk[i % junk.Length]));
                    var buf = new byte[128];
                    int n = s.Receive(buf);
                    var status = Encoding.ASCII.GetString(buf, 0, n).Split("\r\n")[0];
                    malformedStatuses.AddOrUpdate(status, 1, (_, c) => c + 1);
                }
                catch (SocketException e) { malformedStatuses.AddOrUpdate("socket error " + e.SocketErrorCode, 1, (_, c) => c + 1); }
            }
        });

        // The 1,000 scrapes may take only a second or two; the frames are watched over the whole load, drips included.
        var load = Task.WhenAll([.. scrapers, .. drips, bad]);
        while (!load.IsCompleted)
        {
            try
            {
                if (CtopServe.Value(ctop.Get("/metrics", timeout: TimeSpan.FromSeconds(30)).Body, "ctop_sample_timestamp_seconds") is double t) stamps[t] = true;
            }
            catch (SocketException) { }
            Thread.Sleep(250);
        }
        load.Wait();
        var elapsed = sw.Elapsed.TotalSeconds;
        Thread.Sleep(1500);
        long rssAfter = ctop.Process.RssBytes();
        var last = ctop.Get("/metrics").Body;
        double droppedAfter = CtopServe.Value(last, "ctop_sampling_dropped_ticks_total") ?? double.NaN;
        double lastStamp = CtopServe.Value(last, "ctop_sample_timestamp_seconds") ?? 0;

        output.WriteLine($"{Scrapes} scrapes from {Clients} clients in {elapsed:F1} s; statuses: {string.Join(", ", statuses.Select(kv => $"{kv.Key} x{kv.Value}"))}");
        output.WriteLine($"malformed: {string.Join(", ", malformedStatuses.Select(kv => $"{kv.Key} x{kv.Value}"))}");
        output.WriteLine($"slow drips cut off after {string.Join(", ", cutOff.Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))} s");
        output.WriteLine($"distinct frames seen: {stamps.Count}; dropped ticks {droppedBefore} -> {droppedAfter}; RSS {rssBefore >> 20} -> {rssAfter >> 20} MiB; body {first.Length} bytes");

        Assert.False(stop.IsCancellationRequested, "the load did not finish within 120 s");
        Assert.True(ctop.Process.Running, "ctop serve died under load:\n" + ctop.Process.Stderr);
        Assert.Equal(Scrapes, statuses.Values.Sum());
        // 50 scrapers and 10 drips stay under the cap of 64 connections: every scrape is served.
        Assert.Equal(Scrapes, statuses.GetValueOrDefault("HTTP/1.1 200 OK"));
        Assert.Equal(Malformed, malformedStatuses.Where(kv => kv.Key.StartsWith("HTTP/1.1 4", StringComparison.Ordinal)).Sum(kv => kv.Value));
        Assert.All(cutOff, s => Assert.InRange(s, 4, 12)); // request timeout 5 s
        // Sampling held its interval: frames kept coming at about 1 s, few ticks dropped.
        Assert.True(stamps.Count >= elapsed * 0.5 - 1, $"only {stamps.Count} frames in {elapsed:F1} s");
        Assert.True(droppedAfter - droppedBefore <= Math.Max(3, elapsed * 0.25), $"{droppedAfter - droppedBefore} ticks dropped in {elapsed:F1} s");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - lastStamp, -1, 3);
        // Bounded: bodies are shared, connections capped, buffers pooled.
        Assert.True(rssAfter < rssBefore + (64L << 20) && rssAfter < 256L << 20, $"RSS {rssBefore >> 20} -> {rssAfter >> 20} MiB");
        Assert.Equal(143, ctop.Process.Signal("TERM", TimeSpan.FromSeconds(15)));
    }
}
