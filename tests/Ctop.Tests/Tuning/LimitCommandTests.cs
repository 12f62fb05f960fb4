using Ctop.Tuning;
using ProcFs.Tests.Support;
using static Ctop.Tests.Tuning.TuningFixtures;

namespace Ctop.Tests.Tuning;

/// <summary>`ctop limit` on fixture trees: output, exit codes, and that a refusal leaves every file as it was.</summary>
public class LimitCommandTests
{
    private static TempTree V2Box()
    {
        var t = HostFixtures.V2Host();
        t.AddV2Cgroup("/ctop/box");
        return t;
    }

    [Fact]
    public void PrintsBeforeAndAfterPerFile()
    {
        using var t = V2Box();
        var (code, output, error) = RunLimit(["box", "--cpus", "50%", "-m", "64M", "--pids", "20", .. t.Roots()]);
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.Contains("/ctop/box:", output);
        Assert.Contains($"cpu          {t.Path("sys/fs/cgroup/ctop/box/cpu.max")}  max 100000 → 50000 100000", output);
        Assert.Contains($"memory       {t.Path("sys/fs/cgroup/ctop/box/memory.max")}  max → 67108864  (64M)", output);
        Assert.Contains("pids.max  max → 20", output);
        Assert.Equal("50000 100000", t.Read("sys/fs/cgroup/ctop/box/cpu.max"));
    }

    [Fact]
    public void DryRunPrintsWhatWouldBeWrittenAndWritesNothing()
    {
        using var t = V2Box();
        var before = Snapshot(t.Root);
        var (code, output, _) = RunLimit(["/ctop/box", "--cpus", "1.5", "--cpu-weight", "50", "--dry-run", .. t.Roots()]);
        Assert.Equal(0, code);
        Assert.Contains("dry run, nothing written", output);
        Assert.Contains("max 100000 → 150000 100000", output);
        Assert.Contains("cpu.weight  100 → 50", output);
        AssertUnchanged(before, t.Root);
    }

    [Theory]
    [InlineData("--cpus", "lots", "--cpus lots: not a number of CPUs")]
    [InlineData("--cpus", "-1", "must not be negative")]
    [InlineData("--memory", "12x", "not a size unit")]
    [InlineData("--memory", "0", "zero limit")]
    [InlineData("--pids", "many", "not a number of tasks")]
    [InlineData("--cpu-weight", "0", "between 1 and 10000")]
    [InlineData("--cpu-quota", "-7", "must not be negative")]
    [InlineData("--memory-swap", "99999999999999999999999", "too large")]
    public void BadValuesAreUsageErrors(string flag, string value, string message)
    {
        using var t = V2Box();
        var before = Snapshot(t.Root);
        var (code, output, error) = RunLimit(["/ctop/box", flag, value, .. t.Roots()]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Equal("", output);
        AssertUnchanged(before, t.Root);
    }

    [Theory]
    [InlineData("conflicts with --cpu-quota", "/ctop/box", "--cpus", "1", "--cpu-quota", "50000")]
    [InlineData("conflicts with --cpu-quota", "/ctop/box", "--cpus", "1", "--cpu-period", "50000")]
    [InlineData("nothing to change", "/ctop/box")]
    [InlineData("nothing to change", "/ctop/box", "--dry-run")]
    [InlineData("Required argument missing", "--cpus", "1")]
    [InlineData("which cgroup?", "", "--cpus", "1")]
    [InlineData("unexpected '--bogus'", "/ctop/box", "--bogus", "1")]
    [InlineData("unexpected 'extra'", "/ctop/box", "extra", "--cpus", "1")]
    [InlineData("--cpus", "/ctop/box", "--cpus")]
    [InlineData("'..' are not allowed", "/ctop/../..", "--cpus", "1")]
    [InlineData("is a filesystem path", "/sys/fs/cgroup/ctop/box", "--cpus", "1")]
    public void UsageErrorsExitTwoAndChangeNothing(string message, params string[] args)
    {
        using var t = V2Box();
        var before = Snapshot(t.Root);
        var (code, _, error) = RunLimit([.. args, .. t.Roots()]);
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains(message, error);
        AssertUnchanged(before, t.Root);
    }

    [Fact]
    public void ARefusalExitsOneNamingWhatWasRefusedAndWhy()
    {
        using var t = V2Box();
        var before = Snapshot(t.Root);
        var (code, output, error) = RunLimit(["box", "--cpu-quota", "999", "--pids", "10", .. t.Roots()]);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("/ctop/box: refused: cpu.max: 999 100000 refused: the quota must be at least 1000 µs (1 ms)", error);
        Assert.Contains("nothing was changed", error);
        AssertUnchanged(before, t.Root);
    }

    [Theory]
    [InlineData("nosuch", "no cgroup or container named 'nosuch'")]
    [InlineData("/ctop/nosuch", "no cgroup /ctop/nosuch")]
    public void AnUnknownTargetExitsOne(string target, string message)
    {
        using var t = V2Box();
        var (code, _, error) = RunLimit([target, "--cpus", "1", .. t.Roots()]);
        Assert.Equal(1, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void MemoryHighOnAV1HostIsARefusal()
    {
        using var t = HostFixtures.V1Host();
        var before = Snapshot(t.Root);
        var (code, _, error) = RunLimit(["4f1c2a9b", "--cpus", "0.5", "--memory-high", "64m", .. t.Roots()]);
        Assert.Equal(1, code);
        Assert.Contains("memory.high exists only on cgroup v2", error);
        AssertUnchanged(before, t.Root);
    }
}
