using Ctop.Model;
using Ctop.Store;
using static Ctop.Tests.Store.StoreSupport;

namespace Ctop.Tests.Store;

public class ReplayCursorTests
{
    /// <summary>
    /// Stepping back with the sparklines' minute rebuilt each step (as replay does) over several key-frame intervals and
    /// shards: every frame is the one built from the original samples, and no step decodes more than a record or two —
    /// the chunk the minute reaches next is decoded a share per step ahead of it, not all on the step that reaches it.
    /// </summary>
    [Fact]
    public void SteppingBackWithTheMinuteGivesTheRecordedFramesAndDecodesTheChunkBeforeAhead()
    {
        var rng = new Random(11);
        // 20 s apart: 180 samples a shard (an hour), three key-frame intervals of 60 each.
        var samples = Enumerable.Range(0, 500).Select(k => new RecordedSample(Synthetic(k, rng, T0.AddSeconds(20 * k)), NoNames, k == 0)).ToList();
        var dir = TempDir();
        try
        {
            using (var w = new StoreWriter(dir, new StoreOptions { Sync = false }))
                foreach (var s in samples) w.Append(s);
            var reader = new StoreReader(dir);
            Assert.True(reader.ShardCount >= 3);
            var cursor = new ReplayCursor(reader);
            string Expected(int i) => Describe(FrameBuilder.Build(samples[i - 1].Sample, samples[i].Sample));
            int at = 470;
            Assert.NotNull(cursor.GoTo(samples[at].Sample.Time));
            Assert.Equal(Expected(at), Describe(cursor.Frame!));
            _ = cursor.FramesBefore(60);
            long worst = 0;
            for (; at > 62; at--)
            {
                long before = reader.RecordsDecoded;
                var f = cursor.Step(-1);
                var minute = cursor.FramesBefore(60);
                worst = Math.Max(worst, reader.RecordsDecoded - before);
                Assert.Equal(Expected(at - 1), Describe(f!));
                Assert.Equal(Enumerable.Range(at - 61, 61).Select(Expected), minute.Select(Describe));
            }
            Assert.InRange(worst, 0, 2);
        }
        finally { Directory.Delete(dir, true); }
    }
}
