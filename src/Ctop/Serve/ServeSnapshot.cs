using System.IO.Compression;
using System.Text;
using Ctop.Diagnosis;
using Ctop.Model;

namespace Ctop.Serve;

/// <summary>
/// The latest frame as served: immutable, replaced whole when the next frame comes. Each body (format × gzip) is made at
/// most once, by the first scrape that wants it, on that scrape's thread: sampling never waits for a scrape, and fifty
/// scrapes of one frame cost one formatting. Bodies are shared byte arrays, so a client costs no copy of its own.
/// </summary>
public sealed class ServeSnapshot
{
    private readonly Lazy<DiagnosisReport> _diagnosis;
    private readonly Lazy<byte[]>[] _bodies = new Lazy<byte[]>[4];

    /// <param name="frame">The frame as filtered for display (--cgroup, -f).</param>
    /// <param name="whole">The unfiltered frame the diagnosis reads: a culprit outside the filter still has a victim inside.</param>
    public ServeSnapshot(Frame frame, Frame whole, long droppedTicks)
    {
        Frame = frame;
        DroppedTicks = droppedTicks;
        _diagnosis = new Lazy<DiagnosisReport>(() => Diagnoser.Diagnose(whole), LazyThreadSafetyMode.ExecutionAndPublication);
        for (int i = 0; i < _bodies.Length; i++)
        {
            var format = (ExpositionFormat)(i / 2);
            bool gzip = i % 2 == 1;
            _bodies[i] = new Lazy<byte[]>(() => gzip ? Gzip(Body(format, false)) : Encoding.UTF8.GetBytes(MetricsRenderer.Render(this, format)),
                LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    public Frame Frame { get; }

    public long DroppedTicks { get; }

    public DiagnosisReport Diagnosis => _diagnosis.Value;

    public byte[] Body(ExpositionFormat format, bool gzip) => _bodies[(int)format * 2 + (gzip ? 1 : 0)].Value;

    private static byte[] Gzip(byte[] body)
    {
        using var ms = new MemoryStream(body.Length / 8 + 64);
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(body);
        return ms.ToArray();
    }
}
