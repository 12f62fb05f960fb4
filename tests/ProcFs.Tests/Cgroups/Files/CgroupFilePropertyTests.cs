using System.Globalization;
using System.Text;
using CsCheck;
using ProcFs.Cgroups;

namespace ProcFs.Tests.Cgroups.Files;

public class CgroupFilePropertyTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static readonly Gen<string> Ending = Gen.OneOf("", "\n", " \n", "\r\n", "\n\n", "  ");

    private static string S(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Counters_round_trip_every_u64() =>
        Gen.Select(Gen.ULong, Ending).Sample((v, end) =>
            Assert.Equal(v, CgroupValue.ParseCounter(B(S(v) + end), "memory.current")));

    [Fact]
    public void Limits_below_the_threshold_are_values_and_above_are_unlimited() =>
        Gen.Select(Gen.ULong, Ending).Sample((v, end) =>
            Assert.Equal(v >= CgroupValue.UnlimitedThreshold ? null : v, CgroupValue.ParseLimit(B(S(v) + end), "memory.limit_in_bytes")));

    [Fact]
    public void Limits_near_the_threshold() =>
        Gen.ULong[CgroupValue.UnlimitedThreshold - 100_000, CgroupValue.UnlimitedThreshold + 100_000].Sample(v =>
            Assert.Equal(v >= CgroupValue.UnlimitedThreshold ? null : v, CgroupValue.ParseLimit(B(S(v)), "memory.max")));

    [Fact]
    public void Negative_limits_and_max_are_unlimited() =>
        Gen.Select(Gen.Long[long.MinValue, -1], Ending).Sample((v, end) =>
        {
            Assert.Null(CgroupValue.ParseLimit(B(v.ToString(CultureInfo.InvariantCulture) + end), "memory.limit_in_bytes"));
            Assert.Null(CgroupValue.ParseLimit(B("max" + end), "memory.max"));
        });

    [Fact]
    public void Cfs_quota_negative_is_unlimited_and_positive_is_kept() =>
        Gen.Select(Gen.Long, Gen.Long[1000, 1_000_000]).Sample((quota, period) =>
        {
            var m = CpuMax.FromCfs(B(quota.ToString(CultureInfo.InvariantCulture) + "\n"), "q", B(S((ulong)period) + "\n"), "p");
            Assert.Equal(quota < 0 ? null : quota, m.QuotaUsec);
            Assert.Equal(period, m.PeriodUsec);
        });

    [Fact]
    public void Cpu_max_round_trips_through_its_text() =>
        Gen.Select(Gen.Long[0, long.MaxValue].Nullable(), Gen.Long[1, long.MaxValue]).Sample((quota, period) =>
        {
            var m = new CpuMax(quota, period);
            Assert.Equal(m, CpuMax.Parse(B(m + "\n"), "cpu.max"));
        });

    /// <summary>Independent formatter for the test: consecutive runs become "a-b".</summary>
    private static string FormatRanges(IEnumerable<int> cpus)
    {
        var sorted = cpus.Order().ToArray();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    [Fact]
    public void Cpu_lists_round_trip_as_sets() =>
        Gen.Int[0, 300].HashSet[0, 80].Sample(set =>
        {
            var text = FormatRanges(set);
            var list = CpuList.Parse(B(text + "\n"), "cpuset.cpus");
            Assert.Equal(set.Order(), list);
            Assert.Equal(set.Count, list.Count);
            Assert.Equal(text, list.ToString());
            Assert.All(Enumerable.Range(0, 302), c => Assert.Equal(set.Contains(c), list.Contains(c)));
            Assert.Equal(list, CpuList.FromCpus(set));
        });

    [Fact]
    public void Cpu_lists_written_unordered_and_overlapping_mean_the_same_set() =>
        Gen.Int[0, 200].Select(Gen.Int[0, 5]).Array[1, 20].Sample(pairs =>
        {
            // Each pair is a range start and length, written in generation order (unsorted, overlapping).
            var text = string.Join(',', pairs.Select(p => p.Item2 == 0 ? $"{p.Item1}" : $"{p.Item1}-{p.Item1 + p.Item2}"));
            var expected = pairs.SelectMany(p => Enumerable.Range(p.Item1, p.Item2 + 1)).ToHashSet();
            var list = CpuList.Parse(B(text), "cpuset.cpus");
            Assert.Equal(expected.Order(), list);
            Assert.Equal(FormatRanges(expected), list.ToString());
        });

    private static readonly Gen<double> Percent = Gen.Double[0, 100];

    [Fact]
    public void Pressure_lines_round_trip_with_two_decimals() =>
        Gen.Select(Percent, Percent, Percent, Gen.ULong, Gen.Bool, Ending).Sample((a10, a60, a300, total, withFull, end) =>
        {
            string F(double d) => d.ToString("F2", CultureInfo.InvariantCulture);
            double R(double d) => double.Parse(F(d), CultureInfo.InvariantCulture);
            var line = $"avg10={F(a10)} avg60={F(a60)} avg300={F(a300)} total={total}";
            var text = "some " + line + "\n" + (withFull ? "full " + line : "") + end;
            var p = Pressure.Parse(B(text), "cpu.pressure");
            var expected = new PressureLine(R(a10), R(a60), R(a300), total);
            Assert.Equal(expected, p.Some);
            Assert.Equal(withFull ? expected : null, p.Full);
            Assert.Equal(p, Pressure.Parse(B(p.ToString()), "cpu.pressure"));
        });

    [Fact]
    public void Flat_keyed_files_find_keys_in_any_order_among_unknown_ones() =>
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.Int[0, 5], Gen.Bool).Sample((usage, user, sys, extra, crlf) =>
        {
            var lines = new List<string> { $"usage_usec {usage / 1000}", $"user_usec {user / 1000}", $"system_usec {sys / 1000}" };
            for (int i = 0; i < extra; i++) lines.Insert(i % (lines.Count + 1), $"future_key_{i} {i}");
            lines.Reverse();
            var text = string.Join(crlf ? "\r\n" : "\n", lines);
            var s = CpuStat.Parse(B(text), "cpu.stat", CgroupVersion.V2);
            Assert.Equal(usage / 1000 * 1000, s.UsageNs);
            Assert.Equal(user / 1000 * 1000, s.UserNs);
            Assert.Equal(sys / 1000 * 1000, s.SystemNs);
        });
}
