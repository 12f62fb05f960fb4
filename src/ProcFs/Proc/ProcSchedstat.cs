using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>/proc/PID/schedstat: time on CPU (ns), time waiting on a run queue (ns), timeslices run.</summary>
public readonly record struct ProcSchedstat(ulong RunTimeNs, ulong WaitTimeNs, ulong Timeslices)
{
    public static ProcSchedstat Parse(ReadOnlySpan<byte> data, string filePath) =>
        TryParse(data, out var s) ? s : throw ProcFsFormatException.At(filePath, 1, Utf8.Trim(data), "expected three numbers");

    public static bool TryParse(ReadOnlySpan<byte> data, out ProcSchedstat schedstat)
    {
        schedstat = default;
        var rest = Utf8.Trim(data);
        if (!Fields.Next(ref rest, out var a) || !Utf8.TryParseUInt64(a, out ulong run)) return false;
        if (!Fields.Next(ref rest, out var b) || !Utf8.TryParseUInt64(b, out ulong wait)) return false;
        if (!Fields.Next(ref rest, out var c) || !Utf8.TryParseUInt64(c, out ulong slices)) return false;
        schedstat = new ProcSchedstat(run, wait, slices);
        return true;
    }
}
