using System.Globalization;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>One PSI line: stall percentages over 10/60/300 s and the cumulative stall time in µs.</summary>
public readonly record struct PressureLine(double Avg10, double Avg60, double Avg300, ulong TotalUsec)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"avg10={Avg10:F2} avg60={Avg60:F2} avg300={Avg300:F2} total={TotalUsec}");
}

/// <summary>
/// Pressure stall information: cgroup v2 <c>cpu.pressure</c>, <c>memory.pressure</c>, <c>io.pressure</c> and
/// <c>/proc/pressure/*</c>. "some" and "full" lines are both optional (CPU had no "full" before 5.13,
/// <c>irq</c> has only "full"), but at least one must be present.
/// </summary>
public readonly record struct Pressure(PressureLine? Some, PressureLine? Full)
{
    public static Pressure Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static Pressure Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        PressureLine? some = null, full = null;
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            var rest = Utf8.Trim(line);
            if (rest.IsEmpty) continue;
            Utf8.NextToken(ref rest, out var kind);
            bool isSome = kind.SequenceEqual("some"u8);
            if (!isSome && !kind.SequenceEqual("full"u8)) continue; // a future kind of line
            double? a10 = null, a60 = null, a300 = null;
            ulong? total = null;
            while (Utf8.NextToken(ref rest, out var kv))
            {
                int eq = kv.IndexOf((byte)'=');
                if (eq <= 0) throw CgroupParse.Error(filePath, lines.Number, line, $"expected key=value, found '{Utf8.Decode(kv)}'");
                var key = kv[..eq];
                var value = kv[(eq + 1)..];
                if (key.SequenceEqual("avg10"u8)) a10 = Percent(value, filePath, lines.Number, line);
                else if (key.SequenceEqual("avg60"u8)) a60 = Percent(value, filePath, lines.Number, line);
                else if (key.SequenceEqual("avg300"u8)) a300 = Percent(value, filePath, lines.Number, line);
                else if (key.SequenceEqual("total"u8)) total = CgroupParse.U64(value, filePath, lines.Number, line, "total");
            }
            if (a10 is null || a60 is null || a300 is null || total is null)
                throw CgroupParse.Error(filePath, lines.Number, line, "expected avg10=, avg60=, avg300= and total=");
            var parsed = new PressureLine(a10.Value, a60.Value, a300.Value, total.Value);
            if (isSome) some = parsed; else full = parsed;
        }
        if (some is null && full is null)
            throw CgroupParse.Error(filePath, lines.Number + 1, default, "no 'some' or 'full' line (empty or truncated file?)");
        return new Pressure(some, full);
    }

    private static double Percent(ReadOnlySpan<byte> s, ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line) =>
        Hundredths(s) is long n ? n / 100.0
        : Utf8.TryParseDouble(s, out var v) && double.IsFinite(v) && v >= 0
            ? v
            : throw CgroupParse.Error(filePath, lineNumber, line, $"'{Utf8.Decode(s)}' is not a percentage");

    /// <summary>
    /// The kernel prints percentages as "%lu.%02lu": read as an integer count of hundredths, n / 100.0 is the double
    /// the general parser gives for the text (one correctly rounded division of exact values). Null: another form.
    /// </summary>
    private static long? Hundredths(ReadOnlySpan<byte> s)
    {
        int dot = s.Length - 3;
        if (dot < 1 || dot > 15 || s[dot] != (byte)'.') return null;
        long n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (i == dot) continue;
            int d = s[i] - '0';
            if ((uint)d > 9) return null;
            n = n * 10 + d;
        }
        return n;
    }

    public override string ToString()
    {
        var parts = new List<string>(2);
        if (Some is { } s) parts.Add("some " + s);
        if (Full is { } f) parts.Add("full " + f);
        return string.Join('\n', parts);
    }
}
