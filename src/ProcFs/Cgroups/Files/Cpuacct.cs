using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>v1 <c>cpuacct.usage</c> (total ns, cgroup and descendants) and <c>cpuacct.usage_percpu</c> (ns per possible CPU).</summary>
public static class CpuacctUsage
{
    /// <summary><c>cpuacct.usage</c>, <c>cpuacct.usage_user</c>, <c>cpuacct.usage_sys</c>: one number of ns.</summary>
    public static ulong Parse(ReadOnlySpan<byte> data, string filePath) => CgroupValue.ParseCounter(data, filePath.AsSpan());

    /// <summary><c>cpuacct.usage_percpu</c> (and _user/_sys): space separated ns, the kernel adds a trailing space.</summary>
    public static ulong[] ParsePerCpu(ReadOnlySpan<byte> data, string filePath) => ParsePerCpu(data, filePath.AsSpan());

    internal static ulong[] ParsePerCpu(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var line = CgroupParse.SingleLine(data, filePath);
        if (line.IsEmpty) throw CgroupParse.Error(filePath, 1, line, "empty file, expected per-CPU nanoseconds");
        int n = 0;
        var rest = line;
        while (Utf8.NextToken(ref rest, out _)) n++;
        var result = new ulong[n];
        rest = line;
        for (int i = 0; Utf8.NextToken(ref rest, out var tok); i++)
            result[i] = Utf8.TryParseUInt64(tok, out var v) ? v : throw CgroupParse.Error(filePath, 1, line, $"CPU {i} usage is not an unsigned 64-bit integer");
        return result;
    }
}

/// <summary>v1 <c>cpuacct.stat</c>: user and system time in USER_HZ ticks (coarse; prefer cpuacct.usage).</summary>
public readonly record struct CpuacctStat(ulong UserTicks, ulong SystemTicks)
{
    public static CpuacctStat Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static CpuacctStat Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var r = new FlatKeyed(data, filePath);
        ulong? user = null, system = null;
        while (r.MoveNext())
        {
            if (r.Is("user"u8)) user = r.U64();
            else if (r.Is("system"u8)) system = r.U64();
        }
        return new CpuacctStat(user ?? throw r.MissingKey("user"), system ?? throw r.MissingKey("system"));
    }
}

/// <summary>One row of <c>cpuacct.usage_all</c>.</summary>
public readonly record struct CpuacctCpuTimes(int Cpu, ulong UserNs, ulong SystemNs);

/// <summary>
/// v1 <c>cpuacct.usage_all</c>: a header "cpu user system" then one row per possible CPU, times in ns.
/// Columns are located by their header name rather than by position.
/// </summary>
public sealed class CpuacctUsageAll
{
    private CpuacctUsageAll(CpuacctCpuTimes[] cpus)
    {
        Cpus = cpus;
        foreach (var c in cpus) { UserNs += c.UserNs; SystemNs += c.SystemNs; }
    }

    public IReadOnlyList<CpuacctCpuTimes> Cpus { get; }
    /// <summary>Sums over all CPUs.</summary>
    public ulong UserNs { get; }
    public ulong SystemNs { get; }

    public static CpuacctUsageAll Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static CpuacctUsageAll Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var lines = new LineEnumerator(data);
        if (!lines.MoveNext() || Utf8.Trim(lines.Current).IsEmpty)
            throw CgroupParse.Error(filePath, 1, default, "empty file, expected the header 'cpu user system'");
        var header = lines.Current;
        int cpuCol = -1, userCol = -1, sysCol = -1, columns = 0;
        var rest = header;
        while (Utf8.NextToken(ref rest, out var name))
        {
            if (name.SequenceEqual("cpu"u8)) cpuCol = columns;
            else if (name.SequenceEqual("user"u8)) userCol = columns;
            else if (name.SequenceEqual("system"u8)) sysCol = columns;
            columns++;
        }
        if (cpuCol < 0 || userCol < 0 || sysCol < 0)
            throw CgroupParse.Error(filePath, 1, header, "header lacks one of the columns 'cpu', 'user', 'system'");

        var rows = new List<CpuacctCpuTimes>(Environment.ProcessorCount);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (Utf8.Trim(line).IsEmpty) continue;
            int cpu = -1, col = 0;
            ulong user = 0, sys = 0;
            rest = line;
            while (Utf8.NextToken(ref rest, out var tok))
            {
                if (col == cpuCol && (!Utf8.TryParseInt32(tok, out cpu) || cpu < 0))
                    throw CgroupParse.Error(filePath, lines.Number, line, "CPU number is not a non-negative integer");
                else if (col == userCol) user = CgroupParse.U64(tok, filePath, lines.Number, line, "user time");
                else if (col == sysCol) sys = CgroupParse.U64(tok, filePath, lines.Number, line, "system time");
                col++;
            }
            if (col < columns) throw CgroupParse.Error(filePath, lines.Number, line, $"expected {columns} columns, found {col}");
            rows.Add(new CpuacctCpuTimes(cpu, user, sys));
        }
        return new CpuacctUsageAll(rows.ToArray());
    }
}
