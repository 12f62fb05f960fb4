using ProcFs.Cgroups;
using static ProcFs.Tests.Cgroups.Files.CgroupFixture;

namespace ProcFs.Tests.Cgroups.Files;

public class PidsEventsTests
{
    [Theory]
    [InlineData("max 4\n", 4UL)]
    [InlineData("max 0\nmax.imposed 0\n", 0UL)]
    [InlineData("max.imposed 9\r\nmax 3 \r\n", 3UL)]
    public void Parses_pids_events(string content, ulong max)
    {
        using var f = new CgroupFixture();
        f.Write("pids.events", content);
        Assert.Equal(new PidsEvents(max), f.Reader.ReadPidsEvents(f.Dir));
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("max\n", 1)]
    [InlineData("max.imposed 1\n", 2)]
    public void Rejects_empty_or_truncated(string content, int line)
    {
        using var f = new CgroupFixture();
        var path = f.Write("pids.events", content);
        AssertFormatError(() => f.Reader.ReadPidsEvents(f.Dir), path, line);
    }
}

public class IoStatTests
{
    private const string Sample = """
        8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
        8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021

        """;

    [Fact]
    public void Parses_devices_and_totals()
    {
        using var f = new CgroupFixture();
        f.Write("io.stat", Sample);
        var s = f.Reader.ReadIoStat(f.Dir)!;
        Assert.Equal(2, s.Devices.Count);
        Assert.Equal(new IoDeviceStat(8, 16, new IoTotals(1459200, 314773504, 192, 353, 0, 0)), s.Devices[0]);
        Assert.Equal(new IoDeviceStat(8, 0, new IoTotals(90430464, 299008000, 8950, 1252, 50331648, 3021)), s.Devices[1]);
        Assert.Equal(new IoTotals(1459200UL + 90430464, 314773504UL + 299008000, 192 + 8950, 353 + 1252, 50331648, 3021), s.Totals);
    }

    [Fact]
    public void Empty_io_stat_is_a_cgroup_without_io()
    {
        var s = IoStat.Parse(B(""), "io.stat");
        Assert.Empty(s.Devices);
        Assert.Equal(default, s.Totals);
    }

    [Fact]
    public void Unknown_keys_any_order_and_non_integer_extras_are_tolerated()
    {
        var s = IoStat.Parse(B("259:0 wios=2 rbytes=10 cost.vrate=135.91 cost.usage=5632 rios=1 wbytes=20 use_delay=0 \r\n"), "io.stat");
        Assert.Equal(new IoTotals(10, 20, 1, 2), Assert.Single(s.Devices).Io);
    }

    [Theory]
    [InlineData("8:0 rbytes=12x wbytes=0\n", 1)]
    [InlineData("8:0 rbytes=1\nsda rbytes=1\n", 2)]
    [InlineData("8:0 rbytes=1\n8: rbytes=1\n", 2)]
    [InlineData("8:0 rbytes=1\n8:0 rbytes\n", 2)]
    [InlineData("8:0 rbytes=1\n8:0 =5\n", 2)]
    [InlineData("8:0 rbytes=", 1)]
    public void Malformed_lines_name_file_and_line(string content, int line)
    {
        using var f = new CgroupFixture();
        var path = f.Write("io.stat", content);
        AssertFormatError(() => f.Reader.ReadIoStat(f.Dir), path, line);
    }
}

public class BlkioThrottleTests
{
    private const string Bytes = """
        8:0 Read 1843200
        8:0 Write 4096
        8:0 Sync 1847296
        8:0 Async 0
        8:0 Discard 512
        8:0 Total 1847808
        253:0 Read 1024
        253:0 Write 0
        253:0 Sync 1024
        253:0 Async 0
        253:0 Discard 0
        253:0 Total 1024
        Total 1848832

        """;

    private const string Ios = """
        8:0 Read 450
        8:0 Write 1
        8:0 Sync 451
        8:0 Async 0
        8:0 Discard 1
        8:0 Total 452
        253:0 Read 1
        253:0 Write 0
        253:0 Sync 1
        253:0 Async 0
        253:0 Discard 0
        253:0 Total 1
        Total 453

        """;

    [Fact]
    public void Sums_over_devices()
    {
        var b = BlkioThrottle.Parse(B(Bytes), "blkio.throttle.io_service_bytes");
        Assert.Equal(new BlkioThrottle(1843200 + 1024, 4096, 1847296 + 1024, 0, 512, 1848832), b);
    }

    [Fact]
    public void Reader_combines_bytes_and_ios_into_IoTotals()
    {
        using var f = new CgroupFixture();
        f.Write("blkio.throttle.io_service_bytes_recursive", Bytes);
        f.Write("blkio.throttle.io_serviced_recursive", Ios);
        f.Write("blkio.throttle.io_service_bytes", "Total 0\n");
        f.Write("blkio.throttle.io_serviced", "Total 0\n");
        Assert.Equal(new IoTotals(1844224, 4096, 451, 1, 512, 1), f.Reader.ReadBlkioThrottle(f.Dir));
        Assert.Equal(default(IoTotals), f.Reader.ReadBlkioThrottle(f.Dir, recursive: false));
    }

    [Fact]
    public void Missing_either_file_gives_null()
    {
        using var f = new CgroupFixture();
        Assert.Null(f.Reader.ReadBlkioThrottle(f.Dir));
        f.Write("blkio.throttle.io_service_bytes_recursive", "Total 0\n");
        Assert.Null(f.Reader.ReadBlkioThrottle(f.Dir));
    }

    [Fact]
    public void Unknown_operations_and_CRLF_are_tolerated()
    {
        var b = BlkioThrottle.Parse(B("8:0 Read 5\r\n8:0 Flush 9\r\nTotal 5 \r\n"), "x");
        Assert.Equal(5UL, b.Read);
        Assert.Equal(5UL, b.Total);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("8:0 Read 5\n8:0 Write 0\n", 3)]   // cut before the final Total line
    [InlineData("8:0 Read 5\n8:0 Write\n", 2)]
    [InlineData("8:0 Read x\nTotal 0\n", 1)]
    [InlineData("sda Read 1\nTotal 0\n", 1)]
    [InlineData("8:0 Read 1\nTotal\n", 2)]
    [InlineData("8:0 Read 1\nTotal -1\n", 2)]
    public void Malformed_or_truncated_name_file_and_line(string content, int line)
    {
        using var f = new CgroupFixture();
        var path = f.Write("blkio.throttle.io_service_bytes_recursive", content);
        f.Write("blkio.throttle.io_serviced_recursive", "Total 0\n");
        AssertFormatError(() => f.Reader.ReadBlkioThrottle(f.Dir), path, line);
    }
}

public class PressureTests
{
    [Fact]
    public void Parses_some_and_full()
    {
        using var f = new CgroupFixture();
        f.Write("cpu.pressure", "some avg10=2.22 avg60=13.43 avg300=6.56 total=31778479\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        var p = f.Reader.ReadPressure(f.Dir, "cpu")!.Value;
        Assert.Equal(new PressureLine(2.22, 13.43, 6.56, 31778479), p.Some);
        Assert.Equal(new PressureLine(0, 0, 0, 0), p.Full);
    }

    [Fact]
    public void The_kernels_two_decimal_form_reads_as_the_general_parser_reads_it()
    {
        // The fast path (hundredths / 100.0) against double.Parse, over every value 0.00-100.00 and beyond.
        for (long n = 0; n <= 200_000; n++)
        {
            string text = $"{n / 100}.{n % 100:D2}";
            var p = Pressure.Parse(B($"some avg10={text} avg60=1.5 avg300=1e1 total=1\n"), "cpu.pressure");
            Assert.Equal(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), p.Some!.Value.Avg10);
            Assert.Equal(1.5, p.Some!.Value.Avg60);
            Assert.Equal(10.0, p.Some!.Value.Avg300);
        }
    }

    [Fact]
    public void Full_is_optional_as_on_old_kernels_cpu()
    {
        var p = Pressure.Parse(B("some avg10=0.02 avg60=0.12 avg300=0.14 total=1846763\n"), "/proc/pressure/cpu");
        Assert.Equal(new PressureLine(0.02, 0.12, 0.14, 1846763), p.Some);
        Assert.Null(p.Full);
    }

    [Fact]
    public void Irq_has_only_a_full_line()
    {
        var p = Pressure.Parse(B("full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"), "/proc/pressure/irq");
        Assert.Null(p.Some);
        Assert.Equal(5UL, p.Full!.Value.TotalUsec);
    }

    [Fact]
    public void Unknown_keys_lines_and_CRLF_are_tolerated()
    {
        var p = Pressure.Parse(B("total=9 avg300=3.00 newkey=x avg60=2.00 avg10=1.00\r\nsome avg10=1.00 avg60=2.00 avg300=3.00 total=9 avg1=0.5\r\nnone avg10=1\r\n"), "x");
        Assert.Equal(new PressureLine(1, 2, 3, 9), p.Some);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("\n", 2)]
    [InlineData("some avg10=2.22 avg60=13.43 avg300=6.56\n", 1)]                      // truncated mid-line
    [InlineData("some avg10=2.22 avg60=13.43 avg300=6.56 total=1\nfull avg10=0.00 avg6", 2)]
    [InlineData("some avg10=abc avg60=1.00 avg300=1.00 total=1\n", 1)]
    [InlineData("some avg10=-1.00 avg60=1.00 avg300=1.00 total=1\n", 1)]
    [InlineData("some avg10=NaN avg60=1.00 avg300=1.00 total=1\n", 1)]
    [InlineData("some avg10=1.00 avg60=1.00 avg300=1.00 total=-1\n", 1)]
    [InlineData("some avg10 avg60=1.00 avg300=1.00 total=1\n", 1)]
    public void Malformed_or_truncated_name_file_and_line(string content, int line)
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.pressure", content);
        AssertFormatError(() => f.Reader.ReadPressure(f.Dir, "memory"), path, line);
    }

    [Fact]
    public void Reads_a_pressure_file_by_path()
    {
        using var f = new CgroupFixture();
        var path = f.Write("io", "some avg10=0.02 avg60=0.12 avg300=0.14 total=1846763\nfull avg10=0.02 avg60=0.10 avg300=0.13 total=1628898\n");
        Assert.Equal(1628898UL, f.Reader.ReadPressureFile(path)!.Value.Full!.Value.TotalUsec);
        Assert.Null(f.Reader.ReadPressureFile(path + "-gone"));
    }
}
