using System.Reactive.Linq;
using Ctop.Model;
using ProcFs.Parsing;

namespace Ctop.Output;

/// <summary>
/// top -b: writes each frame as it arrives until -n frames, the end of the stream, Ctrl-C (the token), or a
/// closed output (ctop -b | head). Takes the stream and the writers as parameters so tests drive it with
/// hand-built frames.
/// </summary>
public static class BatchRunner
{
    public const int Success = 0;
    public const int RuntimeError = 1;

    public static async Task<int> RunAsync(
        IObservable<Frame> frames, BatchOptions options, TextWriter output, TextWriter error,
        CancellationToken cancellation = default)
    {
        IFrameWriter writer = options.Json
            ? new JsonFrameWriter(output)
            : new TextFrameWriter(output, options.Filter.ShowsCgroups, options.Filter.ShowsProcesses);

        var gate = new object();
        bool stopped = false;
        bool outputClosed = false;

        // Returns false once the output is gone, which ends the stream (and with it the sampling).
        bool WriteFrame(Frame frame)
        {
            lock (gate)
            {
                if (stopped) return false;
                try
                {
                    writer.Write(options.Filter.Apply(frame));
                    output.Flush(); // a frame is complete when written: pipes and tail -f see it now
                    return true;
                }
                catch (IOException)
                {
                    // EPIPE: the reader went away. Like top | head, that is a normal way to finish.
                    outputClosed = true;
                    return false;
                }
            }
        }

        // -n before the writing: a source that pushes synchronously (a recording) would otherwise be written whole.
        var wanted = options.Iterations is { } n ? frames.Take(n) : frames;
        var written = wanted.Select(WriteFrame).TakeWhile(open => open);

        var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellation.Register(() => done.TrySetResult(null)))
        using (written.Subscribe(_ => { }, ex => done.TrySetResult(ex), () => done.TrySetResult(null)))
        {
            var failure = await done.Task.ConfigureAwait(false);
            // Wait out a frame being written on the sampler's thread, so Ctrl-C never leaves half a frame.
            lock (gate) stopped = true;
            if (failure is null || outputClosed) return Success;
            Report(error, failure);
            return RuntimeError;
        }
    }

    private static void Report(TextWriter error, Exception ex)
    {
        try
        {
            error.WriteLine("ctop: " + Printable.Escape(ex.Message));
            error.Flush();
        }
        catch (IOException)
        {
            // Nowhere left to say it; the exit code still does.
        }
    }
}
