using System.CommandLine;
using Ctop.Launcher;

namespace Ctop.Tests.Launcher;

public class LimitArgsTests
{
    [Theory]
    [InlineData("64M", 64L << 20)]
    [InlineData("256m", 256L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("512k", 512L << 10)]
    [InlineData("512KB", 512L << 10)]
    [InlineData("4096", 4096)]
    [InlineData("100b", 100)]
    [InlineData(" 2T ", 2L << 40)]
    public void SizesUseDockersBinaryUnits(string text, long bytes) =>
        Assert.Equal(bytes, LimitArgs.ParseSize("--memory", text, allowMinusOne: false));

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("12x")]
    [InlineData("-5m")]
    [InlineData("1.2.3g")]
    [InlineData("0")]
    [InlineData("-1")]
    public void BadSizesAreRefusedNamingTheFlag(string text)
    {
        var e = Assert.Throws<LimitArgsException>(() => LimitArgs.ParseSize("--memory", text, allowMinusOne: false));
        Assert.StartsWith("--memory ", e.Message);
    }

    [Fact]
    public void MinusOneIsUnlimitedWhereDockerAllowsIt()
    {
        Assert.Equal(-1, LimitArgs.ParseSize("--memory-swap", "-1", allowMinusOne: true));
        var set = LimitArgs.Parse(memory: "64m", memorySwap: "-1", pids: "-1", cpuQuota: "-1");
        Assert.True(set.MemorySwapUnlimited);
        Assert.Null(set.Pids);
        Assert.Null(set.CpuQuotaUsec);
    }

    [Theory]
    [InlineData("0.25", 25_000)]
    [InlineData("0.5", 50_000)]
    [InlineData("1", 100_000)]
    [InlineData("1.5", 150_000)]
    [InlineData("0.001", 100)] // CgroupWriter refuses it later with the kernel's minimum, named
    public void CpusBecomeAQuotaPer100MsPeriod(string cpus, long quota)
    {
        var set = LimitArgs.Parse(cpus: cpus, processorCount: 2);
        Assert.Equal(quota, set.CpuQuotaUsec);
        Assert.Equal(100_000, set.CpuPeriodUsec);
    }

    [Theory]
    [InlineData("0", "must be more than 0")]
    [InlineData("-1", "not a number")]
    [InlineData("abc", "not a number")]
    [InlineData("3", "this machine has 2 CPUs")]
    public void BadCpusAreRefused(string cpus, string why)
    {
        var e = Assert.Throws<LimitArgsException>(() => LimitArgs.Parse(cpus: cpus, processorCount: 2));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void CpusAndQuotaAreAlternatives()
    {
        Assert.Throws<LimitArgsException>(() => LimitArgs.Parse(cpus: "1", cpuQuota: "50000"));
        var set = LimitArgs.Parse(cpuQuota: "50000", cpuPeriod: "200000");
        Assert.Equal(50_000, set.CpuQuotaUsec);
        Assert.Equal(200_000, set.CpuPeriodUsec);
        Assert.Equal(500, LimitArgs.Parse(cpuQuota: "500").CpuQuotaUsec); // the kernel's rule is CgroupWriter's to explain
    }

    [Fact]
    public void MemorySwapIsTheTotalAndNeedsMemory()
    {
        Assert.Contains("needs --memory", Assert.Throws<LimitArgsException>(() => LimitArgs.Parse(memorySwap: "1g")).Message);
        Assert.Contains("at least --memory", Assert.Throws<LimitArgsException>(() => LimitArgs.Parse(memory: "1g", memorySwap: "512m")).Message);
        Assert.Equal(2L << 30, LimitArgs.Parse(memory: "1g", memorySwap: "2g").MemorySwapBytes);
    }

    [Fact]
    public void DescribeIsShortAndReadable()
    {
        Assert.Equal("cpus 0.25 (25000/100000 µs), memory 64M, pids 20",
            LimitArgs.Parse(cpus: "0.25", memory: "64M", pids: "20", processorCount: 2).Describe());
        Assert.Equal("no limits", new LimitSet().Describe());
    }

    [Fact]
    public void NamespaceListsMapToCloneFlags()
    {
        Assert.Equal("pid,mnt,uts,ipc", Namespaces.Format(Namespaces.Parse(Namespaces.DefaultList)));
        Assert.Equal("mnt,net,cgroup", Namespaces.Format(Namespaces.Parse("cgroup, net,mount")));
        Assert.Equal(0, Namespaces.Parse("none"));
        Assert.Contains("unknown namespace 'user'", Assert.Throws<LimitArgsException>(() => Namespaces.Parse("pid,user")).Message);
    }

    [Fact]
    public void GeneratedNamesAreShortHexAndNeverTestNames()
    {
        for (int i = 0; i < 200; i++)
        {
            var name = ContainerName.Generate();
            Assert.Matches("^ctop-[0-9a-f]{6}$", name);
            Assert.Null(ContainerName.Validate(name));
        }
        Assert.NotNull(ContainerName.Validate("a/b"));
        Assert.NotNull(ContainerName.Validate(".."));
        Assert.NotNull(ContainerName.Validate("-x"));
        Assert.NotNull(ContainerName.ValidateParent("/"));
        Assert.NotNull(ContainerName.ValidateParent("a/../b"));
        Assert.Null(ContainerName.ValidateParent("batch/ctop"));
        Assert.Equal("/batch/ctop", ContainerName.ParentPath("batch/ctop/"));
    }

    [Fact]
    public void CommandsParseDockerStyleFlagsAndTheCommandAfterDashes()
    {
        var root = new RootCommand();
        foreach (var c in LauncherCommands.Create()) root.Subcommands.Add(c);

        var run = root.Parse(["run", "--name", "web", "--cpus", "0.5", "-m", "64M", "--ns", "pid,mnt,net", "--keep", "--", "sh", "-c", "echo --cpus 2"]);
        Assert.Empty(run.Errors);
        Assert.Equal(["sh", "-c", "echo --cpus 2"], run.GetValue<string[]>("command")!);
        Assert.Equal("0.5", run.GetValue<string>("--cpus"));
        Assert.True(run.GetValue<bool>("--keep"));

        var exec = root.Parse(["exec", "123", "--", "ls", "-l"]);
        Assert.Empty(exec.Errors);
        Assert.Equal(123, exec.GetValue<int>("pid"));
        Assert.Equal(["ls", "-l"], exec.GetValue<string[]>("command")!);

        var attach = root.Parse(["attach", "42", "--pids", "10"]);
        Assert.Empty(attach.Errors);
        Assert.Equal("10", attach.GetValue<string>("--pids"));

        Assert.NotEmpty(root.Parse(["run"]).Errors); // a command is required
    }
}
