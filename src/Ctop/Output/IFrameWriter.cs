using Ctop.Model;

namespace Ctop.Output;

/// <summary>Writes whole frames to a text stream; a frame is either written entirely or the write throws.</summary>
public interface IFrameWriter
{
    void Write(Frame frame);
}
