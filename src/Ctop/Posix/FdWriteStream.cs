using Mono.Unix;
using Mono.Unix.Native;

namespace Ctop.Posix;

/// <summary>
/// A write-only stream over a file descriptor with plain write(2): a broken pipe surfaces as IOException (.NET
/// ignores SIGPIPE, so write returns EPIPE). Console's stream swallows EPIPE, so ctop -b | head would sample
/// forever into the void; FileStream on fd 1 uses pwrite on regular files, which does not move the shared
/// offset, so (ctop -b -n 1; echo) &gt; file would overwrite ctop's output.
/// </summary>
public sealed class FdWriteStream(int fd) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            // write(2) may write less than asked (a signal mid-write to a pipe): continue where it stopped.
            while (done < buffer.Length)
            {
                long n = Syscall.write(fd, start + done, (ulong)(buffer.Length - done));
                if (n >= 0) { done += (int)n; continue; }
                var errno = Stdlib.GetLastError();
                if (errno == Errno.EINTR) continue;
                throw new UnixIOException(errno); // an IOException; EPIPE included
            }
        }
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
