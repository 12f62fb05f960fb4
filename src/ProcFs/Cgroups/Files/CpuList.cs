using System.Collections;
using System.Globalization;
using System.Text;
using ProcFs.Parsing;

namespace ProcFs.Cgroups;

/// <summary>An inclusive run of CPU (or memory node) numbers.</summary>
public readonly record struct CpuRange(int First, int Last)
{
    public int Count => Last - First + 1;
}

/// <summary>
/// The kernel's list syntax for CPU and node sets ("0-3,5,7-8"; empty = none), used by <c>cpuset.cpus</c>,
/// <c>cpuset.effective_cpus</c> (v1), <c>cpuset.cpus.effective</c> (v2) and <c>cpuset.mems</c>.
/// Stored as sorted, merged ranges, so ToString is the canonical form the kernel prints.
/// </summary>
public sealed class CpuList : IReadOnlyCollection<int>, IEquatable<CpuList>
{
    /// <summary>Far above the kernel's NR_CPUS maximum (8192); only rejects numbers no kernel prints.</summary>
    public const int MaxNumber = (1 << 20) - 1;

    private readonly CpuRange[] _ranges;

    private CpuList(CpuRange[] sortedMerged)
    {
        _ranges = sortedMerged;
        foreach (var r in sortedMerged) Count += r.Count;
    }

    public static CpuList Empty { get; } = new(Array.Empty<CpuRange>());

    public IReadOnlyList<CpuRange> Ranges => _ranges;
    public int Count { get; }
    public bool IsEmpty => Count == 0;

    public bool Contains(int cpu)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = _ranges[mid];
            if (cpu < r.First) hi = mid - 1;
            else if (cpu > r.Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    public static CpuList FromCpus(IEnumerable<int> cpus)
    {
        var list = new List<CpuRange>();
        foreach (var c in cpus)
        {
            if (c is < 0 or > MaxNumber) throw new ArgumentOutOfRangeException(nameof(cpus), c, $"CPU numbers are 0–{MaxNumber}");
            list.Add(new CpuRange(c, c));
        }
        return Normalize(list);
    }

    public static CpuList Parse(ReadOnlySpan<byte> data, string filePath) => Parse(data, filePath.AsSpan());

    internal static CpuList Parse(ReadOnlySpan<byte> data, ReadOnlySpan<char> filePath)
    {
        var line = CgroupParse.SingleLine(data, filePath);
        if (line.IsEmpty) return Empty;
        var list = new List<CpuRange>();
        var rest = line;
        while (true)
        {
            int comma = rest.IndexOf((byte)',');
            var item = comma < 0 ? rest : rest[..comma];
            if (item.IsEmpty) throw CgroupParse.Error(filePath, 1, line, "empty element in CPU list");
            int dash = item.IndexOf((byte)'-');
            int first = Number(dash < 0 ? item : item[..dash], filePath, line);
            int last = dash < 0 ? first : Number(item[(dash + 1)..], filePath, line);
            if (last < first) throw CgroupParse.Error(filePath, 1, line, $"descending range '{Utf8.Decode(item)}' in CPU list");
            list.Add(new CpuRange(first, last));
            if (comma < 0) break;
            rest = rest[(comma + 1)..];
        }
        return Normalize(list);
    }

    private static int Number(ReadOnlySpan<byte> s, ReadOnlySpan<char> filePath, ReadOnlySpan<byte> line)
    {
        // TryParseInt32 alone would accept "+1"; the kernel only prints digits.
        if (s.IsEmpty) throw CgroupParse.Error(filePath, 1, line, "'' is not a CPU number");
        foreach (var b in s)
            if (b is < (byte)'0' or > (byte)'9') throw CgroupParse.Error(filePath, 1, line, $"'{Utf8.Decode(s)}' is not a CPU number");
        if (!Utf8.TryParseInt32(s, out int n) || n > MaxNumber)
            throw CgroupParse.Error(filePath, 1, line, $"CPU number '{Utf8.Decode(s)}' out of range 0–{MaxNumber}");
        return n;
    }

    /// <summary>Sorts and merges overlapping or adjacent ranges; hand-written lists may be unordered.</summary>
    private static CpuList Normalize(List<CpuRange> ranges)
    {
        if (ranges.Count == 0) return Empty;
        ranges.Sort((a, b) => a.First.CompareTo(b.First));
        var merged = new List<CpuRange>(ranges.Count) { ranges[0] };
        for (int i = 1; i < ranges.Count; i++)
        {
            var last = merged[^1];
            var r = ranges[i];
            if (r.First <= last.Last + 1) merged[^1] = last with { Last = Math.Max(last.Last, r.Last) };
            else merged.Add(r);
        }
        return new CpuList(merged.ToArray());
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var r in _ranges)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(r.First.ToString(CultureInfo.InvariantCulture));
            if (r.Last != r.First) sb.Append('-').Append(r.Last.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public IEnumerator<int> GetEnumerator()
    {
        foreach (var r in _ranges)
            for (int c = r.First; c <= r.Last; c++) yield return c;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(CpuList? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);
    public override bool Equals(object? obj) => Equals(obj as CpuList);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var r in _ranges) h.Add(r);
        return h.ToHashCode();
    }
}
