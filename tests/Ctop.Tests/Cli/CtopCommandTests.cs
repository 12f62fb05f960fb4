using Ctop.Cli;

namespace Ctop.Tests.Cli;

public class CtopCommandTests
{
    private static CliOptions Bind(params string[] args)
    {
        var command = new CtopCommand();
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return command.Bind(result);
    }

    private static string[] Errors(params string[] args) =>
        new CtopCommand().Parse(args).Errors.Select(e => e.Message).ToArray();

    [Fact]
    public void Defaults()
    {
        var o = Bind();
        Assert.False(o.BatchFlag);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Sampling.Interval);
        Assert.Equal("/proc", o.Sampling.ProcRoot);
        Assert.Null(o.Sampling.CgroupRoot);
        Assert.True(o.Sampling.Processes);
        Assert.True(o.Sampling.Cgroups);
        Assert.Null(o.Batch.Iterations);
        Assert.False(o.Batch.Json);
        Assert.Equal(Ctop.Output.FrameFilter.None, o.Batch.Filter);
    }

    [Fact]
    public void Top_style_short_options()
    {
        var o = Bind("-b", "-n", "3", "-d", "0.5");
        Assert.True(o.BatchFlag);
        Assert.Equal(3, o.Batch.Iterations);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Sampling.Interval);
    }

    [Fact]
    public void Long_options()
    {
        var dir = Directory.CreateTempSubdirectory("ctop-cli-").FullName;
        try
        {
            var o = Bind("--batch", "--iterations", "1", "--delay", "2", "--json", "--cgroup", "docker",
                "--proc-root", dir, "--cgroup-root", dir);
            Assert.True(o.BatchFlag);
            Assert.True(o.Batch.Json);
            Assert.Equal(1, o.Batch.Iterations);
            Assert.Equal(TimeSpan.FromSeconds(2), o.Sampling.Interval);
            Assert.Equal("/docker", o.Batch.Filter.CgroupPrefix);
            Assert.Equal(dir, o.Sampling.ProcRoot);
            Assert.Equal(dir, o.Sampling.CgroupRoot);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Pids_are_comma_separated_and_may_repeat()
    {
        Assert.Equal([1, 2], Bind("-p", "1,2").Batch.Filter.Pids!.Order());
        Assert.Equal([1, 2, 3], Bind("-p", "1,2", "--pid", "3").Batch.Filter.Pids!.Order());
        Assert.Equal([7], Bind("-p7").Batch.Filter.Pids!.Order());
    }

    [Theory]
    [InlineData("x")]
    [InlineData("1,,2")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1;2")]
    public void Bad_pids_are_usage_errors(string pids) =>
        Assert.Contains(Errors("-p", pids), e => e.Contains("--pid", StringComparison.Ordinal));

    [Fact]
    public void Cgroups_only_and_processes_only_map_to_sampling_and_filter()
    {
        var c = Bind("--cgroups-only");
        Assert.False(c.Sampling.Processes);
        Assert.True(c.Sampling.Cgroups);
        Assert.True(c.Batch.Filter.CgroupsOnly);

        var p = Bind("--processes-only");
        Assert.True(p.Sampling.Processes);
        Assert.False(p.Sampling.Cgroups);
        Assert.True(p.Batch.Filter.ProcessesOnly);
    }

    [Fact]
    public void Cgroups_only_and_processes_only_exclude_each_other() =>
        Assert.Contains(Errors("--cgroups-only", "--processes-only"), e => e.Contains("cannot be used together", StringComparison.Ordinal));

    [Fact]
    public void Pids_with_cgroups_only_is_refused() =>
        Assert.NotEmpty(Errors("--cgroups-only", "-p", "1"));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e9")]
    [InlineData("")]
    public void Bad_delays_are_usage_errors(string delay) =>
        Assert.Contains(Errors("-d", delay), e => e.Contains("--delay", StringComparison.Ordinal));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void Bad_iteration_counts_are_usage_errors(string n) =>
        Assert.Contains(Errors("-n", n), e => e.Contains("--iterations", StringComparison.Ordinal));

    [Fact]
    public void Missing_directories_and_unknown_options_are_usage_errors()
    {
        Assert.NotEmpty(Errors("--proc-root", "/nonexistent-ctop-dir"));
        Assert.NotEmpty(Errors("--cgroup-root", "/nonexistent-ctop-dir"));
        Assert.NotEmpty(Errors("--cgroup", ""));
        Assert.NotEmpty(Errors("--frobnicate"));
        Assert.NotEmpty(Errors("extra-argument"));
    }

    [Theory]
    [InlineData(true, true, RunMode.Batch)]
    [InlineData(true, false, RunMode.Batch)]
    [InlineData(false, true, RunMode.Batch)]
    [InlineData(false, false, RunMode.Dashboard)]
    public void Batch_when_asked_or_when_output_is_not_a_terminal(bool flag, bool redirected, RunMode expected) =>
        Assert.Equal(expected, RunModes.Choose(flag, redirected));
}
