using Ctop.Model;

namespace Ctop.Store;

/// <summary>
/// Where replay is in a store, and the moves its keys make: a sample at a time, by a stretch of time, to a time, to
/// the end. Only positions that have a frame (not a run's first sample, not one next to a corrupt record) are stopped
/// at. Not thread-safe: replay drives it from one background thread.
/// </summary>
public sealed class ReplayCursor(StoreReader reader)
{
    public StorePosition? Position { get; private set; }
    public Frame? Frame { get; private set; }

    // The frames built lately, by position: a step back rebuilds the sparklines' minute from them instead of decoding
    // and building it again (a record never changes once written, so an entry never goes stale).
    private const int FrameCacheSize = 2 * 64;
    private readonly RecentCache<StorePosition, Frame?> _built = new(FrameCacheSize);

    private Frame? FrameAt(StorePosition p)
    {
        if (_built.TryGet(p, out var f)) return f;
        f = reader.Frame(p);
        _built.Add(p, f);
        return f;
    }

    private Frame? Set(StorePosition p, Frame f)
    {
        Position = p;
        Frame = f;
        return f;
    }

    /// <summary>The first frame at or after the time; the nearest earlier one when there is none after it.</summary>
    public Frame? GoTo(DateTimeOffset time)
    {
        if (reader.Seek(time) is not { } p) return null;
        if (reader.RecordTime(p) >= time || reader.Next(p) is null)
        {
            for (StorePosition? q = p; q is { } at; q = reader.Next(at))
                if (FrameAt(at) is { } f) return Set(at, f);
        }
        for (StorePosition? q = p; q is { } at; q = reader.Previous(at))
            if (FrameAt(at) is { } f) return Set(at, f);
        return null;
    }

    /// <summary>The newest frame, after looking for records written since (the store may be being recorded).</summary>
    public Frame? GoToEnd()
    {
        reader.Refresh();
        for (var q = reader.Last(); q is { } at; q = reader.Previous(at))
            if (FrameAt(at) is { } f) return Set(at, f);
        return null;
    }

    /// <summary>Moves <paramref name="samples"/> frames on (negative: back); stops at either end. Null when it could not move.</summary>
    public Frame? Step(int samples)
    {
        if (Position is not { } p) return GoToEnd();
        Frame? found = null;
        StorePosition at = p;
        for (int moved = 0; moved < Math.Abs(samples);)
        {
            var next = samples > 0 ? reader.Next(at) : reader.Previous(at);
            if (next is null && samples > 0 && reader.Refresh()) next = reader.Next(at);
            if (next is not { } n) break;
            at = n;
            if (FrameAt(at) is { } f) { found = f; moved++; }
        }
        return found is null ? null : Set(at, found);
    }

    /// <summary>Moves by wall-clock time from the current frame (a minute, an hour).</summary>
    public Frame? Jump(TimeSpan by) => Frame is { } f ? GoTo(f.Time + by) : GoToEnd();

    /// <summary>
    /// The oldest sample the minute starting at <paramref name="start"/> reads is the one before it; stepping back moves it
    /// back one a step, and the step that moves it into the chunk before would decode that whole chunk (up to 60
    /// records). So each call decodes a share of that chunk, spread over the steps left before it is reached.
    /// </summary>
    private void DecodeAhead(StorePosition start)
    {
        if (reader.Previous(start) is not { } oldest) return;
        int steps = 1;
        var key = oldest;
        while (!reader.IsKeyFrame(key) && reader.Previous(key) is { } before && before.Shard == key.Shard) { key = before; steps++; }
        if (reader.Previous(key) is { } chunkEnd) reader.DecodeAhead(chunkEnd, steps);
    }

    /// <summary>Up to <paramref name="count"/> frames before the current one, oldest first, for the sparklines' history.</summary>
    public List<Frame> FramesBefore(int count)
    {
        var list = new List<Frame>();
        if (Position is not { } p) return list;
        StorePosition? q = p;
        // Walk back to the first of them, then forward (the decoder moves forward cheaply).
        int back = 0;
        for (; back < count && q is { } at && reader.Previous(at) is { } prev; back++) q = prev;
        var start = q;
        for (; q is { } at && at.CompareTo(p) <= 0; q = reader.Next(at))
            if (FrameAt(at) is { } f) list.Add(f);
        if (start is { } s) DecodeAhead(s);
        return list;
    }
}
