using ProcFs.Cgroups;
using static ProcFs.Tests.Cgroups.Files.CgroupFixture;

namespace ProcFs.Tests.Cgroups.Files;

public class CpuMaxTests
{
    [Theory]
    [InlineData("max 100000\n", null, 100000L)]
    [InlineData("20000 100000\n", 20000L, 100000L)]
    [InlineData("150000 50000", 150000L, 50000L)]
    [InlineData("20000 100000 \r\n\n", 20000L, 100000L)]
    public void Parses_v2_cpu_max(string content, long? quota, long period)
    {
        using var f = new CgroupFixture();
        f.Write("cpu.max", content);
        var m = f.Reader.ReadCpuMax(f.Dir);
        Assert.Equal(new CpuMax(quota, period), m);
    }

    [Fact]
    public void Cores_is_quota_over_period_or_null()
    {
        Assert.Equal(0.2, new CpuMax(20000, 100000).Cores);
        Assert.Equal(1.5, new CpuMax(150000, 100000).Cores);
        Assert.Null(new CpuMax(null, 100000).Cores);
        Assert.True(new CpuMax(null, 100000).IsUnlimited);
        Assert.Null(default(CpuMax).Cores);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("\n", "empty file")]
    [InlineData("max", "period missing")]
    [InlineData("max 100000 7", "more fields")]
    [InlineData("lots 100000", "quota")]
    [InlineData("-1 100000", "quota")]
    [InlineData("max 0", "period")]
    [InlineData("max 1e5", "period")]
    public void Rejects_malformed_cpu_max(string content, string reason)
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpu.max", content);
        var e = AssertFormatError(() => CpuMax.Parse(data, path), path, 1);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Rejects_a_second_non_blank_line_naming_it()
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpu.max", "max 100000\n\nmax 100000\n");
        AssertFormatError(() => CpuMax.Parse(data, path), path, 3);
    }

    [Theory]
    [InlineData("-1\n", "100000\n", null, 100000L)]
    [InlineData("-5\n", "100000\n", null, 100000L)]
    [InlineData("20000\n", "100000\n", 20000L, 100000L)]
    [InlineData("50000", "250000 \n", 50000L, 250000L)]
    public void Reads_v1_cfs_bandwidth(string quota, string period, long? q, long p)
    {
        using var f = new CgroupFixture();
        f.Write("cpu.cfs_quota_us", quota);
        f.Write("cpu.cfs_period_us", period);
        Assert.Equal(new CpuMax(q, p), f.Reader.ReadCfsBandwidth(f.Dir));
        Assert.Equal(new CpuMax(q, p), CpuMax.FromCfs(B(quota), "q", B(period), "p"));
    }

    [Fact]
    public void FromCfs_values_treat_any_negative_quota_as_unlimited()
    {
        Assert.Null(CpuMax.FromCfs(-1, 100000).QuotaUsec);
        Assert.Null(CpuMax.FromCfs(long.MinValue, 100000).QuotaUsec);
        Assert.Equal(0.5, CpuMax.FromCfs(50000, 100000).Cores);
    }

    [Fact]
    public void Cfs_errors_name_the_offending_file()
    {
        using var f = new CgroupFixture();
        var q = f.Write("cpu.cfs_quota_us", "");
        f.Write("cpu.cfs_period_us", "100000\n");
        AssertFormatError(() => f.Reader.ReadCfsBandwidth(f.Dir), q, 1);
        f.Write("cpu.cfs_quota_us", "20000\n");
        var p = f.Write("cpu.cfs_period_us", "abc\n");
        AssertFormatError(() => f.Reader.ReadCfsBandwidth(f.Dir), p, 1);
    }

    [Fact]
    public void Cfs_bandwidth_is_null_when_either_file_is_missing()
    {
        using var f = new CgroupFixture();
        Assert.Null(f.Reader.ReadCfsBandwidth(f.Dir));
        f.Write("cpu.cfs_quota_us", "-1\n");
        Assert.Null(f.Reader.ReadCfsBandwidth(f.Dir));
        Assert.Equal(ProcFs.Parsing.ReadStatus.Missing, f.Reader.LastStatus);
    }

    [Fact]
    public void ToString_is_the_cpu_max_format()
    {
        Assert.Equal("max 100000", new CpuMax(null, 100000).ToString());
        Assert.Equal("20000 100000", new CpuMax(20000, 100000).ToString());
    }
}

public class CpuStatTests
{
    private const string V2 = """
        usage_usec 153420623
        user_usec 126104034
        system_usec 27316589
        nice_usec 12
        core_sched.force_idle_usec 0
        nr_periods 1204
        nr_throttled 37
        throttled_usec 5123456
        nr_bursts 2
        burst_usec 3000

        """;

    private const string V1 = """
        nr_periods 101
        nr_throttled 101
        throttled_time 14460000000
        nr_bursts 0
        burst_time 0

        """;

    [Fact]
    public void V2_times_are_converted_from_usec_to_ns()
    {
        using var f = new CgroupFixture();
        f.Write("cpu.stat", V2);
        var s = f.Reader.ReadCpuStat(f.Dir, CgroupVersion.V2)!.Value;
        Assert.Equal(CgroupVersion.V2, s.Version);
        Assert.Equal(153420623_000UL, s.UsageNs);
        Assert.Equal(126104034_000UL, s.UserNs);
        Assert.Equal(27316589_000UL, s.SystemNs);
        Assert.Equal(12_000UL, s.NiceNs);
        Assert.Equal(1204UL, s.NrPeriods);
        Assert.Equal(37UL, s.NrThrottled);
        Assert.Equal(5123456_000UL, s.ThrottledNs);
        Assert.Equal(2UL, s.NrBursts);
        Assert.Equal(3000_000UL, s.BurstNs);
    }

    [Fact]
    public void V2_without_the_cpu_controller_has_only_usage()
    {
        var s = CpuStat.Parse(B("usage_usec 10\nuser_usec 7\nsystem_usec 3\nnice_usec 0\n"), "cpu.stat", CgroupVersion.V2);
        Assert.Equal(10_000UL, s.UsageNs);
        Assert.Null(s.NrPeriods);
        Assert.Null(s.NrThrottled);
        Assert.Null(s.ThrottledNs);
        Assert.Null(s.BurstNs);
    }

    [Fact]
    public void V1_times_are_already_ns_and_usage_is_absent()
    {
        using var f = new CgroupFixture();
        f.Write("cpu.stat", V1);
        var s = f.Reader.ReadCpuStat(f.Dir, CgroupVersion.V1)!.Value;
        Assert.Null(s.UsageNs);
        Assert.Null(s.UserNs);
        Assert.Equal(101UL, s.NrPeriods);
        Assert.Equal(101UL, s.NrThrottled);
        Assert.Equal(14460000000UL, s.ThrottledNs);
        Assert.Equal(0UL, s.NrBursts);
        Assert.Equal(0UL, s.BurstNs);
    }

    [Fact]
    public void Old_v1_kernels_without_burst_keys_give_null_bursts()
    {
        var s = CpuStat.Parse(B("nr_periods 1\nnr_throttled 0\nthrottled_time 0\n"), "cpu.stat", CgroupVersion.V1);
        Assert.Null(s.NrBursts);
        Assert.Null(s.BurstNs);
    }

    [Fact]
    public void Keys_are_found_in_any_order_with_unknown_keys_and_CRLF()
    {
        var s = CpuStat.Parse(B("future_key 99\r\nsystem_usec 3\r\nwhatever_usec 1\r\nuser_usec 7\r\nusage_usec 10  \r\n"), "cpu.stat", CgroupVersion.V2);
        Assert.Equal(10_000UL, s.UsageNs);
        Assert.Equal(7_000UL, s.UserNs);
        Assert.Equal(3_000UL, s.SystemNs);
    }

    [Fact]
    public void Version_decides_which_spelling_counts()
    {
        // A v1 file read as v2 lacks usage_usec; a v2 throttled_usec is not a v1 key.
        Assert.Throws<ProcFs.Parsing.ProcFsFormatException>(() => CpuStat.Parse(B(V1), "cpu.stat", CgroupVersion.V2));
        var s = CpuStat.Parse(B("nr_periods 1\nnr_throttled 1\nthrottled_time 5\nthrottled_usec 9\n"), "cpu.stat", CgroupVersion.V1);
        Assert.Equal(5UL, s.ThrottledNs);
    }

    [Fact]
    public void Truncated_file_reports_the_missing_key_after_the_last_line()
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpu.stat", "usage_usec 153420623\nuser_usec 126104034\n");
        var e = AssertFormatError(() => CpuStat.Parse(data, path, CgroupVersion.V2), path, 3);
        Assert.Contains("system_usec", e.Reason);
    }

    [Fact]
    public void Line_cut_mid_value_names_the_line()
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpu.stat", "nr_periods 1\nnr_throttled 0\nthrottled_time\n");
        AssertFormatError(() => CpuStat.Parse(data, path, CgroupVersion.V1), path, 3);
        (data, path) = f.File("cpu.stat", "usage_usec 12x\nuser_usec 1\nsystem_usec 1\n");
        var e = AssertFormatError(() => CpuStat.Parse(data, path, CgroupVersion.V2), path, 1);
        Assert.Contains("usage_usec", e.Reason);
    }

    [Fact]
    public void Empty_file_is_an_error_at_line_1()
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpu.stat", "");
        AssertFormatError(() => CpuStat.Parse(data, path, CgroupVersion.V1), path, 1);
    }

    [Fact]
    public void Microseconds_that_overflow_ns_are_rejected()
    {
        var e = Assert.Throws<ProcFs.Parsing.ProcFsFormatException>(() =>
            CpuStat.Parse(B("usage_usec 18446744073709552\nuser_usec 1\nsystem_usec 1\n"), "cpu.stat", CgroupVersion.V2));
        Assert.Equal(1, e.LineNumber);
    }
}

public class CpuWeightTests
{
    [Theory]
    [InlineData("100\n", 100)]
    [InlineData("1", 1)]
    [InlineData("10000 \n", 10000)]
    [InlineData("0\n", 0)]
    public void Parses_cpu_weight(string content, int expected)
    {
        using var f = new CgroupFixture();
        f.Write("cpu.weight", content);
        Assert.Equal(new CpuWeight(expected), f.Reader.ReadCpuWeight(f.Dir));
        Assert.Equal(expected == 0, f.Reader.ReadCpuWeight(f.Dir)!.Value.IsIdle);
    }

    [Theory]
    [InlineData("1024\n", 1024UL)]
    [InlineData("2", 2UL)]
    [InlineData("262144\n", 262144UL)]
    public void Parses_cpu_shares(string content, ulong expected)
    {
        using var f = new CgroupFixture();
        f.Write("cpu.shares", content);
        Assert.Equal(new CpuShares(expected), f.Reader.ReadCpuShares(f.Dir));
    }

    [Theory]
    [InlineData("cpu.weight", "10001\n")]
    [InlineData("cpu.weight", "-1\n")]
    [InlineData("cpu.weight", "\n")]
    [InlineData("cpu.weight", "1.5\n")]
    [InlineData("cpu.shares", "1\n")]
    [InlineData("cpu.shares", "262145\n")]
    [InlineData("cpu.shares", "")]
    public void Rejects_out_of_range_or_garbage(string file, string content)
    {
        using var f = new CgroupFixture();
        var path = f.Write(file, content);
        AssertFormatError(() => { if (file == "cpu.weight") f.Reader.ReadCpuWeight(f.Dir); else f.Reader.ReadCpuShares(f.Dir); }, path, 1);
    }

    [Theory]
    [InlineData(100, 1024UL)]
    [InlineData(1, 10UL)]
    [InlineData(10000, 102400UL)]
    [InlineData(39, 399UL)]   // 399.36 rounds down
    [InlineData(50, 512UL)]
    public void Weight_to_shares_is_weight_times_1024_over_100_rounded(int weight, ulong shares) =>
        Assert.Equal(new CpuShares(shares), new CpuWeight(weight).ToShares());

    [Theory]
    [InlineData(1024UL, 100)]
    [InlineData(2UL, 1)]          // 0.19 → clamped to the minimum weight
    [InlineData(262144UL, 10000)] // 25600 → clamped to the maximum
    [InlineData(512UL, 50)]
    [InlineData(100UL, 10)]       // 9.77 rounds up
    public void Shares_to_weight_rounds_and_clamps(ulong shares, int weight) =>
        Assert.Equal(new CpuWeight(weight), new CpuShares(shares).ToWeight());

    [Fact]
    public void Every_weight_survives_a_round_trip_through_shares()
    {
        for (int w = CpuWeight.Min; w <= CpuWeight.Max; w++)
            Assert.Equal(w, CpuWeight.FromShares(CpuShares.FromWeight(new CpuWeight(w))).Value);
    }
}

public class CpuacctTests
{
    [Fact]
    public void Usage_is_one_ns_counter()
    {
        using var f = new CgroupFixture();
        f.Write("cpuacct.usage", "155070150642\n");
        Assert.Equal(155070150642UL, f.Reader.ReadCpuacctUsage(f.Dir));
        Assert.Equal(155070150642UL, CpuacctUsage.Parse(B("155070150642\n"), "cpuacct.usage"));
    }

    [Fact]
    public void Usage_percpu_has_a_trailing_space()
    {
        using var f = new CgroupFixture();
        f.Write("cpuacct.usage_percpu", "69093804488 85976453943 \n");
        Assert.Equal(new[] { 69093804488UL, 85976453943UL }, f.Reader.ReadCpuacctUsagePerCpu(f.Dir));
        Assert.Equal(new[] { 0UL, 0UL }, CpuacctUsage.ParsePerCpu(B("0 0 "), "x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12 abc \n")]
    [InlineData("12 -3 \n")]
    public void Usage_percpu_rejects_empty_and_garbage(string content)
    {
        using var f = new CgroupFixture();
        var path = f.Write("cpuacct.usage_percpu", content);
        AssertFormatError(() => f.Reader.ReadCpuacctUsagePerCpu(f.Dir), path, 1);
    }

    [Fact]
    public void Stat_is_user_and_system_ticks_by_key()
    {
        using var f = new CgroupFixture();
        f.Write("cpuacct.stat", "system 2760\nuser 12747\n");
        Assert.Equal(new CpuacctStat(12747, 2760), f.Reader.ReadCpuacctStat(f.Dir));
    }

    [Fact]
    public void Stat_missing_system_is_reported_after_the_last_line()
    {
        using var f = new CgroupFixture();
        var path = f.Write("cpuacct.stat", "user 12747\n");
        AssertFormatError(() => f.Reader.ReadCpuacctStat(f.Dir), path, 2);
    }

    [Fact]
    public void Usage_all_has_a_header_and_one_row_per_cpu()
    {
        using var f = new CgroupFixture();
        f.Write("cpuacct.usage_all", "cpu user system\n0 55420249261 13072292888\n1 70671803928 14225700794\n");
        var all = f.Reader.ReadCpuacctUsageAll(f.Dir)!;
        Assert.Equal(
            new[] { new CpuacctCpuTimes(0, 55420249261, 13072292888), new CpuacctCpuTimes(1, 70671803928, 14225700794) },
            all.Cpus);
        Assert.Equal(55420249261UL + 70671803928UL, all.UserNs);
        Assert.Equal(13072292888UL + 14225700794UL, all.SystemNs);
    }

    [Fact]
    public void Usage_all_locates_columns_by_header_name()
    {
        var all = CpuacctUsageAll.Parse(B("cpu system user guest\n3 10 20 99\n"), "x");
        Assert.Equal(new CpuacctCpuTimes(3, 20, 10), Assert.Single(all.Cpus));
    }

    [Fact]
    public void Usage_all_errors_name_the_line()
    {
        using var f = new CgroupFixture();
        var (data, path) = f.File("cpuacct.usage_all", "cpu user system\n0 1 2\n1 3\n");
        AssertFormatError(() => CpuacctUsageAll.Parse(data, path), path, 3);
        (data, path) = f.File("cpuacct.usage_all", "cpu user\n0 1\n");
        AssertFormatError(() => CpuacctUsageAll.Parse(data, path), path, 1);
        (data, path) = f.File("cpuacct.usage_all", "");
        AssertFormatError(() => CpuacctUsageAll.Parse(data, path), path, 1);
        (data, path) = f.File("cpuacct.usage_all", "cpu user system\r\n0 1 2\r\nx 1 2\r\n");
        AssertFormatError(() => CpuacctUsageAll.Parse(data, path), path, 3);
    }
}
