using System.Text;
using ProcFs.Parsing;
using ProcFs.Proc;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Proc;

public sealed class ProcReaderTests : IDisposable
{
    private readonly TempTree _tree = new();

    public ProcReaderTests()
    {
        _tree.Write("3832/stat", Samples.CatStat);
        _tree.Write("3832/status", Samples.CatStatus);
        _tree.WriteBytes("3832/cmdline", Encoding.UTF8.GetBytes("cat\0/etc/hostname\0"));
        _tree.Write("3832/schedstat", Samples.Schedstat);
        _tree.Write("32/stat", Samples.KworkerStat);
        _tree.Write("32/cmdline", "");
        _tree.Write("stat", Samples.SystemStat);
        _tree.Write("meminfo", Samples.MemInfo);
        _tree.Write("loadavg", Samples.LoadAvg);
        _tree.Write("uptime", Samples.Uptime);
        // Things ListPids must skip: non-numeric dirs, numeric files, and the "self" link.
        Directory.CreateDirectory(_tree.Path("sys"));
        Directory.CreateDirectory(_tree.Path("12abc"));
        Directory.CreateDirectory(_tree.Path("0"));
        _tree.Write("4242", "a file, not a process");
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Reads_every_per_process_file_from_the_root()
    {
        var r = new ProcReader(_tree.Root);
        Assert.True(r.TryReadStat(3832, out var stat));
        Assert.Equal("cat", stat.GetComm(r.Comms));
        Assert.Equal(391ul, stat.Rss);
        Assert.Equal(ReadStatus.Ok, r.LastStatus);

        Assert.True(r.TryReadStatus(3832, out var status));
        Assert.Equal(1568ul * 1024, status.VmRss);

        Assert.True(r.TryReadCmdline(3832, out var cmd));
        Assert.Equal("cat /etc/hostname", cmd.DisplayString);

        Assert.True(r.TryReadSchedstat(3832, out var sched));
        Assert.Equal(370ul, sched.Timeslices);

        Assert.True(r.TryReadStat(32, out var kworker));
        Assert.True(kworker.IsKernelThread);
        Assert.True(r.TryReadCmdline(32, out var empty));
        Assert.True(empty.IsEmpty);
    }

    [Fact]
    public void Reads_the_system_files_from_the_root()
    {
        var r = new ProcReader(_tree.Root + "/");
        Assert.Equal(1795677922L, r.ReadSystemStat().BootTime);
        Assert.Equal(24683656ul * 1024, r.ReadMemInfo().MemTotal);
        Assert.Equal(3842, r.ReadLoadAvg().LastPid);
        Assert.Equal(368.55, r.ReadUptime().UptimeSeconds);
        Assert.Null(r.TryReadOomKills());
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        _tree.Write("vmstat", Samples.VmStat);
        Assert.Equal(3UL, r.TryReadOomKills());
    }

    [Fact]
    public void A_vanished_pid_returns_false_without_throwing()
    {
        var r = new ProcReader(_tree.Root);
        Assert.False(r.TryReadStat(999999, out var stat));
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        Assert.Equal(0, stat.Pid);
        Assert.False(r.TryReadStatus(999999, out var status));
        Assert.Null(status);
        Assert.False(r.TryReadCmdline(999999, out _));
        Assert.False(r.TryReadSchedstat(999999, out _));
        Assert.False(r.TryReadStatus(32, out _)); // dir present, file gone
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        Assert.False(r.TryReadStat(int.MaxValue, out _));
        Assert.False(r.TryReadStat(-1, out _));
    }

    [Fact]
    public void A_pid_that_vanishes_between_listing_and_reading_returns_false()
    {
        var r = new ProcReader(_tree.Root);
        var pids = new List<int>();
        r.ListPids(pids);
        Assert.Contains(3832, pids);
        Directory.Delete(_tree.Path("3832"), recursive: true);
        Assert.False(r.TryReadStat(3832, out _));
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        Assert.True(r.TryReadStat(32, out _));
    }

    [Fact]
    public void Malformed_files_throw_naming_the_full_path()
    {
        _tree.Write("77/stat", "77 (x) R 1 2");
        _tree.Write("77/status", "Name:\tx\nVmRSS:\tmany kB\n");
        _tree.Write("77/schedstat", "1 2\n");
        var r = new ProcReader(_tree.Root);
        var e = Assert.Throws<ProcFsFormatException>(() => r.TryReadStat(77, out _));
        Assert.Equal(_tree.Path("77/stat"), e.FilePath);
        e = Assert.Throws<ProcFsFormatException>(() => r.TryReadStatus(77, out _));
        Assert.Equal(_tree.Path("77/status"), e.FilePath);
        Assert.Equal(2, e.LineNumber);
        e = Assert.Throws<ProcFsFormatException>(() => r.TryReadSchedstat(77, out _));
        Assert.Equal(_tree.Path("77/schedstat"), e.FilePath);
        _tree.Write("meminfo", "MemTotal: ? kB\n");
        e = Assert.Throws<ProcFsFormatException>(() => r.ReadMemInfo());
        Assert.Equal(_tree.Path("meminfo"), e.FilePath);
    }

    [Fact]
    public void Missing_system_files_are_an_error()
    {
        using var empty = new TempTree();
        var r = new ProcReader(empty.Root);
        var e = Assert.Throws<FileNotFoundException>(() => r.ReadSystemStat());
        Assert.Contains(empty.Path("stat"), e.Message);
    }

    [Fact]
    public void ListPids_lists_numeric_directories_only_and_reuses_the_list()
    {
        var r = new ProcReader(_tree.Root);
        var pids = new List<int> { 1, 2, 3 };
        int n = r.ListPids(pids);
        pids.Sort();
        Assert.Equal([32, 3832], pids);
        Assert.Equal(2, n);
    }

    [Fact]
    public void ListPids_of_a_missing_root_throws()
    {
        var r = new ProcReader(_tree.Path("nope"));
        Assert.Throws<DirectoryNotFoundException>(() => r.ListPids(new List<int>()));
    }

    [Fact]
    public void Reads_reuse_one_buffer_for_files_of_any_size()
    {
        // Grows past the initial 4 KiB buffer, then shrinks back: each read sees only its own file.
        _tree.Write("5/status", Samples.CatStatus + string.Concat(Enumerable.Repeat("Filler:\t0\n", 1000)));
        var r = new ProcReader(_tree.Root);
        Assert.True(r.TryReadStatus(5, out var big));
        Assert.Equal(3833, big.Pid);
        Assert.True(r.TryReadStat(3832, out var small));
        Assert.Equal(3832, small.Pid);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Unreadable_files_return_false_with_Denied()
    {
        var path = _tree.Path("3832/status");
        File.SetUnixFileMode(path, UnixFileMode.None);
        // As root without the capabilities that bypass file permissions (it used to skip as root).
        Unprivileged.Run(() =>
        {
            var r = new ProcReader(_tree.Root);
            Assert.False(r.TryReadStatus(3832, out _));
            Assert.Equal(ReadStatus.Denied, r.LastStatus);
            Assert.True(r.TryReadStat(3832, out _));
        });
    }
}
