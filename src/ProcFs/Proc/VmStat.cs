using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// /proc/vmstat, its "oom_kill N" line only: the host's OOM kills since boot (Linux 4.13+). The kernel counts every kill
/// there, global or in a memory cgroup, just before it counts it in the victim's cgroup. Null when the kernel does not
/// print it. The other ~180 lines are not parsed: the line is looked for, not walked to.
/// </summary>
public readonly record struct VmStat(ulong? OomKills)
{
    public static VmStat Parse(ReadOnlySpan<byte> data, string filePath)
    {
        ReadOnlySpan<byte> key = "oom_kill "u8;
        int at = data.StartsWith(key) ? 0 : data.IndexOf("\noom_kill "u8) is int i and >= 0 ? i + 1 : -1;
        if (at < 0) return new VmStat(null);
        var line = data[at..];
        int end = line.IndexOf((byte)'\n');
        if (end >= 0) line = line[..end];
        if (Utf8.TryParseUInt64(Utf8.Trim(line[key.Length..]), out ulong kills)) return new VmStat(kills);
        throw ProcFsFormatException.At(filePath, data[..at].Count((byte)'\n') + 1, line, "value of 'oom_kill' is not an unsigned 64-bit integer");
    }
}
