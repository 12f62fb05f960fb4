using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text.Json;
using Ctop.Cli;
using Ctop.Model;
using Ctop.Pipeline;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Cli;

public class CtopAppTests
{
    private sealed class Host
    {
        public readonly StringWriter Out = new();
        public readonly StringWriter Error = new();
        public SamplingOptions? Sampled;

        public AppHost Create(IObservable<Frame> frames, bool redirected = true) =>
            new(o => { Sampled = o; return frames; }, Out, Error, redirected);
    }

    private static IObservable<Frame> Endless() =>
        Observable.Interval(TimeSpan.FromMilliseconds(1)).Select(i => Frame([Cgroup("/a")], [Process(1)], time: Time.AddSeconds(i)));

    [Fact]
    public async Task Runs_batch_and_stops_after_n()
    {
        var host = new Host();
        var code = await CtopApp.RunAsync(["-b", "-n", "3", "-d", "0.5"], host.Create(Endless()));
        Assert.Equal(0, code);
        Assert.Equal(3, host.Out.ToString().Split('\n').Count(l => l.StartsWith("ctop - ", StringComparison.Ordinal)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), host.Sampled!.Interval);
        // The tables print CPU, memory and pids of a cgroup: the sampler reads no weights, OOM kills, io or PSI for them.
        Assert.Equal(ProcFs.Cgroups.CgroupParts.Cpu | ProcFs.Cgroups.CgroupParts.Memory | ProcFs.Cgroups.CgroupParts.Pids, host.Sampled.CgroupParts);
        Assert.Equal("", host.Error.ToString());
    }

    [Fact]
    public async Task Json_lines()
    {
        var host = new Host();
        Assert.Equal(0, await CtopApp.RunAsync(["--json", "-n", "2"], host.Create(Endless())));
        var lines = host.Out.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        foreach (var l in lines) JsonDocument.Parse(l).Dispose();
        Assert.Equal(ProcFs.Cgroups.CgroupParts.All, host.Sampled!.CgroupParts); // JSON has every figure
    }

    [Theory]
    [InlineData("-d", "0")]
    [InlineData("-d", "-1")]
    [InlineData("-d", "abc")]
    [InlineData("--cgroups-only", "--processes-only")]
    [InlineData("--bogus")]
    public async Task Usage_errors_exit_2_with_a_message_and_sample_nothing(params string[] args)
    {
        var host = new Host();
        Assert.Equal(2, await CtopApp.RunAsync(args, host.Create(Endless())));
        Assert.StartsWith("ctop: ", host.Error.ToString());
        Assert.Contains("--help", host.Error.ToString());
        Assert.Equal("", host.Out.ToString());
        Assert.Null(host.Sampled);
    }

    [Fact]
    public async Task Runtime_errors_exit_1()
    {
        var host = new Host();
        var code = await CtopApp.RunAsync(["-b"], host.Create(Observable.Throw<Frame>(new IOException("no cgroup filesystem"))));
        Assert.Equal(1, code);
        Assert.Contains("no cgroup filesystem", host.Error.ToString());
    }

    [Fact]
    public async Task A_source_that_throws_while_being_created_is_a_runtime_error()
    {
        var host = new Host();
        var app = new AppHost(_ => throw new InvalidOperationException("no /proc"), host.Out, host.Error, true);
        Assert.Equal(1, await CtopApp.RunAsync(["-b"], app));
        Assert.Contains("no /proc", host.Error.ToString());
    }

    [Fact]
    public async Task Version_and_help_print_to_stdout_and_exit_0()
    {
        var host = new Host();
        Assert.Equal(0, await CtopApp.RunAsync(["--version"], host.Create(Endless())));
        Assert.Matches(@"^\d+\.\d+", host.Out.ToString());

        host = new Host();
        Assert.Equal(0, await CtopApp.RunAsync(["--help"], host.Create(Endless())));
        Assert.Contains("--iterations", host.Out.ToString());
        Assert.Null(host.Sampled);
    }

    [Fact]
    public async Task On_a_terminal_without_b_opens_the_dashboard()
    {
        var host = new Host();
        SamplingOptions? dashboardOptions = null;
        var app = host.Create(Endless(), redirected: false) with { Dashboard = (o, _) => { dashboardOptions = o.Sampling; return 0; } };
        Assert.Equal(0, await CtopApp.RunAsync(["-d", "2"], app));
        Assert.Equal(TimeSpan.FromSeconds(2), dashboardOptions!.Interval);
        Assert.Equal("", host.Out.ToString());
    }

    [Fact]
    public async Task The_dashboard_gets_the_selection_of_p_u_and_cgroup()
    {
        var host = new Host();
        Ctop.Output.FrameFilter? filter = null;
        var app = host.Create(Endless(), redirected: false) with { Dashboard = (o, _) => { filter = o.Batch.Filter; return 0; } };
        Assert.Equal(0, await CtopApp.RunAsync(["-p", "1,2", "-u", "root", "--cgroup", "docker"], app));
        Assert.Equal([1, 2], filter!.Pids!.Order());
        Assert.Contains("root", filter.Users!);
        Assert.Equal("/docker", filter.CgroupPrefix);
    }

    [Fact]
    public async Task With_b_on_a_terminal_prints_batch_output()
    {
        var host = new Host();
        var app = host.Create(Endless(), redirected: false) with { Dashboard = (_, _) => throw new InvalidOperationException("no dashboard with -b") };
        Assert.Equal(0, await CtopApp.RunAsync(["-b", "-n", "1"], app));
        Assert.StartsWith("ctop - ", host.Out.ToString());
    }

    [Fact]
    public async Task Ctrl_c_exits_0()
    {
        var host = new Host();
        var subject = new Subject<Frame>();
        using var cts = new CancellationTokenSource();
        var run = CtopApp.RunAsync(["-b"], host.Create(subject), cts.Token);
        subject.OnNext(Frame());
        cts.Cancel();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Filters_reach_the_output()
    {
        var host = new Host();
        var frame = Frame([Cgroup("/docker/a"), Cgroup("/user.slice")], [Process(10, cgroup: "/docker/a"), Process(20, cgroup: "/user.slice")]);
        Assert.Equal(0, await CtopApp.RunAsync(["--json", "-n", "1", "-p", "20"], host.Create(Observable.Return(frame))));
        using var doc = JsonDocument.Parse(host.Out.ToString());
        Assert.Equal(20, doc.RootElement.GetProperty("processes")[0].GetProperty("pid").GetInt32());
        Assert.Equal("/user.slice", doc.RootElement.GetProperty("cgroups")[0].GetProperty("path").GetString());
    }
}
