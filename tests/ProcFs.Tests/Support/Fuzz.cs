using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ProcFs.Tests.Support;

/// <summary>
/// The fuzz seed: fixed, so every run of the suite feeds the same inputs and a failure reproduces; printed with the
/// totals; CTOP_FUZZ_SEED=N replays (or explores) another, CTOP_FUZZ_SEED=random picks a new one and prints it.
/// </summary>
public static class FuzzSeed
{
    public const int Fixed = 20261126;

    public static int Value { get; } = Read();

    /// <summary>What a report prints, and how to get the same inputs again.</summary>
    public static string Line => string.Create(CultureInfo.InvariantCulture, $"seed {Value} (replay: CTOP_FUZZ_SEED={Value})");

    private static int Read()
    {
        var text = Environment.GetEnvironmentVariable("CTOP_FUZZ_SEED");
        if (string.Equals(text, "random", StringComparison.OrdinalIgnoreCase)) return Random.Shared.Next(1, int.MaxValue);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : Fixed;
    }

    /// <summary>
    /// The random stream of one input kind: a function of the seed and the kind's name only (a stable hash, not
    /// <see cref="HashCode"/>, which differs per process), so adding a kind changes no other kind's inputs.
    /// </summary>
    public static Random For(string name) => new(unchecked((int)(Fuzz.Hash(Encoding.UTF8.GetBytes(name)) ^ (ulong)(uint)Value * 0x9E3779B97F4A7C15UL)));
}

/// <summary>How a parser took one input: a value, or the documented refusal (an error result or exception).</summary>
public enum FuzzOutcome { Accepted, Rejected }

/// <summary>A property of the parser's answer did not hold (a message not naming the input, a broken round trip, …).</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);

/// <summary>
/// One kind of outside input. <see cref="Run"/> calls the real parser on the bytes and checks its answer: it returns
/// how the input was taken, catches the documented refusal itself (checking its message), and throws anything else,
/// which the harness reports as a failure with the input and the seed.
/// </summary>
/// <param name="Name">Short, stable (it salts the random stream): "config", "engine-api", …</param>
/// <param name="Seeds">Valid and almost-valid inputs that mutations start from.</param>
/// <param name="Run">The parser call and its checks.</param>
/// <param name="Cases">Calls to make: every truncation of the seeds first (up to a quarter of this), then mutations and
/// <paramref name="Generate"/>d inputs, half each when a generator is given.</param>
/// <param name="Generate">Inputs built from scratch from the random stream (grammar-shaped, not mutated).</param>
/// <param name="Tokens">Hostile fragments the mutator splices in; <see cref="Fuzz.Tokens"/> when null.</param>
/// <param name="Rejects">Whether this parser has a refusal at all (the lxcfs views take any text): when it does, a run
/// that never saw one did not exercise the error path and fails.</param>
public sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, Func<byte[], FuzzOutcome> Run, int Cases,
    Func<Random, byte[]>? Generate = null, byte[][]? Tokens = null, bool Rejects = true);

/// <summary>What one input kind saw.</summary>
public sealed class FuzzTally(string name)
{
    private readonly HashSet<ulong> _distinct = [];

    public string Name { get; } = name;
    public long Calls { get; private set; }
    public long Accepted { get; private set; }
    public long Rejected { get; private set; }
    public long Failed { get; private set; }
    public long Distinct => _distinct.Count;
    public TimeSpan Time { get; set; }

    internal void Count(byte[] input, FuzzOutcome? outcome)
    {
        Calls++;
        _distinct.Add(Fuzz.Hash(input));
        if (outcome == FuzzOutcome.Accepted) Accepted++;
        else if (outcome == FuzzOutcome.Rejected) Rejected++;
        else Failed++;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Calls:N0} calls, {Distinct:N0} distinct inputs, {Accepted:N0} accepted, {Rejected:N0} refused, {Failed:N0} failed, {Time.TotalSeconds:F1} s");
}

/// <summary>
/// The seeded fuzzer the suite's fuzz tests share: truncations and mutations of seeds plus generated inputs, fed to real
/// parsers, counted per kind. The counts are of parser calls that returned or refused, and of distinct inputs, so a
/// generator that repeats itself or a target that never reaches its parser fails <see cref="Problems"/>.
/// </summary>
public sealed class FuzzRun
{
    private readonly List<string> _failures = [];
    private readonly List<FuzzTally> _tallies = [];
    private readonly Stopwatch _clock = new();
    private TimeSpan _extra;

    public IReadOnlyList<FuzzTally> Tallies => _tallies;
    public IReadOnlyList<string> Failures => _failures;
    public long Calls => _tallies.Sum(t => t.Calls);
    public long Distinct => _tallies.Sum(t => t.Distinct);
    public TimeSpan Elapsed => _clock.Elapsed + _extra;

    /// <summary>Where the run is: for a failure message when a parser hangs.</summary>
    public string Where => _current is { } t ? $"{t.Name} after {t.Calls} calls, last input: \"{Fuzz.Show(_last ?? [])}\"" : "not started";

    private volatile FuzzTally? _current;
    private byte[]? _last;

    /// <summary>A tally counted by the caller's own loop (<see cref="One"/>), added to the totals.</summary>
    public void Add(FuzzTally tally)
    {
        _tallies.Add(tally);
        _extra += tally.Time;
    }

    /// <summary>Feeds <paramref name="target"/> its cases; returns its tally.</summary>
    public FuzzTally Feed(FuzzTarget target)
    {
        _clock.Start();
        var sw = Stopwatch.StartNew();
        var tally = new FuzzTally(target.Name);
        _tallies.Add(tally);
        var r = FuzzSeed.For(target.Name);
        var tokens = target.Tokens ?? Fuzz.Tokens;
        int truncations = 0;
        foreach (var s in target.Seeds)
            for (int n = 0; n <= s.Length && truncations < target.Cases / 4; n++, truncations++)
                One(target, tally, s[..n]);
        int left = target.Cases - truncations;
        for (int i = 0; i < left; i++)
        {
            byte[] input = target.Generate is { } g && (i % 2 == 1 || target.Seeds.Count == 0)
                ? g(r)
                : Fuzz.Mutate(target.Seeds[r.Next(target.Seeds.Count)], r, tokens);
            One(target, tally, input);
        }
        tally.Time = sw.Elapsed;
        _clock.Stop();
        return tally;
    }

    /// <summary>One parser call, counted; anything but its documented answers is a failure.</summary>
    public FuzzOutcome? One(FuzzTarget target, FuzzTally tally, byte[] input)
    {
        FuzzOutcome? outcome = null;
        _current = tally;
        _last = input;
        try { outcome = target.Run(input); }
        catch (Exception e)
        {
            // The first few of each kind: one broken parser must not hide another.
            if (_failures.Count < 30 && tally.Failed < 3)
                _failures.Add($"{target.Name}: {e.GetType().Name}: {e.Message.Split('\n')[0]}\n    on input ({input.Length} bytes): \"{Fuzz.Show(input)}\"");
        }
        tally.Count(input, outcome);
        return outcome;
    }

    /// <summary>
    /// Why these counts do not make a fuzz run: fewer distinct inputs than <paramref name="required"/>, a kind with
    /// fewer calls than it asked for, one whose parser never accepted, or never refused although it can.
    /// </summary>
    public List<string> Problems(long required, IEnumerable<FuzzTarget> targets)
    {
        var problems = new List<string>();
        if (Distinct < required) problems.Add($"only {Distinct:N0} distinct inputs reached the parsers, need {required:N0}");
        foreach (var t in targets)
        {
            var tally = _tallies.FirstOrDefault(x => x.Name == t.Name);
            if (tally is null) { problems.Add($"{t.Name}: never fed"); continue; }
            if (tally.Calls < t.Cases) problems.Add($"{t.Name}: {tally.Calls} calls, asked for {t.Cases}");
            if (tally.Accepted == 0) problems.Add($"{t.Name}: no input was accepted (the generator makes only garbage)");
            if (t.Rejects && tally.Rejected == 0) problems.Add($"{t.Name}: no input was refused (the error path was never reached)");
            if (tally.Distinct < tally.Calls / 4) problems.Add($"{t.Name}: only {tally.Distinct} distinct inputs in {tally.Calls} calls");
        }
        return problems;
    }

    /// <summary>The one line the suite prints, then a line per kind.</summary>
    public string Report(string what) =>
        string.Create(CultureInfo.InvariantCulture,
            $"fuzz: {what}: {Calls:N0} parser calls, {Distinct:N0} distinct inputs, {_tallies.Count} input kinds, {Elapsed.TotalSeconds:F1} s, {FuzzSeed.Line}\n")
        + string.Concat(_tallies.Select(t => "  " + t + "\n"));

    /// <summary>
    /// Writes the report into the test project's TestResults folder: xunit's output is not shown by `dotnet test`, so
    /// ./test.sh prints these files' first lines after the run.
    /// </summary>
    public static void Save(string projectFile, string fileName, string text)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, projectFile))) dir = dir.Parent;
        var target = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, fileName), text);
    }
}

/// <summary>The mutator and helpers.</summary>
public static class Fuzz
{
    /// <summary>Fragments that break parsers: huge, negative and special numbers, separators, NUL, CR, invalid UTF-8.</summary>
    public static readonly byte[][] Tokens =
    [
        "max"u8.ToArray(), "-1"u8.ToArray(), "-9223372036854775808"u8.ToArray(), "18446744073709551615"u8.ToArray(),
        "18446744073709551616"u8.ToArray(), "99999999999999999999999999999"u8.ToArray(), "1e308"u8.ToArray(), "NaN"u8.ToArray(),
        "0x10"u8.ToArray(), ""u8.ToArray(), " "u8.ToArray(), "\0"u8.ToArray(), "\r\n"u8.ToArray(), "\n"u8.ToArray(), ")"u8.ToArray(),
        "("u8.ToArray(), ":"u8.ToArray(), "="u8.ToArray(), "-"u8.ToArray(), ","u8.ToArray(), " - "u8.ToArray(), "\\"u8.ToArray(),
        "extra_key 1\n"u8.ToArray(), [0xff, 0xfe], "4294967296"u8.ToArray(), "2147483648"u8.ToArray(), "0-"u8.ToArray(),
        "4294967295-0"u8.ToArray(), "1.5"u8.ToArray(), "+1"u8.ToArray(),
    ];

    /// <summary>JSON-breaking fragments on top of <see cref="Tokens"/>: structure, escapes, deep nesting, surrogates.</summary>
    public static readonly byte[][] JsonTokens =
    [
        .. Tokens,
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), "null"u8.ToArray(), "true"u8.ToArray(),
        "\"\\u0000\""u8.ToArray(), "\"\\ud800\""u8.ToArray(), "\"\\u001b[2J\""u8.ToArray(), "\\"u8.ToArray(), "//c\n"u8.ToArray(),
        "/*"u8.ToArray(), "*/"u8.ToArray(), "1e999"u8.ToArray(), "-0"u8.ToArray(), "0.0000000000000000000001"u8.ToArray(),
        Encoding.ASCII.GetBytes(new string('[', 70)), Encoding.ASCII.GetBytes(new string('{', 5) + "\"a\":"),
        "{\"x\":[1,{\"y\":null}]}"u8.ToArray(), [0x22, 0xc3, 0x28, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], "[]"u8.ToArray(),
        "{}"u8.ToArray(), "\"\""u8.ToArray(), ",,"u8.ToArray(), "\"Labels\":{\"a\":1}"u8.ToArray(), "\"Names\":\"x\""u8.ToArray(),
    ];

    /// <summary>1–3 random edits: what a strange kernel, a short read, a hand-edited file or a hostile name does.</summary>
    public static byte[] Mutate(byte[] s, Random r, byte[][]? tokens = null)
    {
        tokens ??= Tokens;
        var l = new List<byte>(s);
        int ops = 1 + r.Next(3);
        for (int k = 0; k < ops; k++)
        {
            int at = l.Count == 0 ? 0 : r.Next(l.Count + 1);
            switch (r.Next(12))
            {
                case 0: if (at < l.Count) l[at] ^= (byte)(1 << r.Next(8)); break;                 // bit flip
                case 1: l.Insert(at, (byte)r.Next(256)); break;                                      // insert a byte
                case 2: if (at < l.Count) l.RemoveAt(at); break;                                      // delete a byte
                case 3: l.InsertRange(at, tokens[r.Next(tokens.Length)]); break;                     // hostile token
                case 4: ReplaceNumber(l, r, tokens); break;                                          // a number replaced
                case 5: l = Crlf(l); break;                                                           // CRLF line ends
                case 6: l.Insert(at, 0); break;                                                       // NUL
                case 7: { var g = new byte[r.Next(1, 64)]; r.NextBytes(g); l.InsertRange(at, g); break; } // garbage
                case 8: l.RemoveRange(at, Math.Min(l.Count - at, r.Next(1, 40))); break;              // cut a chunk
                case 9: { int from = r.Next(Math.Max(1, l.Count)); int n = Math.Min(l.Count - from, r.Next(1, 80)); if (n > 0) l.InsertRange(at, l.GetRange(from, n)); break; } // duplicate
                case 10: if (at < l.Count) l[at] = (byte)" \n\t:=-()\",{}[]/"[r.Next(15)]; break;   // separator where data was
                default: l.InsertRange(at, Encoding.ASCII.GetBytes("key" + r.Next(100) + " " + r.NextInt64() + "\n")); break; // extra key
            }
        }
        return l.ToArray();
    }

    private static void ReplaceNumber(List<byte> l, Random r, byte[][] tokens)
    {
        var starts = new List<int>();
        for (int i = 0; i < l.Count; i++) if (l[i] is >= (byte)'0' and <= (byte)'9' && (i == 0 || l[i - 1] is < (byte)'0' or > (byte)'9')) starts.Add(i);
        if (starts.Count == 0) return;
        int s = starts[r.Next(starts.Count)], e = s;
        while (e < l.Count && l[e] is >= (byte)'0' and <= (byte)'9') e++;
        l.RemoveRange(s, e - s);
        l.InsertRange(s, tokens[r.Next(Math.Min(9, tokens.Length))]);
    }

    private static List<byte> Crlf(List<byte> l)
    {
        var o = new List<byte>(l.Count + 16);
        foreach (var b in l) { if (b == '\n') o.Add((byte)'\r'); o.Add(b); }
        return o;
    }

    /// <summary>FNV-1a, 64 bits: stable across processes (unlike <see cref="HashCode"/>).</summary>
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        foreach (var b in data) { h ^= b; h *= 1099511628211UL; }
        return h;
    }

    /// <summary>An input as printable text for a failure message: C escapes for control and non-ASCII bytes, cut at 400.</summary>
    public static string Show(byte[] input)
    {
        var sb = new StringBuilder();
        foreach (var b in input.AsSpan(0, Math.Min(input.Length, 400)))
            sb.Append(b switch
            {
                (byte)'\n' => "\\n", (byte)'\t' => "\\t", (byte)'\r' => "\\r", (byte)'\\' => "\\\\", (byte)'"' => "\\\"",
                < 0x20 or >= 0x7f => "\\x" + b.ToString("x2", CultureInfo.InvariantCulture),
                _ => ((char)b).ToString(),
            });
        if (input.Length > 400) sb.Append("…");
        return sb.ToString();
    }

    /// <summary>A string that holds a control character or DEL: a message quoting input must escape them.</summary>
    public static bool HasControl(string s) => s.Any(c => char.IsControl(c) && c != '\n');
}
