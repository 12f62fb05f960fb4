using Ctop.Posix;
using Mono.Unix.Native;

namespace Ctop.Tests.Cli;

public class FdWriteStreamTests
{
    [Fact]
    public void Writing_to_a_pipe_without_a_reader_throws_IOException()
    {
        var fds = new int[2];
        Assert.Equal(0, Syscall.pipe(fds));
        Syscall.close(fds[0]); // the reader is gone, as when head exits
        try
        {
            using var writer = new StreamWriter(new FdWriteStream(fds[1]));
            writer.Write("frame\n");
            Assert.ThrowsAny<IOException>(() => writer.Flush());
        }
        finally
        {
            Syscall.close(fds[1]);
        }
    }

    [Fact]
    public void Appends_at_the_shared_offset_of_a_regular_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            int fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
            Assert.True(fd >= 0);
            try
            {
                RawWrite(fd, "a\n"u8);
                using (var w = new StreamWriter(new FdWriteStream(fd))) w.Write("ctop\n");
                RawWrite(fd, "b\n"u8);
            }
            finally
            {
                Syscall.close(fd);
            }
            Assert.Equal("a\nctop\nb\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Another writer on the same open file, like the shell's echo after ctop.</summary>
    private static unsafe void RawWrite(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) Assert.Equal(bytes.Length, Syscall.write(fd, p, (ulong)bytes.Length));
    }
}
