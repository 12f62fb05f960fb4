using System.Text;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

public class SystemFileTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void SystemStat_reads_cpu_lines_and_counters()
    {
        var s = SystemStat.Parse(B(Samples.SystemStat), "/proc/stat");
        Assert.Equal(new CpuTimes(8046, 0, 2099, 62978, 201, 0, 81, 78, 0, 0), s.Cpu);
        Assert.Equal(2, s.Cpus.Count);
        Assert.Equal(0, s.Cpus[0].Cpu);
        Assert.Equal(1, s.Cpus[1].Cpu);
        Assert.Equal(4739ul, s.Cpus[1].Times.User);
        Assert.Equal(172ul, s.Cpus[1].Times.IoWait);
        Assert.Equal(1795677922L, s.BootTime);
        Assert.Equal(3840ul, s.Processes);
        Assert.Equal(2, s.ProcsRunning);
        Assert.Equal(1, s.ProcsBlocked);
        Assert.Equal(308770ul, s.ContextSwitches);
    }

    [Fact]
    public void CpuTimes_total_excludes_guest_and_busy_excludes_idle_and_iowait()
    {
        var t = new CpuTimes(User: 100, Nice: 10, System: 20, Idle: 1000, IoWait: 5, Irq: 1, SoftIrq: 2, Steal: 3, Guest: 40, GuestNice: 4);
        Assert.Equal(1141ul, t.Total);
        Assert.Equal(136ul, t.Busy);
    }

    [Fact]
    public void Missing_trailing_cpu_fields_are_zero_and_extra_ones_ignored()
    {
        var s = SystemStat.Parse(B("cpu  1 2 3 4\ncpu3 5 6 7 8 9 10 11 12 13 14 15 16\n"), "/proc/stat");
        Assert.Equal(new CpuTimes(1, 2, 3, 4, 0, 0, 0, 0, 0, 0), s.Cpu);
        Assert.Equal(3, s.Cpus[0].Cpu); // numbers are kept, gaps allowed
        Assert.Equal(14ul, s.Cpus[0].Times.GuestNice);
        Assert.Equal(0L, s.BootTime);
    }

    [Theory]
    [InlineData("cpu1 3307 0 x 32337", 3)]
    [InlineData("cpu1 3307 0 1015", 3)]
    [InlineData("cpuX 1 2 3 4", 3)]
    [InlineData("btime soon", 6)]
    [InlineData("ctxt", 5)]
    public void Malformed_stat_lines_are_named(string bad, int lineNo)
    {
        var lines = Samples.SystemStat.Split('\n');
        lines[lineNo - 1] = bad;
        var e = Assert.Throws<ProcFsFormatException>(() => SystemStat.Parse(B(string.Join('\n', lines)), "/proc/stat"));
        Assert.Equal(lineNo, e.LineNumber);
        Assert.Equal(bad, e.Line);
        Assert.StartsWith($"/proc/stat:{lineNo}:", e.Message);
    }

    [Fact]
    public void Stat_without_aggregate_cpu_line_is_an_error()
    {
        Assert.Throws<ProcFsFormatException>(() => SystemStat.Parse(B("btime 5\n"), "/proc/stat"));
        Assert.Throws<ProcFsFormatException>(() => SystemStat.Parse([], "/proc/stat"));
    }

    [Fact]
    public void MemInfo_converts_kB_to_bytes_and_keeps_counts()
    {
        var m = MemInfo.Parse(B(Samples.MemInfo), "/proc/meminfo");
        Assert.Equal(24683656ul * 1024, m.MemTotal);
        Assert.Equal(24359716ul * 1024, m.MemFree);
        Assert.Equal(24390696ul * 1024, m.MemAvailable);
        Assert.Equal(2296ul * 1024, m.Buffers);
        Assert.Equal(232432ul * 1024, m.Cached);
        Assert.Equal(1048572ul * 1024, m.SwapTotal);
        Assert.Equal(1048000ul * 1024, m.SwapFree);
        Assert.Equal(1528ul * 1024, m["Active(anon)"]);
        Assert.Equal(34359738367ul * 1024, m["VmallocTotal"]);
        Assert.Equal(3ul, m["HugePages_Free"]);
        Assert.True(m.TryGet("DirectMap1G", out ulong d));
        Assert.Equal(25165824ul * 1024, d);
        Assert.False(m.TryGet("Nope", out _));
        Assert.Equal(17, m.All.Count);
    }

    [Fact]
    public void MemInfo_missing_keys_are_null()
    {
        var m = MemInfo.Parse(B("MemTotal: 10 kB\n"), "/proc/meminfo");
        Assert.Null(m.MemAvailable);
        Assert.Throws<KeyNotFoundException>(() => m["Cached"]);
    }

    [Theory]
    [InlineData("Cached:  lots kB")]
    [InlineData("Cached:  12 MB")]
    [InlineData("Cached   12 kB")]
    [InlineData("Cached:")]
    public void MemInfo_malformed_lines_are_named(string bad)
    {
        var lines = Samples.MemInfo.Split('\n');
        lines[4] = bad;
        var e = Assert.Throws<ProcFsFormatException>(() => MemInfo.Parse(B(string.Join('\n', lines)), "/proc/meminfo"));
        Assert.Equal(5, e.LineNumber);
        Assert.Equal("/proc/meminfo", e.FilePath);
    }

    [Fact]
    public void LoadAvg_parses()
    {
        Assert.Equal(new LoadAvg(0.10, 0.19, 0.09, 1, 81, 3842), LoadAvg.Parse(B(Samples.LoadAvg), "/proc/loadavg"));
    }

    [Theory]
    [InlineData("0.10 0.19 0.09 1 3842")]
    [InlineData("0.10 0.19 1/81 3842")]
    [InlineData("")]
    public void LoadAvg_malformed(string bad)
    {
        var e = Assert.Throws<ProcFsFormatException>(() => LoadAvg.Parse(B(bad), "/proc/loadavg"));
        Assert.StartsWith("/proc/loadavg:1:", e.Message);
    }

    [Fact]
    public void Uptime_parses()
    {
        Assert.Equal(new Uptime(368.55, 629.78), Uptime.Parse(B(Samples.Uptime), "/proc/uptime"));
        Assert.Throws<ProcFsFormatException>(() => Uptime.Parse(B("368.55\n"), "/proc/uptime"));
    }

    [Fact]
    public void VmStat_finds_the_oom_kill_line_only()
    {
        Assert.Equal(3UL, VmStat.Parse(B(Samples.VmStat), "/proc/vmstat").OomKills);
        Assert.Equal(7UL, VmStat.Parse(B("oom_kill 7\nnuma_hit 1\n"), "/proc/vmstat").OomKills);
        Assert.Equal(7UL, VmStat.Parse(B("pgfault 1\noom_kill 7"), "/proc/vmstat").OomKills);
        // Before 4.13, or a read that stopped short of it: unknown, not 0.
        Assert.Null(VmStat.Parse(B("nr_free_pages 1\nnr_oom_kill_x 2\n"), "/proc/vmstat").OomKills);
        Assert.Null(VmStat.Parse(B(""), "/proc/vmstat").OomKills);
        var e = Assert.Throws<ProcFsFormatException>(() => VmStat.Parse(B("pgfault 1\npgmajfault 2\noom_kill -1\n"), "/proc/vmstat"));
        Assert.Equal("/proc/vmstat", e.FilePath);
        Assert.Equal(3, e.LineNumber);
    }

    [Fact]
    public void Schedstat_parses()
    {
        Assert.Equal(new ProcSchedstat(155600117, 6150748, 370), ProcSchedstat.Parse(B(Samples.Schedstat), "/proc/1/schedstat"));
        var e = Assert.Throws<ProcFsFormatException>(() => ProcSchedstat.Parse(B("1 2\n"), "/proc/1/schedstat"));
        Assert.Equal("/proc/1/schedstat", e.FilePath);
    }

    [Fact]
    public void SystemConf_values_are_sane()
    {
        Assert.True(SystemConf.UserHz > 0);
        Assert.Equal(Environment.SystemPageSize, SystemConf.PageSize);
        Assert.InRange(SystemConf.OnlineCpus, 1, 65536); // ProcessorCount honours cgroup quotas, so it may be lower
    }
}
