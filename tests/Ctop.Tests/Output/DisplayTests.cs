using CsCheck;
using Ctop.Model;
using Ctop.Output;
using ProcFs.Parsing;

namespace Ctop.Tests.Output;

public class DisplayTests
{
    [Theory]
    [InlineData(null, "-")]
    [InlineData(0L, "0B")]
    [InlineData(512L, "512B")]
    [InlineData(1024L, "1K")]
    [InlineData(1536L, "1.5K")]
    [InlineData(47_815_065L, "45.6M")]
    [InlineData(268_435_456L, "256M")]
    [InlineData(1_610_612_736L, "1.5G")]
    [InlineData(17_179_869_184L, "16G")]
    [InlineData(long.MaxValue, "8E")]
    public void Bytes_are_1024_based_with_a_decimal_below_100(long? bytes, string expected) =>
        Assert.Equal(expected, Units.Bytes(bytes));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("\u001b[2J", "\\x1b[2J")]
    [InlineData("a\ab", "a\\x07b")]
    [InlineData("line\nforged row", "line\\nforged row")]
    [InlineData("tab\there\r", "tab\\there\\r")]
    [InlineData("\u009b31m", "\\x9b31m")] // C1 CSI
    [InlineData("\u001b]0;title\u0007", "\\x1b]0;title\\x07")] // OSC set-title
    [InlineData("evil\u202Etxt.exe", "evil\\u202etxt.exe")] // bidi override
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("café 日本 😀", "café 日本 😀")]
    public void Escape_makes_controls_visible(string input, string expected) =>
        Assert.Equal(expected, Printable.Escape(input));

    [Fact]
    public void Unpaired_surrogates_are_escaped()
    {
        Assert.Equal("lone\\ud800x", Printable.Escape("lone\ud800x"));
        Assert.Equal("\\udc00end", Printable.Escape("\udc00end"));
    }

    [Fact]
    public void Escaped_strings_contain_no_control_characters() =>
        Gen.String.Sample(s =>
        {
            var escaped = Printable.Escape(s);
            return !escaped.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);
        });

    [Fact]
    public void Truncation_marks_the_cut_and_keeps_the_informative_end()
    {
        Assert.Equal("short", Display.TruncateEnd("short", 10));
        Assert.Equal("abcdefg...", Display.TruncateEnd("abcdefghijklmnop", 10));
        Assert.Equal("...nop/leaf", Display.TruncateStart("/abc/def/ghi/jklmnop/leaf", 11));
        Assert.Equal(11, Display.TruncateStart("/abc/def/ghi/jklmnop/leaf", 11).Length);
    }

    [Fact]
    public void Truncation_never_splits_a_surrogate_pair()
    {
        var s = "ab😀😀😀😀😀";
        for (int w = 4; w < s.Length; w++)
        {
            Assert.False(HasLoneSurrogate(Display.TruncateEnd(s, w)));
            Assert.False(HasLoneSurrogate(Display.TruncateStart(s, w)));
        }
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }
}
