using Ctop.Cli;
using Ctop.Config;

namespace Ctop.Tests.Cli;

/// <summary>top's -u, and the config file's interval standing in for -d.</summary>
public class UserAndConfigOptionTests
{
    private static CliOptions Bind(CtopConfig? config, params string[] args)
    {
        var command = new CtopCommand();
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return command.Bind(result, config);
    }

    private static string[] Errors(params string[] args) =>
        new CtopCommand().Parse(args).Errors.Select(e => e.Message).ToArray();

    [Theory]
    [InlineData("-u")]
    [InlineData("--user")]
    public void User_by_name_matches_the_name_and_the_uid(string flag)
    {
        var users = Bind(null, flag, "root").Batch.Filter.Users;
        Assert.NotNull(users);
        Assert.Contains("root", users);
        Assert.Contains("0", users);
    }

    [Fact]
    public void User_by_uid_matches_the_number_and_its_name()
    {
        var users = Bind(null, "-u", "0").Batch.Filter.Users!;
        Assert.Contains("0", users);
        Assert.Contains("root", users);
        // A uid with no passwd entry still filters: the sampler shows such processes by number.
        Assert.Equal(["4000000"], Bind(null, "-u", "4000000").Batch.Filter.Users!);
    }

    [Fact]
    public void Unknown_user_and_cgroups_only_are_usage_errors()
    {
        Assert.Contains(Errors("-u", "no-such-user-ctop"), e => e.Contains("no such user", StringComparison.Ordinal));
        Assert.Contains(Errors("-u", "root", "--cgroups-only"), e => e.Contains("--user selects processes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_filters_batch_output()
    {
        var frames = System.Reactive.Linq.Observable.Return(Support.Frames.Frame([Support.Frames.Cgroup("/a")],
            [Support.Frames.Process(1, "init", cgroup: "/a", user: "root"), Support.Frames.Process(2, "daemon", cgroup: "/a", user: "5555")]));
        var output = new StringWriter();
        var code = await CtopApp.RunAsync(["-b", "-n", "1", "--json", "-u", "5555"], new AppHost(_ => frames, output, new StringWriter(), true));
        Assert.Equal(0, code);
        Assert.Contains("\"pid\":2", output.ToString());
        Assert.DoesNotContain("\"pid\":1,", output.ToString());
    }

    [Fact]
    public void Config_interval_applies_when_d_is_not_given()
    {
        var config = new CtopConfig { RefreshSeconds = 2.5 };
        Assert.Equal(TimeSpan.FromSeconds(2.5), Bind(config).Sampling.Interval);
        Assert.Equal(TimeSpan.FromSeconds(0.5), Bind(config, "-d", "0.5").Sampling.Interval);
        Assert.Equal(TimeSpan.FromSeconds(1), Bind(null).Sampling.Interval);
    }

    [Fact]
    public async Task App_reads_the_config_only_to_run()
    {
        int loads = 0;
        Ctop.Pipeline.SamplingOptions? sampled = null;
        var frames = System.Reactive.Linq.Observable.Return(Support.Frames.Frame());
        AppHost Host(StringWriter o) => new(s => { sampled = s; return frames; }, o, new StringWriter(), true,
            Config: () => { loads++; return new ConfigFile(null, new CtopConfig { RefreshSeconds = 3 }, null); });

        Assert.Equal(0, await CtopApp.RunAsync(["--help"], Host(new StringWriter())));
        Assert.Equal(0, loads);
        Assert.Equal(0, await CtopApp.RunAsync(["-b", "-n", "1"], Host(new StringWriter())));
        Assert.Equal(1, loads);
        Assert.Equal(TimeSpan.FromSeconds(3), sampled!.Interval);
    }
}
