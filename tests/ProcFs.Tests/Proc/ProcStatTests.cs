using System.Text;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

public class ProcStatTests
{
    private static ProcStat Parse(string s) => ProcStat.Parse(Encoding.UTF8.GetBytes(s), "/proc/42/stat");

    [Fact]
    public void Parses_a_52_field_line_of_kernel_6_18()
    {
        Assert.Equal(52, Samples.CatStat.Split(' ').Length);
        var s = Parse(Samples.CatStat);
        Assert.Equal(3832, s.Pid);
        Assert.Equal("cat", s.GetComm());
        Assert.Equal('R', s.State);
        Assert.Equal(3830, s.Ppid);
        Assert.Equal(3830, s.Pgrp);
        Assert.Equal(2621, s.Session);
        Assert.Equal(0, s.TtyNr);
        Assert.Equal(-1, s.Tpgid);
        Assert.Equal(4194304u, s.Flags);
        Assert.Equal(100ul, s.MinFlt);
        Assert.Equal(0ul, s.MajFlt);
        Assert.Equal(20, s.Priority);
        Assert.Equal(0, s.Nice);
        Assert.Equal(1, s.NumThreads);
        Assert.Equal(36854ul, s.StartTime);
        Assert.Equal(3133440ul, s.VSize);
        Assert.Equal(391ul, s.Rss);
        Assert.Equal(0, s.Processor);
        Assert.False(s.IsKernelThread);
    }

    [Fact]
    public void Parses_counters_at_their_positions()
    {
        var s = Parse(Samples.InitStat);
        Assert.Equal("process_api", s.GetComm());
        Assert.Equal(12463ul, s.MinFlt);
        Assert.Equal(604330ul, s.CMinFlt);
        Assert.Equal(0ul, s.MajFlt);
        Assert.Equal(186ul, s.CMajFlt);
        Assert.Equal(38ul, s.UTime);
        Assert.Equal(77ul, s.STime);
        Assert.Equal(4990L, s.CUTime);
        Assert.Equal(1097L, s.CSTime);
        Assert.Equal(10, s.Priority);
        Assert.Equal(-10, s.Nice);
        Assert.Equal(11, s.NumThreads);
        Assert.Equal(14ul, s.StartTime);
    }

    [Fact]
    public void Kernel_threads_are_flagged_and_keep_names_longer_than_15_bytes()
    {
        var s = Parse(Samples.KworkerStat);
        Assert.True(s.IsKernelThread);
        Assert.Equal("kworker/u8:1-kvfree_rcu_reclaim", s.GetComm());
        Assert.Equal('I', s.State);
        Assert.Equal(2, s.Ppid);
        Assert.Equal(27ul, s.STime);
        Assert.Equal(1, s.Processor);
    }

    [Theory]
    [InlineData("a) b (c\nd")]
    [InlineData(") R 1 2 3 (")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("((()")]
    [InlineData("x y z")]
    public void Comm_runs_from_the_first_open_to_the_last_close_paren(string comm)
    {
        var line = Samples.CatStat.Replace("(cat)", "(" + comm + ")");
        var s = Parse(line);
        Assert.Equal(comm, s.GetComm());
        Assert.Equal(3830, s.Ppid);
        Assert.Equal(391ul, s.Rss);
    }

    [Fact]
    public void Extra_trailing_fields_are_accepted()
    {
        var s = Parse(Samples.CatStat.TrimEnd('\n') + " 1 2 3 4 5 6 7 8 9\n");
        Assert.Equal(391ul, s.Rss);
    }

    [Fact]
    public void Works_without_trailing_newline()
    {
        Assert.Equal(3830, Parse(Samples.CatStat.TrimEnd('\n')).Ppid);
    }

    [Theory]
    [InlineData(39, "processor")]
    [InlineData(24, "rss")]
    [InlineData(3, "state")]
    [InlineData(14, "utime")]
    public void Too_few_fields_name_the_first_missing_field(int keep, string name)
    {
        // keep = man-page number of the first field that is cut off
        var fields = Samples.CatStat.TrimEnd('\n').Split(' ');
        var line = string.Join(' ', fields.Take(keep - 1));
        var e = Assert.Throws<ProcFsFormatException>(() => Parse(line));
        Assert.Equal("/proc/42/stat", e.FilePath);
        Assert.Equal(1, e.LineNumber);
        Assert.Contains($"field {keep} ({name}) is missing", e.Message);
        Assert.Contains("/proc/42/stat:1:", e.Message);
        Assert.Equal(line, e.Line);
    }

    [Theory]
    [InlineData("ppid", 4, "x")]
    [InlineData("utime", 14, "-1")]
    [InlineData("utime", 14, "18446744073709551616")]
    [InlineData("flags", 9, "4294967296")]
    [InlineData("state", 3, "RS")]
    [InlineData("processor", 39, "1.5")]
    public void Bad_fields_are_named(string name, int number, string value)
    {
        var fields = Samples.CatStat.TrimEnd('\n').Split(' ');
        fields[number - 1] = value;
        var e = Assert.Throws<ProcFsFormatException>(() => Parse(string.Join(' ', fields)));
        Assert.Contains($"field {number} ({name}) is not valid", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("3832 cat R 1")]
    [InlineData("3832 (cat R 1")]
    [InlineData("3832 cat) R 1")]
    [InlineData("abc (cat) R 1")]
    [InlineData("(cat) R 1")]
    [InlineData("3832 (cat)R 1 2 3")]
    public void Lines_without_pid_and_comm_are_rejected(string line)
    {
        var e = Assert.Throws<ProcFsFormatException>(() => Parse(line));
        Assert.Equal("/proc/42/stat", e.FilePath);
        Assert.False(ProcStat.TryParse(Encoding.UTF8.GetBytes(line), out var partial));
        Assert.Equal(0, partial.Pid);
    }

    [Fact]
    public void TryParse_agrees_with_Parse()
    {
        Assert.True(ProcStat.TryParse(Encoding.UTF8.GetBytes(Samples.CatStat), out var s));
        Assert.Equal(Parse(Samples.CatStat).Rss, s.Rss);
        Assert.Equal("cat"u8.ToArray(), s.CommBytes.ToArray());
    }

    [Fact]
    public void Extreme_numbers_parse_exactly()
    {
        var fields = Samples.CatStat.TrimEnd('\n').Split(' ');
        fields[13] = ulong.MaxValue.ToString(); // utime
        fields[14] = "0"; // stime
        fields[15] = long.MinValue.ToString(); // cutime
        fields[22] = ulong.MaxValue.ToString(); // vsize
        fields[23] = "18446744073709551614"; // rss
        var s = Parse(string.Join(' ', fields));
        Assert.Equal(ulong.MaxValue, s.UTime);
        Assert.Equal(0ul, s.STime);
        Assert.Equal(long.MinValue, s.CUTime);
        Assert.Equal(ulong.MaxValue, s.VSize);
        Assert.Equal(ulong.MaxValue - 1, s.Rss);
    }

    [Fact]
    public void Interner_returns_the_same_string_for_the_same_bytes()
    {
        var interner = new CommInterner();
        var a = Parse(Samples.CatStat);
        var b = Parse(Samples.CatStat.Replace("3832 (cat)", "9 (cat)"));
        var c = Parse(Samples.KworkerStat);
        Assert.Same(a.GetComm(interner), b.GetComm(interner));
        Assert.Equal("cat", a.GetComm(interner));
        Assert.Equal("kworker/u8:1-kvfree_rcu_reclaim", c.GetComm(interner));
        Assert.NotSame(a.GetComm(), b.GetComm());
    }

    [Fact]
    public void Interner_stays_correct_when_its_table_overflows()
    {
        var interner = new CommInterner(16);
        for (int round = 0; round < 3; round++)
            for (int i = 0; i < 200; i++)
                Assert.Equal("p" + i, interner.Intern(Encoding.UTF8.GetBytes("p" + i)));
    }

    [Fact]
    public void Invalid_utf8_comm_decodes_without_throwing()
    {
        var bytes = Encoding.UTF8.GetBytes(Samples.CatStat.Replace("(cat)", "(ab)"));
        bytes["3832 (".Length] = 0xff;
        var s = ProcStat.Parse(bytes, "x");
        Assert.Equal("\uFFFDb", s.GetComm());
        Assert.Equal(new byte[] { 0xff, (byte)'b' }, s.CommBytes.ToArray());
    }
}
