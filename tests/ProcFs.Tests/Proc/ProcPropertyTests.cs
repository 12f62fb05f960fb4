using System.Globalization;
using System.Text;
using CsCheck;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

public class ProcPropertyTests
{
    /// <summary>The values a kernel could print into one stat line, and the line it would print.</summary>
    public sealed record StatSample(byte[] Comm, char State, int[] Ints, uint Flags, ulong[] ULongs, long[] Longs, ulong[] Extra)
    {
        // Ints: pid ppid pgrp session tty_nr tpgid priority nice num_threads processor
        // ULongs: minflt cminflt majflt cmajflt utime stime starttime vsize rss
        public byte[] Line()
        {
            var inv = CultureInfo.InvariantCulture;
            string I(int i) => Ints[i].ToString(inv);
            string U(int i) => ULongs[i].ToString(inv);
            var after = new List<string>
            {
                State.ToString(), I(1), I(2), I(3), I(4), I(5), Flags.ToString(inv),
                U(0), U(1), U(2), U(3), U(4), U(5), Longs[0].ToString(inv), Longs[1].ToString(inv),
                I(6), I(7), I(8), "0", U(6), U(7), U(8),
            };
            for (int i = 0; i < 14; i++) after.Add(((ulong)i * 7919).ToString(inv)); // rsslim … exit_signal
            after.Add(I(9));
            after.AddRange(Extra.Select(e => e.ToString(inv)));
            var bytes = new List<byte>();
            bytes.AddRange(Encoding.ASCII.GetBytes(I(0) + " ("));
            bytes.AddRange(Comm);
            bytes.AddRange(Encoding.ASCII.GetBytes(") " + string.Join(' ', after) + "\n"));
            return bytes.ToArray();
        }
    }

    private static readonly Gen<byte> CommByte = Gen.Frequency(
        (3, (IGen<byte>)Gen.Byte),
        (2, Gen.OneOf((byte)'(', (byte)')', (byte)' ', (byte)'\n')),
        (2, Gen.Byte[(byte)'a', (byte)'z']));

    private static readonly Gen<ulong> Counter = Gen.Frequency(
        (4, (IGen<ulong>)Gen.ULong),
        (1, Gen.OneOf(0UL, ulong.MaxValue, (ulong)uint.MaxValue, (ulong)uint.MaxValue + 1)),
        (3, Gen.ULong[0, 100_000]));

    private static readonly Gen<StatSample> Stat = Gen.Select(
        CommByte.Array[0, 15],
        Gen.OneOf('R', 'S', 'D', 'Z', 'T', 't', 'X', 'I', 'P'),
        Gen.Int.Array[10],
        Gen.UInt,
        Counter.Array[9],
        Gen.Long.Array[2],
        Counter.Array[0, 20],
        (comm, state, ints, flags, ulongs, longs, extra) => new StatSample(comm, state, ints, flags, ulongs, longs, extra));

    [Fact]
    public void Stat_lines_round_trip_through_the_parser()
    {
        Stat.Sample(x =>
        {
            var s = ProcStat.Parse(x.Line(), "/proc/x/stat");
            Assert.Equal(x.Comm, s.CommBytes.ToArray());
            Assert.Equal(x.State, s.State);
            Assert.Equal(x.Ints[0], s.Pid);
            Assert.Equal(x.Ints[1], s.Ppid);
            Assert.Equal(x.Ints[2], s.Pgrp);
            Assert.Equal(x.Ints[3], s.Session);
            Assert.Equal(x.Ints[4], s.TtyNr);
            Assert.Equal(x.Ints[5], s.Tpgid);
            Assert.Equal(x.Flags, s.Flags);
            Assert.Equal(x.ULongs[0], s.MinFlt);
            Assert.Equal(x.ULongs[1], s.CMinFlt);
            Assert.Equal(x.ULongs[2], s.MajFlt);
            Assert.Equal(x.ULongs[3], s.CMajFlt);
            Assert.Equal(x.ULongs[4], s.UTime);
            Assert.Equal(x.ULongs[5], s.STime);
            Assert.Equal(x.Longs[0], s.CUTime);
            Assert.Equal(x.Longs[1], s.CSTime);
            Assert.Equal(x.Ints[6], s.Priority);
            Assert.Equal(x.Ints[7], s.Nice);
            Assert.Equal(x.Ints[8], s.NumThreads);
            Assert.Equal(x.ULongs[6], s.StartTime);
            Assert.Equal(x.ULongs[7], s.VSize);
            Assert.Equal(x.ULongs[8], s.Rss);
            Assert.Equal(x.Ints[9], s.Processor);
            Assert.Equal((x.Flags & 0x00200000) != 0, s.IsKernelThread);
            Assert.Equal(Encoding.UTF8.GetString(x.Comm), s.GetComm());
        });
    }

    [Fact]
    public void Stat_lines_cut_before_processor_throw_a_format_error()
    {
        Gen.Select(Stat, Gen.Double[0, 1]).Sample((x, frac) =>
        {
            var line = x.Line();
            // The space before processor (field 39) is the 37th after the last ')'; cutting there or earlier loses it.
            int i = Array.LastIndexOf(line, (byte)')');
            for (int spaces = 0; spaces < 37; i++) if (line[i + 1] == (byte)' ') spaces++;
            int cut = (int)(frac * i);
            var e = Assert.Throws<ProcFsFormatException>(() => ProcStat.Parse(line.AsSpan(0, cut), "/proc/x/stat"));
            Assert.Equal("/proc/x/stat", e.FilePath);
        });
    }

    [Fact]
    public void Interned_comm_equals_decoded_comm()
    {
        var interner = new CommInterner(16);
        CommByte.Array[0, 15].Sample(comm =>
        {
            lock (interner) Assert.Equal(Encoding.UTF8.GetString(comm), interner.Intern(comm));
        });
    }

    [Fact]
    public void Numbers_parse_exactly()
    {
        Counter.Sample(u =>
        {
            var stat = Samples.CatStat.Split(' ');
            stat[13] = u.ToString(CultureInfo.InvariantCulture); // utime
            stat[21] = u.ToString(CultureInfo.InvariantCulture); // starttime
            var s = ProcStat.Parse(Encoding.ASCII.GetBytes(string.Join(' ', stat)), "x");
            Assert.Equal(u, s.UTime);
            Assert.Equal(u, s.StartTime);
            var status = ProcStatus.Parse(Encoding.ASCII.GetBytes($"voluntary_ctxt_switches:\t{u}\n"), "x");
            Assert.Equal(u, status.VoluntaryCtxtSwitches);
            var sched = ProcSchedstat.Parse(Encoding.ASCII.GetBytes($"{u} 0 {u}\n"), "x");
            Assert.Equal(new ProcSchedstat(u, 0, u), sched);
            var cpu = SystemStat.Parse(Encoding.ASCII.GetBytes($"cpu  {u} 1 2 3\nctxt {u}\n"), "x");
            Assert.Equal(u, cpu.Cpu.User);
            Assert.Equal(u, cpu.ContextSwitches);
            if (u <= ulong.MaxValue / 1024)
                Assert.Equal(u * 1024, MemInfo.Parse(Encoding.ASCII.GetBytes($"MemTotal: {u} kB\n"), "x").MemTotal);
            else
                Assert.Throws<ProcFsFormatException>(() => MemInfo.Parse(Encoding.ASCII.GetBytes($"MemTotal: {u} kB\n"), "x"));
        });
    }

    [Theory]
    [InlineData("18446744073709551615", true)]
    [InlineData("0", true)]
    [InlineData("18446744073709551616", false)]
    [InlineData("99999999999999999999", false)]
    [InlineData("-0", false)]
    [InlineData("0x10", false)]
    [InlineData("1e3", false)]
    [InlineData(" ", false)]
    public void Counter_format_edges(string utime, bool ok)
    {
        var stat = Samples.CatStat.Split(' ');
        stat[13] = utime;
        var bytes = Encoding.ASCII.GetBytes(string.Join(' ', stat));
        Assert.Equal(ok, ProcStat.TryParse(bytes, out var s));
        if (ok) Assert.Equal(ulong.Parse(utime, CultureInfo.InvariantCulture), s.UTime);
    }

    /// <summary>Random bytes and damaged real files: a parser may reject them only with ProcFsFormatException.</summary>
    private static readonly Gen<byte[]> Garbage = Gen.Frequency(
        (1, (IGen<byte[]>)Gen.Byte.Array[0, 400]),
        (3, Gen.Select(
            Gen.OneOf(Samples.CatStat, Samples.KworkerStat, Samples.CatStatus, Samples.KthreaddStatus, Samples.SystemStat,
                Samples.MemInfo, Samples.LoadAvg, Samples.Uptime, Samples.VmStat, Samples.Schedstat),
            Gen.Int[0, 10].SelectMany(n => Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte).Array[n]),
            Gen.Double[0, 1.2],
            (text, edits, cut) =>
            {
                var b = Encoding.UTF8.GetBytes(text);
                foreach (var (pos, val) in edits) b[pos % b.Length] = val;
                return b.AsSpan(0, Math.Min(b.Length, (int)(cut * b.Length))).ToArray();
            })));

    [Fact]
    public void Garbage_only_ever_throws_ProcFsFormatException()
    {
        Garbage.Sample(data =>
        {
            Accept(() => ProcStat.Parse(data, "g"));
            Accept(() => ProcStat.TryParse(data, out _));
            Accept(() => ProcStatus.Parse(data, "g"));
            Accept(() => ProcStatus.TryParse(data, out _));
            Accept(() => ProcSchedstat.Parse(data, "g"));
            Accept(() => SystemStat.Parse(data, "g"));
            Accept(() => MemInfo.Parse(data, "g"));
            Accept(() => LoadAvg.Parse(data, "g"));
            Accept(() => Uptime.Parse(data, "g"));
            Accept(() => VmStat.Parse(data, "g"));
            ProcCmdline.Parse(data, "g"); // never throws at all
        }, iter: 20_000);
    }

    private static void Accept(Action parse)
    {
        try { parse(); }
        catch (ProcFsFormatException e) { Assert.Equal("g", e.FilePath); }
    }
}
