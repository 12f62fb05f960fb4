using System.Globalization;
using Ctop.Store;
using Xunit.Abstractions;
using static Ctop.Tests.Store.StoreSupport;

namespace Ctop.Tests.Store;

/// <summary>
/// Truncated, bit-flipped and overwritten stores, and records whose checksum holds over a damaged payload: the reader
/// reports and skips, never throws, and whatever it does return is exactly what was recorded. The seed is printed;
/// CTOP_FUZZ_SEED replays a run, CTOP_FUZZ_CASES changes the count (100,000 by default).
/// </summary>
public class StoreFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void DamagedStoresAreDetectedAndSkippedWithoutCrashing()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CTOP_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        int cases = int.TryParse(Environment.GetEnvironmentVariable("CTOP_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : 100_000;
        output.WriteLine($"store fuzz: seed {seed} (CTOP_FUZZ_SEED={seed} replays), {cases} cases");

        // Two shards of three samples, key frames every three.
        var dir = TempDir();
        byte[][] shards;
        var originals = new Dictionary<long, string>();
        try
        {
            var rng0 = new Random(42);
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false, KeyEvery = 3, ShardDuration = TimeSpan.FromSeconds(3) }))
                for (int k = 0; k < 6; k++)
                {
                    var sample = Synthetic(k, rng0, processes: 4);
                    originals[sample.Time.UtcTicks] = Describe(sample);
                    w.Append(new RecordedSample(sample, NoNames, k == 0));
                }
            shards = StoreFormat.ListShards(dir).Select(f => File.ReadAllBytes(f.Path)).ToArray();
        }
        finally { Directory.Delete(dir, true); }
        Assert.Equal(2, shards.Length);
        Assert.Equal(6, ReadAll(new StoreReader(shards)).Count);

        var rng = new Random(seed);
        var raw = Array.Empty<byte>();
        var framed = new byte[4096];
        int reported = 0, decodedTotal = 0;
        for (int n = 0; n < cases; n++)
        {
            var damaged = shards.Select(b => (byte[])b.Clone()).ToArray();
            int which = rng.Next(damaged.Length);
            var target = damaged[which];
            int kind = rng.Next(4);
            switch (kind)
            {
                case 0: // truncated anywhere, the header included
                    damaged[which] = target[..rng.Next(target.Length)];
                    break;
                case 1: // a few flipped bits
                    for (int k = rng.Next(1, 5); k > 0; k--) target[rng.Next(target.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2: // a run of garbage
                    int at = rng.Next(target.Length), len = Math.Min(rng.Next(1, 64), target.Length - at);
                    rng.NextBytes(target.AsSpan(at, len));
                    break;
                default: // a record whose checksum holds over a damaged payload (a bug, or a crafted file)
                    var scan = ShardScan.Scan(target);
                    var e = scan.Entries[rng.Next(scan.Entries.Count)];
                    int rawLen = StoreFormat.Unpack(target.AsSpan(e.Offset, e.Size), ref raw);
                    var payload = raw[..rawLen];
                    int mode = rng.Next(3);
                    if (mode == 0) payload = payload[..rng.Next(1, payload.Length)];
                    else if (mode == 1) for (int k = rng.Next(1, 4); k > 0; k--) payload[rng.Next(payload.Length)] = (byte)rng.Next(256);
                    else { var extra = new byte[rng.Next(1, 16)]; rng.NextBytes(extra); payload = [.. payload, .. extra]; }
                    int size = StoreFormat.Frame(payload, e.Kind, new DateTimeOffset(e.UtcTicks, TimeSpan.Zero), ref framed, 1);
                    damaged[which] = [.. target.AsSpan(0, e.Offset), .. framed.AsSpan(0, size), .. target.AsSpan(e.Offset + e.Size)];
                    break;
            }
            var reports = new List<string>();
            var reader = new StoreReader(damaged, reports.Add);
            try
            {
                for (var p = reader.First(); p is { } pos; p = reader.Next(pos))
                {
                    var sample = reader.Sample(pos);
                    if (n % 4 == 0) reader.Frame(pos);
                    if (sample is null) continue;
                    decodedTotal++;
                    // What comes back from records the checksum vouches for is what was recorded (every 64th case in full).
                    if (kind != 3 && n % 64 == 0)
                        Assert.True(originals.TryGetValue(sample.Sample.Time.UtcTicks, out var want) && want == Describe(sample.Sample),
                            $"seed {seed}, case {n}: a damaged store returned a sample that was not recorded");
                }
                // Backwards and by time too, as replay moves.
                if (reader.Last() is { } last && reader.Previous(last) is { } back) reader.Frame(back);
                reader.Seek(T0.AddSeconds(rng.Next(-2, 10)));
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, case {n} (kind {kind}): the reader threw {ex}");
            }
            if (reports.Count > 0) reported++;
        }
        output.WriteLine($"{reported} of {cases} damaged stores reported a problem; {decodedTotal} samples decoded");
        Assert.True(reported > cases / 4, $"seed {seed}: only {reported} of {cases} damaged stores were reported");
    }
}
