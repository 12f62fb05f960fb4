using System.Text;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

public class ProcStatusTests
{
    private static ProcStatus Parse(string s) => ProcStatus.Parse(Encoding.UTF8.GetBytes(s), "/proc/3833/status");

    [Fact]
    public void Parses_a_user_process()
    {
        var s = Parse(Samples.CatStatus);
        Assert.Equal("cat", s.Name);
        Assert.Equal('R', s.State);
        Assert.Equal(3833, s.Tgid);
        Assert.Equal(3833, s.Pid);
        Assert.Equal(3830, s.PPid);
        Assert.Equal(new IdSet(1000, 1001, 1002, 1003), s.Uid);
        Assert.Equal(new IdSet(100, 101, 102, 103), s.Gid);
        Assert.Equal([3833], s.NSpid);
        Assert.Equal(1, s.Threads);
        Assert.Equal(1568ul * 1024, s.VmRss);
        Assert.Equal(3060ul * 1024, s.VmSize);
        Assert.Equal(8ul * 1024, s.VmSwap);
        Assert.Equal(116ul * 1024, s.RssAnon);
        Assert.Equal(1452ul * 1024, s.RssFile);
        Assert.Equal(4ul * 1024, s.RssShmem);
        Assert.Equal(7ul, s.VoluntaryCtxtSwitches);
        Assert.Equal(1ul, s.NonvoluntaryCtxtSwitches);
        Assert.Equal("0-1", s.CpusAllowedList);
    }

    [Fact]
    public void The_caught_and_ignored_signal_masks_say_which_signals_are_handled()
    {
        // As a shell that traps SIGTERM (15) and ignores SIGQUIT (3) and SIGINT (2) shows them.
        var s = Parse("Name:\tsh\nSigIgn:\t0000000000000006\nSigCgt:\t0000000000004000\n");
        Assert.Equal(0x4000UL, s.SignalsCaught);
        Assert.Equal(0x6UL, s.SignalsIgnored);
        Assert.True(s.Handles(15));
        Assert.True(s.Handles(2));
        Assert.True(s.Handles(3));
        Assert.False(s.Handles(9));
        Assert.False(s.Handles(1));
        Assert.False(s.Handles(0));
        Assert.Throws<ProcFsFormatException>(() => Parse("SigCgt:\tnot-hex\n"));
    }

    [Fact]
    public void Kernel_threads_have_no_memory_values()
    {
        var s = Parse(Samples.KthreaddStatus);
        Assert.Equal("kthreadd", s.Name);
        Assert.Equal('S', s.State);
        Assert.Equal(0, s.PPid);
        Assert.Null(s.VmRss);
        Assert.Null(s.VmSize);
        Assert.Null(s.VmSwap);
        Assert.Null(s.RssAnon);
        Assert.Equal(312ul, s.VoluntaryCtxtSwitches);
    }

    [Fact]
    public void Missing_keys_stay_default_and_unknown_keys_are_ignored()
    {
        var s = Parse("Name:\tx\nFutureKey:\twhatever it is 12 kB\nPid:\t5\n");
        Assert.Equal("x", s.Name);
        Assert.Equal(5, s.Pid);
        Assert.Null(s.Uid);
        Assert.Empty(s.NSpid);
        Assert.Null(s.CpusAllowedList);
        Assert.Equal('\0', s.State);
    }

    [Fact]
    public void NSpid_lists_outermost_first()
    {
        var s = Parse(Samples.CatStatus.Replace("NSpid:\t3833", "NSpid:\t3833\t120\t1"));
        Assert.Equal([3833, 120, 1], s.NSpid);
    }

    [Theory]
    [InlineData(@"a\nb", "a\nb")]
    [InlineData(@"back\\slash", @"back\slash")]
    [InlineData(" padded ", " padded ")]
    [InlineData("tab\there", "tab\there")]
    public void Name_undoes_the_kernel_escapes(string printed, string expected)
    {
        Assert.Equal(expected, Parse($"Name:\t{printed}\nPid:\t1\n").Name);
    }

    [Theory]
    [InlineData("VmRSS:\t    abc kB", 23)]
    [InlineData("VmRSS:\t    1568 MB", 23)]
    [InlineData("VmRSS:\t    1568", 23)]
    [InlineData("Uid:\t0\t0\t0", 9)]
    [InlineData("Uid:\t0\t0\t0\t0\t0", 9)]
    [InlineData("NSpid:\t3833\tx", 14)]
    [InlineData("no colon here", 23)]
    public void Malformed_lines_name_the_file_and_line(string badLine, int lineNo)
    {
        var lines = Samples.CatStatus.Split('\n');
        lines[lineNo - 1] = badLine;
        var e = Assert.Throws<ProcFsFormatException>(() => Parse(string.Join('\n', lines)));
        Assert.Equal("/proc/3833/status", e.FilePath);
        Assert.Equal(lineNo, e.LineNumber);
        Assert.Equal(badLine, e.Line);
        Assert.StartsWith($"/proc/3833/status:{lineNo}:", e.Message);
        Assert.False(ProcStatus.TryParse(Encoding.UTF8.GetBytes(string.Join('\n', lines)), out _));
    }

    [Fact]
    public void Truncated_file_keeps_what_was_there()
    {
        var cut = Samples.CatStatus[..Samples.CatStatus.IndexOf("VmRSS", StringComparison.Ordinal)];
        var s = Parse(cut);
        Assert.Equal(3833, s.Pid);
        Assert.Null(s.VmRss);
        Assert.Equal(3060ul * 1024, s.VmSize);
    }
}
