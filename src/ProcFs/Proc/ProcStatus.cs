using System.Diagnostics.CodeAnalysis;
using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>The four IDs of a Uid:/Gid: line of /proc/PID/status.</summary>
public readonly record struct IdSet(uint Real, uint Effective, uint Saved, uint FileSystem);

/// <summary>
/// /proc/PID/status, looked up by key (unknown keys are ignored, absent ones stay null/0: kernel threads have
/// no Vm* lines). Memory values are bytes; the kernel prints kB.
/// </summary>
public sealed class ProcStatus
{
    /// <summary>Name:, with the kernel's escapes (\n, \\) undone so it equals comm from stat.</summary>
    public string Name { get; private set; } = "";
    /// <summary>The letter of State: ("R (running)" → 'R'); '\0' when absent.</summary>
    public char State { get; private set; }
    public int Tgid { get; private set; }
    public int Pid { get; private set; }
    public int PPid { get; private set; }
    public IdSet? Uid { get; private set; }
    public IdSet? Gid { get; private set; }
    /// <summary>NSpid:, the PID in each nested PID namespace, outermost (host) first.</summary>
    public int[] NSpid { get; private set; } = [];
    public int Threads { get; private set; }
    public ulong? VmRss { get; private set; }
    public ulong? VmSize { get; private set; }
    public ulong? VmSwap { get; private set; }
    public ulong? RssAnon { get; private set; }
    public ulong? RssFile { get; private set; }
    public ulong? RssShmem { get; private set; }
    public ulong VoluntaryCtxtSwitches { get; private set; }
    public ulong NonvoluntaryCtxtSwitches { get; private set; }
    /// <summary>Cpus_allowed_list: as printed, e.g. "0-3,8".</summary>
    public string? CpusAllowedList { get; private set; }
    /// <summary>SigCgt: the signals with a handler, bit N−1 for signal N.</summary>
    public ulong SignalsCaught { get; private set; }
    /// <summary>SigIgn: the signals ignored, bit N−1 for signal N.</summary>
    public ulong SignalsIgnored { get; private set; }

    /// <summary>Whether the process catches or ignores signal <paramref name="signal"/> (1–64).</summary>
    public bool Handles(int signal) => signal is >= 1 and <= 64 && ((SignalsCaught | SignalsIgnored) & (1UL << (signal - 1))) != 0;

    public static ProcStatus Parse(ReadOnlySpan<byte> data, string filePath)
    {
        var s = new ProcStatus();
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (Utf8.Trim(line).IsEmpty) continue;
            if (!Utf8.SplitKeyValue(line, (byte)':', out var key, out var value))
                throw ProcFsFormatException.At(filePath, lines.Number, line, "expected 'Key: value'");
            if (!s.Apply(line, key, value))
                throw ProcFsFormatException.At(filePath, lines.Number, line, $"bad value for {Utf8.Decode(key)}");
        }
        return s;
    }

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out ProcStatus? status)
    {
        var s = new ProcStatus();
        status = null;
        foreach (var line in new LineEnumerator(data))
        {
            if (Utf8.Trim(line).IsEmpty) continue;
            if (!Utf8.SplitKeyValue(line, (byte)':', out var key, out var value) || !s.Apply(line, key, value)) return false;
        }
        status = s;
        return true;
    }

    /// <summary>
    /// Only the Uid: line, without building a ProcStatus (a sampler needs nothing else, once per process): null when
    /// there is none; a malformed one throws, naming the file and line.
    /// </summary>
    public static IdSet? ParseUid(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (!Utf8.SplitKeyValue(line, (byte)':', out var key, out var value) || !key.SequenceEqual("Uid"u8)) continue;
            if (!TryIds(value, out var uid)) throw ProcFsFormatException.At(new string(filePath), lines.Number, line, "bad value for Uid");
            return uid;
        }
        return null;
    }

    /// <summary>Stores a known key's value; false when the value is malformed.</summary>
    private bool Apply(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int i;
        ulong u;
        switch (key)
        {
            case var k when k.SequenceEqual("Name"u8):
                // Untrimmed: a name may begin or end with spaces. The kernel writes "Name:\t<name>".
                var raw = line[(key.Length + 1)..];
                Name = Unescape(raw.IsEmpty || raw[0] != (byte)'\t' ? raw : raw[1..]);
                return true;
            case var k when k.SequenceEqual("State"u8):
                if (value.IsEmpty) return false;
                State = (char)value[0];
                return true;
            case var k when k.SequenceEqual("Tgid"u8): if (!Utf8.TryParseInt32(value, out i)) return false; Tgid = i; return true;
            case var k when k.SequenceEqual("Pid"u8): if (!Utf8.TryParseInt32(value, out i)) return false; Pid = i; return true;
            case var k when k.SequenceEqual("PPid"u8): if (!Utf8.TryParseInt32(value, out i)) return false; PPid = i; return true;
            case var k when k.SequenceEqual("Threads"u8): if (!Utf8.TryParseInt32(value, out i)) return false; Threads = i; return true;
            case var k when k.SequenceEqual("Uid"u8): { if (!TryIds(value, out var ids)) return false; Uid = ids; return true; }
            case var k when k.SequenceEqual("Gid"u8): { if (!TryIds(value, out var ids)) return false; Gid = ids; return true; }
            case var k when k.SequenceEqual("NSpid"u8): { if (!TryInts(value, out var ids)) return false; NSpid = ids; return true; }
            case var k when k.SequenceEqual("VmRSS"u8): if (!Fields.TryParseKb(value, true, out u)) return false; VmRss = u; return true;
            case var k when k.SequenceEqual("VmSize"u8): if (!Fields.TryParseKb(value, true, out u)) return false; VmSize = u; return true;
            case var k when k.SequenceEqual("VmSwap"u8): if (!Fields.TryParseKb(value, true, out u)) return false; VmSwap = u; return true;
            case var k when k.SequenceEqual("RssAnon"u8): if (!Fields.TryParseKb(value, true, out u)) return false; RssAnon = u; return true;
            case var k when k.SequenceEqual("RssFile"u8): if (!Fields.TryParseKb(value, true, out u)) return false; RssFile = u; return true;
            case var k when k.SequenceEqual("RssShmem"u8): if (!Fields.TryParseKb(value, true, out u)) return false; RssShmem = u; return true;
            case var k when k.SequenceEqual("voluntary_ctxt_switches"u8):
                if (!Utf8.TryParseUInt64(value, out u)) return false; VoluntaryCtxtSwitches = u; return true;
            case var k when k.SequenceEqual("nonvoluntary_ctxt_switches"u8):
                if (!Utf8.TryParseUInt64(value, out u)) return false; NonvoluntaryCtxtSwitches = u; return true;
            case var k when k.SequenceEqual("Cpus_allowed_list"u8): CpusAllowedList = Utf8.Decode(value); return true;
            case var k when k.SequenceEqual("SigCgt"u8): if (!TryHex(value, out u)) return false; SignalsCaught = u; return true;
            case var k when k.SequenceEqual("SigIgn"u8): if (!TryHex(value, out u)) return false; SignalsIgnored = u; return true;
            default: return true;
        }
    }

    private static bool TryHex(ReadOnlySpan<byte> value, out ulong u) =>
        ulong.TryParse(Utf8.Trim(value), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out u);

    private static bool TryIds(ReadOnlySpan<byte> value, out IdSet ids)
    {
        ids = default;
        Span<uint> v = stackalloc uint[4];
        for (int i = 0; i < 4; i++)
        {
            if (!Fields.Next(ref value, out var t) || !Utf8.TryParseUInt64(t, out ulong u) || u > uint.MaxValue) return false;
            v[i] = (uint)u;
        }
        if (Fields.Next(ref value, out _)) return false;
        ids = new IdSet(v[0], v[1], v[2], v[3]);
        return true;
    }

    private static bool TryInts(ReadOnlySpan<byte> value, out int[] ints)
    {
        var list = new List<int>(2);
        while (Fields.Next(ref value, out var t))
        {
            if (!Utf8.TryParseInt32(t, out int n)) { ints = []; return false; }
            list.Add(n);
        }
        ints = list.ToArray();
        return true;
    }

    // status escapes only '\n' and '\\' in Name (seq_escape_str with ESCAPE_SPACE|ESCAPE_SPECIAL, only "\n\\").
    private static string Unescape(ReadOnlySpan<byte> value)
    {
        if (value.IndexOf((byte)'\\') < 0) return Utf8.Decode(value);
        var buf = new byte[value.Length];
        int n = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == (byte)'\\' && i + 1 < value.Length)
            {
                byte next = value[i + 1];
                if (next == (byte)'n') { buf[n++] = (byte)'\n'; i++; continue; }
                if (next == (byte)'\\') { buf[n++] = (byte)'\\'; i++; continue; }
            }
            buf[n++] = value[i];
        }
        return Utf8.Decode(buf.AsSpan(0, n));
    }
}
