using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>One line of /proc/PID/cgroup: "HIERARCHY-ID:CONTROLLERS:PATH" (v2 is always "0::PATH").</summary>
public sealed record CgroupMembership(int HierarchyId, IReadOnlyList<string> Controllers, string Path, bool Deleted)
{
    public bool IsUnified => HierarchyId == 0 && Controllers.Count == 0;
}

/// <summary>
/// /proc/PID/cgroup. Paths are relative to the reader's cgroup namespace root: "/" for the namespace
/// root, "/../x" for cgroups outside it; a zombie whose cgroup was removed gets " (deleted)".
/// </summary>
public sealed class ProcPidCgroup
{
    private const string DeletedSuffix = " (deleted)";

    public ProcPidCgroup(IReadOnlyList<CgroupMembership> entries) => Entries = entries;

    public IReadOnlyList<CgroupMembership> Entries { get; }

    /// <summary>The v2 line ("0::/path"), present on v2 and hybrid hosts.</summary>
    public CgroupMembership? Unified => Entries.FirstOrDefault(e => e.IsUnified);

    /// <summary>The v1 line whose controller list holds <paramref name="controller"/> (or "name=systemd").</summary>
    public CgroupMembership? V1For(string controller) =>
        Entries.FirstOrDefault(e => !e.IsUnified && e.Controllers.Contains(controller));

    public static ProcPidCgroup Parse(ReadOnlySpan<byte> data, string filePath)
    {
        var list = new List<CgroupMembership>();
        var lines = new LineEnumerator(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (line.IsEmpty) continue;
            int c1 = line.IndexOf((byte)':');
            int c2 = c1 < 0 ? -1 : line[(c1 + 1)..].IndexOf((byte)':');
            if (c1 <= 0 || c2 < 0 || !Utf8.TryParseInt32(line[..c1], out int id) || id < 0)
                throw ProcFsFormatException.At(filePath, lines.Number, line, "expected HIERARCHY-ID:CONTROLLERS:PATH");
            c2 += c1 + 1;
            var controllers = Utf8.Decode(line[(c1 + 1)..c2]).Split(',', StringSplitOptions.RemoveEmptyEntries);
            var path = Utf8.Decode(line[(c2 + 1)..]);
            bool deleted = path.EndsWith(DeletedSuffix, StringComparison.Ordinal);
            if (deleted) path = path[..^DeletedSuffix.Length];
            if (!path.StartsWith('/'))
                throw ProcFsFormatException.At(filePath, lines.Number, line, "cgroup path must start with '/'");
            list.Add(new CgroupMembership(id, controllers, path, deleted));
        }
        return new ProcPidCgroup(list);
    }
}
