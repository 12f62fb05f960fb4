using CsCheck;
using Ctop.Tuning;

namespace Ctop.Tests.Tuning;

public class TuningValuesTests
{
    [Theory]
    [InlineData("0.5", 50_000)]
    [InlineData("1", 100_000)]
    [InlineData("1.5", 150_000)]
    [InlineData(".25", 25_000)]
    [InlineData(" 2 ", 200_000)]
    [InlineData("0.000015", 2)] // rounded to the µs; the writer then refuses it as below 1 ms
    [InlineData("50%", 50_000)]
    [InlineData("150%", 150_000)]
    [InlineData("20 %", 20_000)]
    [InlineData("0.5%", 500)]
    public void CpusAreCoresOrAPercentageOfOneCpu(string text, long quota) =>
        Assert.Equal(quota, TuningValues.ParseCpus(text));

    [Theory]
    [InlineData("max")]
    [InlineData("MAX")]
    public void CpusMaxIsUnlimited(string text) => Assert.Null(TuningValues.ParseCpus(text));

    [Theory]
    [InlineData("", "not a number of CPUs")]
    [InlineData("half", "not a number of CPUs")]
    [InlineData("0,5", "not a number of CPUs")]
    [InlineData("1e3", "not a number of CPUs")]
    [InlineData("1.2.3", "not a number of CPUs")]
    [InlineData("%", "not a percentage")]
    [InlineData("-1", "must not be negative")]
    [InlineData("-50%", "must not be negative")]
    [InlineData("0", "zero CPUs")]
    [InlineData("0%", "zero CPUs")]
    [InlineData("99999999999999999999999999999999", "too large")]
    [InlineData("999999999999999999", "too large")]
    public void BadCpusAreUsageErrorsNamingTheFlagAndTheRule(string text, string rule)
    {
        var ex = Assert.Throws<TuningUsageException>(() => TuningValues.ParseCpus(text));
        Assert.StartsWith("--cpus " + text, ex.Message);
        Assert.Contains(rule, ex.Message);
    }

    [Theory]
    [InlineData("256m", 268_435_456L)]
    [InlineData("256M", 268_435_456L)]
    [InlineData("256MB", 268_435_456L)]
    [InlineData("256MiB", 268_435_456L)]
    [InlineData("256mi", 268_435_456L)]
    [InlineData("256 m", 268_435_456L)]
    [InlineData("1G", 1_073_741_824L)]
    [InlineData("1g", 1_073_741_824L)]
    [InlineData("1.5G", 1_610_612_736L)]
    [InlineData("512k", 524_288L)]
    [InlineData("512K", 524_288L)]
    [InlineData("2t", 2_199_023_255_552L)]
    [InlineData("1p", 1_125_899_906_842_624L)]
    [InlineData("4096", 4096L)]
    [InlineData("4096b", 4096L)]
    [InlineData("1.0001k", 1024L)] // fractions of a byte are dropped
    public void SizesAre1024BasedLikeDocker(string text, long bytes) =>
        Assert.Equal(bytes, TuningValues.ParseSize(text));

    [Fact]
    public void SizeMaxIsUnlimitedAndMinusOneOnlyWhereDockerUsesIt()
    {
        Assert.Null(TuningValues.ParseSize("max"));
        Assert.Null(TuningValues.ParseSize("-1", "--memory-swap", minusOneIsMax: true));
        Assert.Contains("must not be negative", Assert.Throws<TuningUsageException>(() => TuningValues.ParseSize("-1")).Message);
    }

    [Theory]
    [InlineData("lots", "not a size")]
    [InlineData("", "not a size")]
    [InlineData("m", "not a size")]
    [InlineData("12x", "'x' is not a size unit")]
    [InlineData("12mbb", "not a size unit")]
    [InlineData("1e6", "not a size unit")]
    [InlineData("-5m", "must not be negative")]
    [InlineData("+5m", "not a size")]
    [InlineData("1.5", "a byte count must be whole")]
    [InlineData("0", "zero limit")]
    [InlineData("0m", "zero limit")]
    [InlineData("0.0001k", "zero limit")]
    [InlineData("8e", "not a size unit")]
    [InlineData("9000p", "too large")]
    [InlineData("9223372036854775808", "too large")]
    [InlineData("99999999999999999999999999999999999", "too large")]
    public void BadSizesAreUsageErrors(string text, string rule)
    {
        var ex = Assert.Throws<TuningUsageException>(() => TuningValues.ParseSize(text, "--memory"));
        Assert.StartsWith("--memory " + text, ex.Message);
        Assert.Contains(rule, ex.Message);
    }

    [Fact]
    public void PidsQuotaPeriodAndWeight()
    {
        Assert.Equal(20, TuningValues.ParsePids("20"));
        Assert.Null(TuningValues.ParsePids("max"));
        Assert.Null(TuningValues.ParsePids("-1"));
        Assert.Contains("every fork fail", Assert.Throws<TuningUsageException>(() => TuningValues.ParsePids("0")).Message);
        Assert.Contains("must not be negative", Assert.Throws<TuningUsageException>(() => TuningValues.ParsePids("-2")).Message);
        Assert.Contains("not a number of tasks", Assert.Throws<TuningUsageException>(() => TuningValues.ParsePids("20.5")).Message);
        Assert.Contains("too large", Assert.Throws<TuningUsageException>(() => TuningValues.ParsePids("99999999999999999999")).Message);

        Assert.Equal(50_000, TuningValues.ParseQuotaUsec("50000"));
        Assert.Null(TuningValues.ParseQuotaUsec("-1"));
        Assert.Null(TuningValues.ParseQuotaUsec("max"));
        Assert.Contains("must not be negative", Assert.Throws<TuningUsageException>(() => TuningValues.ParseQuotaUsec("-5")).Message);
        Assert.Contains("zero quota", Assert.Throws<TuningUsageException>(() => TuningValues.ParseQuotaUsec("0")).Message);
        Assert.Equal(250_000, TuningValues.ParsePeriodUsec("250000"));
        Assert.DoesNotContain("max", Assert.Throws<TuningUsageException>(() => TuningValues.ParsePeriodUsec("-1")).Message);

        Assert.Equal(1, TuningValues.ParseWeight("1"));
        Assert.Equal(10_000, TuningValues.ParseWeight("10000"));
        Assert.Contains("between 1 and 10000", Assert.Throws<TuningUsageException>(() => TuningValues.ParseWeight("0")).Message);
        Assert.Contains("between 1 and 10000", Assert.Throws<TuningUsageException>(() => TuningValues.ParseWeight("10001")).Message);
        Assert.Contains("not a weight", Assert.Throws<TuningUsageException>(() => TuningValues.ParseWeight("heavy")).Message);
    }

    [Theory]
    [InlineData(268_435_456L, "256M")]
    [InlineData(1_610_612_736L, "1536M")]
    [InlineData(1_073_741_824L, "1G")]
    [InlineData(4097L, "4097")]
    [InlineData(0L, "0")]
    public void FormatSizeIsExact(long bytes, string text) => Assert.Equal(text, TuningValues.FormatSize(bytes));

    [Fact]
    public void HumanSizeAndCores()
    {
        Assert.Equal("1.5G", Ctop.Model.Units.Bytes(1_610_612_736));
        Assert.Equal("64M", Ctop.Model.Units.Bytes(67_108_864));
        Assert.Equal("100B", Ctop.Model.Units.Bytes(100));
        Assert.Equal("0.5", TuningValues.FormatCores(50_000, 100_000));
        Assert.Equal("1.25", TuningValues.FormatCores(125_000, 100_000));
    }

    // ---------------------------------------------------------------- properties

    [Fact]
    public void FormattedSizesParseBackExactly() =>
        Gen.Long[1, long.MaxValue].Sample(b => TuningValues.ParseSize(TuningValues.FormatSize(b)) == b);

    [Fact]
    public void SizesWithUnitsScaleBy1024InAnyCase()
    {
        var units = Gen.OneOf(("k", 1), ("K", 1), ("m", 2), ("M", 2), ("g", 3), ("G", 3), ("t", 4), ("T", 4), ("MiB", 2), ("gb", 3));
        Gen.Select(Gen.Long[1, 1_000_000], units).Sample((n, u) =>
        {
            long mul = 1;
            for (int i = 0; i < u.Item2; i++) mul *= 1024;
            return TuningValues.ParseSize($"{n}{u.Item1}") == n * mul;
        });
    }

    [Fact]
    public void FractionalSizesRoundDownAndNeverExceedTheExactValue() =>
        Gen.Select(Gen.Int[0, 4095], Gen.Int[1, 9999]).Sample((whole, frac) =>
        {
            long got = TuningValues.ParseSize($"{whole}.{frac:D4}m")!.Value;
            decimal exact = (whole + frac / 10000m) * 1024 * 1024;
            return got <= exact && exact - got < 1;
        });

    [Fact]
    public void CoresFormattedFromAQuotaParseBackToTheSameQuota() =>
        Gen.Long[1000, 100_000_000].Sample(q => TuningValues.ParseCpus(TuningValues.FormatCores(q, TuningValues.DefaultPeriodUsec)) == q);

    [Fact]
    public void GarbageNeverParsesAsASizeOrCpus() =>
        Gen.String[Gen.Char["xyzqwXYZ!@#$ ,;"], 1, 8].Sample(s =>
        {
            bool size = Throws(() => TuningValues.ParseSize(s));
            bool cpus = Throws(() => TuningValues.ParseCpus(s));
            return size && cpus;
        });

    private static bool Throws(Action a)
    {
        try { a(); return false; }
        catch (TuningUsageException) { return true; }
    }
}
