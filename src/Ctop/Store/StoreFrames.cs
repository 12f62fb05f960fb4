using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Ctop.Model;

namespace Ctop.Store;

/// <summary>A recorded stretch to print: `ctop -b --from DIR [--begin TIME] [--end TIME]`.</summary>
public sealed record RecordedRange(string Directory, DateTimeOffset? Begin, DateTimeOffset? End);

public static class StoreFrames
{
    /// <summary>
    /// The recorded frames of the range, in recorded order, read on a background thread; the stream ends after the last.
    /// Problems in the files (corrupt records) are reported, once each, and skipped. A missing store is an error.
    /// </summary>
    public static IObservable<Frame> Observe(RecordedRange range, Action<string> report) =>
        Observable.Defer(() =>
        {
            if (StoreFormat.ListShards(range.Directory).Count == 0)
                return Observable.Throw<Frame>(new IOException($"no recording in '{range.Directory}' (ctop record --dir {range.Directory} makes one)"));
            var reader = new StoreReader(range.Directory, report);
            return reader.Frames(range.Begin, range.End).ToObservable(NewThreadScheduler.Default);
        });
}

public static class StoreWindow
{
    /// <summary>
    /// One frame over the recorded window that ends at <paramref name="at"/> (the first sample at or after it; the newest
    /// when null) and begins <paramref name="window"/> earlier, within the same recording run: what a live
    /// `ctop diagnose -d WINDOW` would have seen then. Null when the store has no such pair.
    /// </summary>
    public static Frame? FrameOver(StoreReader reader, DateTimeOffset? at, TimeSpan window)
    {
        var end = at is { } t ? reader.Seek(t) : reader.Last();
        if (end is not { } e || reader.Sample(e) is not { } cur) return null;
        var startTime = reader.RecordTime(e) - window;
        RecordedSample? prev = null;
        // Walk back to the window's start; a run start (or a corrupt record) ends the walk: no pair spans two runs.
        var p = e;
        var sample = cur;
        while (!sample.RunStart && reader.Previous(p) is { } before && reader.Sample(before) is { } s)
        {
            prev = s;
            p = before;
            sample = s;
            if (reader.RecordTime(before) <= startTime) break;
        }
        return prev is null ? null : StoreReader.Build(prev, reader.Sample(e) ?? cur);
    }
}
