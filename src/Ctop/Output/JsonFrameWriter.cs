using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ctop.Model;

namespace Ctop.Output;

/// <summary>One JSON object per frame, one frame per line (JSON Lines), for jq and scripts.</summary>
public sealed class JsonFrameWriter(TextWriter output) : IFrameWriter
{
    // Relaxed: non-ASCII and HTML characters are written as themselves (this is not embedded in HTML), while
    // control characters, quotes and backslashes are still escaped, so every line stays valid JSON.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);

    public void Write(Frame frame)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, Options))
            JsonSerializer.Serialize(json, JsonFrameMapper.ToJson(frame), CtopJsonContext.Default.JsonFrame);
        output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan) + "\n");
    }
}
