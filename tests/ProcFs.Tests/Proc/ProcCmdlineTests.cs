using System.Text;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

public class ProcCmdlineTests
{
    private static ProcCmdline Parse(byte[] b) => ProcCmdline.Parse(b, "/proc/1/cmdline");
    private static ProcCmdline Parse(string s) => Parse(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Splits_at_NUL_with_a_trailing_NUL()
    {
        var c = Parse("/process_api\0--addr\00.0.0.0:2024\0");
        Assert.Equal(["/process_api", "--addr", "0.0.0.0:2024"], c.Args);
        Assert.Equal("/process_api --addr 0.0.0.0:2024", c.DisplayString);
        Assert.False(c.IsEmpty);
    }

    [Fact]
    public void Trailing_NUL_is_optional()
    {
        Assert.Equal(["sh", "-c", "echo a b"], Parse("sh\0-c\0echo a b").Args);
    }

    [Fact]
    public void Kernel_threads_have_an_empty_cmdline()
    {
        var c = Parse("");
        Assert.True(c.IsEmpty);
        Assert.Empty(c.Args);
        Assert.Equal("", c.DisplayString);
    }

    [Fact]
    public void Empty_arguments_are_kept_but_trailing_padding_is_not_displayed()
    {
        Assert.Equal(["a", "", "b"], Parse("a\0\0b\0").Args);
        var retitled = Parse("nginx: worker process\0\0\0\0");
        Assert.Equal("nginx: worker process", retitled.DisplayString);
        Assert.Equal(4, retitled.Args.Count);
    }

    [Fact]
    public void Invalid_utf8_does_not_throw()
    {
        var c = Parse(new byte[] { (byte)'a', 0xff, 0xfe, 0, 0xc3, 0 });
        Assert.Equal(["a\uFFFD\uFFFD", "\uFFFD"], c.Args);
    }

    [Fact]
    public void Unicode_arguments_survive()
    {
        Assert.Equal(["prog", "grüße €"], Parse("prog\0grüße €\0").Args);
    }
}
