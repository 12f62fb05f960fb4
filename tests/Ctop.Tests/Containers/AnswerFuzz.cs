using System.Diagnostics;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Ctop.Tests.Containers;

/// <summary>
/// The runtimes' gRPC answers fuzzed the same way (containerd's, the CRI's): truncated, byte-replaced, bit-flipped and
/// varint-injected copies of valid answers, and noise, from a fixed printed seed; decoding must give records or
/// InvalidProtocolBufferException and nothing else, within 120 s.
/// </summary>
internal sealed class AnswerFuzz(string what, ITestOutputHelper output)
{
    // A fixed seed keeps CI reproducible; CTOP_FUZZ_SEED explores other inputs locally.
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CTOP_FUZZ_SEED"), out var s) ? s : 20261207;

    public static string? SeedText => Environment.GetEnvironmentVariable("CTOP_CSCHECK_SEED");

    /// <summary>A protobuf message as written by <paramref name="write"/>.</summary>
    public static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        write(o);
        o.Flush();
        return ms.ToArray();
    }

    private readonly Random _random = new(Seed);
    private readonly List<string> _failures = [];
    private long _cases, _decoded;

    /// <summary>Decodes once; anything but a protocol error is a failure, shown with the first bytes of <paramref name="input"/>.</summary>
    public void Check(Action decode, params byte[][] input)
    {
        _cases++;
        try { decode(); _decoded++; }
        catch (InvalidProtocolBufferException) { }
        catch (Exception e)
        {
            if (_failures.Count < 10)
                _failures.Add($"{e.GetType().Name}: {e.Message} on {string.Join(" / ", input.Select(b => Convert.ToHexString(b.AsSpan(0, Math.Min(64, b.Length)))))}");
        }
    }

    /// <summary>A copy of <paramref name="valid"/> with one to four edits.</summary>
    public byte[] Mutate(byte[] valid)
    {
        var r = _random;
        var b = (byte[])valid.Clone();
        int edits = 1 + r.Next(4);
        for (int e = 0; e < edits; e++)
            switch (r.Next(4))
            {
                case 0: b[r.Next(b.Length)] = (byte)r.Next(256); break;
                case 1: b[r.Next(b.Length)] ^= (byte)(1 << r.Next(8)); break;
                case 2: b = b[..r.Next(b.Length)]; if (b.Length == 0) b = [0x0a]; break;
                default: var at = r.Next(b.Length); b = [.. b[..at], .. new[] { (byte)0xff, (byte)0xff, (byte)0xff, (byte)0xff, (byte)0x0f }, .. b[at..]]; break;
            }
        return b;
    }

    /// <summary>Up to 200 random bytes.</summary>
    public byte[] Noise()
    {
        var b = new byte[_random.Next(200)];
        _random.NextBytes(b);
        return b;
    }

    /// <summary>Runs <paramref name="cases"/> off the test thread, bounded, prints the summary with the seed, and asserts.</summary>
    public async Task RunAsync(Action cases, long atLeast)
    {
        var sw = Stopwatch.StartNew();
        var work = Task.Run(cases);
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(120))) == work, "decoding hung (no result after 120 s)");
        await work;
        var summary = $"{what} answer fuzz: {_cases} cases, {_decoded} decoded, in {sw.Elapsed.TotalSeconds:F1} s (seed {Seed}; CTOP_FUZZ_SEED={Seed} repeats it)";
        output.WriteLine(summary);
        Console.Out.WriteLine(summary);
        Assert.True(_failures.Count == 0, "decoding threw something else than InvalidProtocolBufferException:\n" + string.Join('\n', _failures));
        Assert.True(_cases >= atLeast, $"only {_cases} cases");
    }
}
