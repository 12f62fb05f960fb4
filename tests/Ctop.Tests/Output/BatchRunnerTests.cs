using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text.Json;
using Ctop.Model;
using Ctop.Output;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Output;

public class BatchRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Frame At(int second) => Frame([Cgroup("/a")], [Process(1)], time: Time.AddSeconds(second));

    private static int HeaderCount(string text) =>
        text.Split('\n').Count(l => l.StartsWith("ctop - ", StringComparison.Ordinal));

    [Fact]
    public async Task Stops_after_n_frames_and_unsubscribes()
    {
        var subject = new Subject<Frame>();
        var output = new StringWriter();
        var run = BatchRunner.RunAsync(subject, new BatchOptions { Iterations = 2 }, output, new StringWriter());

        subject.OnNext(At(0));
        subject.OnNext(At(1));
        Assert.Equal(0, await run.WaitAsync(Timeout));
        Assert.False(subject.HasObservers); // the sampling stops too
        subject.OnNext(At(2));
        Assert.Equal(2, HeaderCount(output.ToString()));
    }

    [Fact]
    public async Task Stops_after_n_frames_on_a_virtual_clock()
    {
        // HistoricalScheduler (in System.Reactive itself): Microsoft.Reactive.Testing 3.1.1, the only version
        // served, cannot load next to System.Reactive 7 (it wants the Rx 3 System.Reactive.Interfaces assembly).
        var scheduler = new HistoricalScheduler();
        var frames = Observable.Interval(TimeSpan.FromSeconds(1), scheduler).Select(i => At((int)i));
        var output = new StringWriter();
        var run = BatchRunner.RunAsync(frames, new BatchOptions { Iterations = 3 }, output, new StringWriter());

        scheduler.AdvanceBy(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await run.WaitAsync(Timeout));
        Assert.Equal(3, HeaderCount(output.ToString()));
        Assert.Contains("10:00:03", output.ToString());
        Assert.DoesNotContain("10:00:04", output.ToString());
    }

    [Fact]
    public async Task Without_n_runs_until_the_stream_ends()
    {
        var output = new StringWriter();
        var code = await BatchRunner.RunAsync(new[] { At(0), At(1), At(2) }.ToObservable(), new BatchOptions(), output, new StringWriter());
        Assert.Equal(0, code);
        Assert.Equal(3, HeaderCount(output.ToString()));
    }

    [Fact]
    public async Task Cancellation_is_a_clean_exit()
    {
        var subject = new Subject<Frame>();
        using var cts = new CancellationTokenSource();
        var output = new StringWriter();
        var run = BatchRunner.RunAsync(subject, new BatchOptions(), output, new StringWriter(), cts.Token);
        subject.OnNext(At(0));
        cts.Cancel();
        Assert.Equal(0, await run.WaitAsync(Timeout));
        Assert.False(subject.HasObservers);
        Assert.Equal(1, HeaderCount(output.ToString()));
    }

    [Fact]
    public async Task A_closed_output_is_a_quiet_clean_exit()
    {
        var subject = new Subject<Frame>();
        var output = new ClosingWriter(failAfter: 1);
        var error = new StringWriter();
        var run = BatchRunner.RunAsync(subject, new BatchOptions(), output, error);
        subject.OnNext(At(0));
        subject.OnNext(At(1)); // the reader has gone: EPIPE
        Assert.Equal(0, await run.WaitAsync(Timeout));
        Assert.False(subject.HasObservers);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task A_failing_source_is_a_runtime_error_with_a_message()
    {
        var error = new StringWriter();
        var code = await BatchRunner.RunAsync(
            Observable.Throw<Frame>(new UnauthorizedAccessException("cannot read /proc/1/stat\u001b[2J")),
            new BatchOptions(), new StringWriter(), error);
        Assert.Equal(1, code);
        Assert.Equal("ctop: cannot read /proc/1/stat\\x1b[2J", error.ToString().TrimEnd());
    }

    [Fact]
    public async Task Filters_and_json_are_applied()
    {
        var output = new StringWriter();
        var frame = Frame([Cgroup("/docker/a"), Cgroup("/user.slice")], [Process(1, cgroup: "/docker/a"), Process(2, cgroup: "/user.slice")]);
        var options = new BatchOptions { Json = true, Iterations = 1, Filter = new FrameFilter { CgroupPrefix = "/docker" } };
        Assert.Equal(0, await BatchRunner.RunAsync(Observable.Return(frame), options, output, new StringWriter()));

        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(1, doc.RootElement.GetProperty("cgroups").GetArrayLength());
        Assert.Equal(1, doc.RootElement.GetProperty("processes")[0].GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task Each_frame_is_flushed_as_it_is_written()
    {
        var subject = new Subject<Frame>();
        var output = new CountingWriter();
        var run = BatchRunner.RunAsync(subject, new BatchOptions { Iterations = 2 }, output, new StringWriter());
        subject.OnNext(At(0));
        Assert.Equal(1, output.Flushes);
        subject.OnNext(At(1));
        await run.WaitAsync(Timeout);
        Assert.Equal(2, output.Flushes);
    }

    /// <summary>Behaves like stdout on a pipe whose reader exited.</summary>
    private sealed class ClosingWriter(int failAfter) : StringWriter
    {
        private int _writes;

        public override void Write(string? value)
        {
            if (++_writes > failAfter) throw new IOException("Broken pipe");
            base.Write(value);
        }

        // The text writer hands over a frame as a StringBuilder's chunks.
        public override void Write(System.Text.StringBuilder? value)
        {
            if (++_writes > failAfter) throw new IOException("Broken pipe");
            base.Write(value);
        }
    }

    private sealed class CountingWriter : StringWriter
    {
        public int Flushes { get; private set; }
        public override void Flush() => Flushes++;
    }
}
