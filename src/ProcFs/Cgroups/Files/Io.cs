using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>
/// Cumulative block IO of a cgroup, the one model for v2 <c>io.stat</c> and v1 <c>blkio.throttle.*</c>.
/// Discard counters are 0 where the kernel does not report them.
/// </summary>
public readonly record struct IoTotals(ulong ReadBytes, ulong WriteBytes, ulong ReadIos, ulong WriteIos, ulong DiscardBytes = 0, ulong DiscardIos = 0)
{
    public static IoTotals operator +(IoTotals a, IoTotals b) => new(
        a.ReadBytes + b.ReadBytes, a.WriteBytes + b.WriteBytes, a.ReadIos + b.ReadIos, a.WriteIos + b.WriteIos,
        a.DiscardBytes + b.DiscardBytes, a.DiscardIos + b.DiscardIos);
}

/// <summary>One device line of <c>io.stat</c>.</summary>
public readonly record struct IoDeviceStat(uint Major, uint Minor, IoTotals Io);

/// <summary>
/// v2 <c>io.stat</c>: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device, in any order, with
/// extra keys (cost.*, latency stats) tolerated. Empty for a cgroup that has done no IO.
/// </summary>
public sealed class IoStat
{
    private IoStat(IoDeviceStat[] devices)
    {
        Devices = devices;
        foreach (var d in devices) Totals += d.Io;
    }

    public IReadOnlyList<IoDeviceStat> Devices { get; }
    /// <summary>Sum over all devices.</summary>
    public IoTotals Totals { get; }

    public static IoStat Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static IoStat Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        List<IoDeviceStat>? devices = null;
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            var rest = Utf8.Trim(line);
            if (rest.IsEmpty) continue;
            Utf8.NextToken(ref rest, out var dev);
            var (major, minor) = Device(dev, filePath, lines.Number, line);
            ulong rb = 0, wb = 0, ri = 0, wi = 0, db = 0, di = 0;
            while (Utf8.NextToken(ref rest, out var kv))
            {
                int eq = kv.IndexOf((byte)'=');
                if (eq <= 0) throw CgroupParse.Error(filePath, lines.Number, line, $"expected key=value, found '{Utf8.Decode(kv)}'");
                var key = kv[..eq];
                var value = kv[(eq + 1)..];
                if (key.SequenceEqual("rbytes"u8)) rb = CgroupParse.U64(value, filePath, lines.Number, line, "rbytes");
                else if (key.SequenceEqual("wbytes"u8)) wb = CgroupParse.U64(value, filePath, lines.Number, line, "wbytes");
                else if (key.SequenceEqual("rios"u8)) ri = CgroupParse.U64(value, filePath, lines.Number, line, "rios");
                else if (key.SequenceEqual("wios"u8)) wi = CgroupParse.U64(value, filePath, lines.Number, line, "wios");
                else if (key.SequenceEqual("dbytes"u8)) db = CgroupParse.U64(value, filePath, lines.Number, line, "dbytes");
                else if (key.SequenceEqual("dios"u8)) di = CgroupParse.U64(value, filePath, lines.Number, line, "dios");
                // Other keys (cost.vrate=100.00, avg_lat=..., ...) may not even be integers: ignored.
            }
            (devices ??= new List<IoDeviceStat>()).Add(new IoDeviceStat(major, minor, new IoTotals(rb, wb, ri, wi, db, di)));
        }
        return new IoStat(devices is null ? Array.Empty<IoDeviceStat>() : devices.ToArray());
    }

    internal static (uint Major, uint Minor) Device(ReadOnlySpan<byte> dev, ReadOnlySpan<char> filePath, int lineNumber, ReadOnlySpan<byte> line)
    {
        int colon = dev.IndexOf((byte)':');
        if (colon <= 0 || !Utf8.TryParseInt64(dev[..colon], out long major) || !Utf8.TryParseInt64(dev[(colon + 1)..], out long minor)
            || major is < 0 or > uint.MaxValue || minor is < 0 or > uint.MaxValue)
            throw CgroupParse.Error(filePath, lineNumber, line, $"'{Utf8.Decode(dev)}' is not a MAJ:MIN device number");
        return ((uint)major, (uint)minor);
    }
}

/// <summary>
/// v1 <c>blkio.throttle.io_service_bytes</c> / <c>io_serviced</c> (and their _recursive forms): "MAJ:MIN Op N" per
/// device and operation, then a final "Total N". The unit is the file's (bytes or operations); the sums are over
/// devices. Unknown operations are ignored.
/// </summary>
public readonly record struct BlkioThrottle(ulong Read, ulong Write, ulong Sync, ulong Async, ulong Discard, ulong Total)
{
    public static BlkioThrottle Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    /// <summary>Combines io_service_bytes and io_serviced into the shared model.</summary>
    public static IoTotals ToIoTotals(BlkioThrottle serviceBytes, BlkioThrottle serviced) =>
        new(serviceBytes.Read, serviceBytes.Write, serviced.Read, serviced.Write, serviceBytes.Discard, serviced.Discard);

    internal static BlkioThrottle Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        ulong read = 0, write = 0, sync = 0, async = 0, discard = 0;
        ulong? total = null;
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            var rest = Utf8.Trim(line);
            if (rest.IsEmpty) continue;
            Utf8.NextToken(ref rest, out var first);
            if (!Utf8.NextToken(ref rest, out var second)) throw CgroupParse.Error(filePath, lines.Number, line, "expected 'MAJ:MIN Op N' or 'Total N'");
            if (first.SequenceEqual("Total"u8))
            {
                total = CgroupParse.U64(second, filePath, lines.Number, line, "Total");
                continue;
            }
            IoStat.Device(first, filePath, lines.Number, line);
            if (!Utf8.NextToken(ref rest, out var number)) throw CgroupParse.Error(filePath, lines.Number, line, "expected 'MAJ:MIN Op N', value missing");
            ulong n = CgroupParse.U64(number, filePath, lines.Number, line, "value");
            if (second.SequenceEqual("Read"u8)) read += n;
            else if (second.SequenceEqual("Write"u8)) write += n;
            else if (second.SequenceEqual("Sync"u8)) sync += n;
            else if (second.SequenceEqual("Async"u8)) async += n;
            else if (second.SequenceEqual("Discard"u8)) discard += n;
        }
        // The kernel always ends with "Total N" (even "Total 0" for an idle group): without it the file was cut short.
        if (total is null) throw CgroupParse.Error(filePath, lines.Number + 1, default, "missing final 'Total' line (truncated file?)");
        return new BlkioThrottle(read, write, sync, async, discard, total.Value);
    }
}
