using Ctop.Posix;

namespace Ctop.Launcher;

/// <summary>The namespaces ctop can create or enter, by the names util-linux and /proc/PID/ns use.</summary>
public static class Namespaces
{
    /// <summary>Name (as in /proc/PID/ns), --ns word, clone flag; in setns order (mnt last but before pid's children).</summary>
    public static readonly IReadOnlyList<(string Word, string ProcName, int Flag)> All =
    [
        ("pid", "pid", Native.CLONE_NEWPID),
        ("mnt", "mnt", Native.CLONE_NEWNS),
        ("uts", "uts", Native.CLONE_NEWUTS),
        ("ipc", "ipc", Native.CLONE_NEWIPC),
        ("net", "net", Native.CLONE_NEWNET),
        ("cgroup", "cgroup", Native.CLONE_NEWCGROUP),
    ];

    public const string DefaultList = "pid,mnt,uts,ipc";

    /// <summary>"pid,mnt,uts" → clone flags. "none" (or an empty list) is no namespaces at all.</summary>
    public static int Parse(string list)
    {
        int flags = 0;
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "none") continue;
            var w = raw == "mount" ? "mnt" : raw;
            var ns = All.FirstOrDefault(n => n.Word == w);
            if (ns.Word is null)
                throw new LimitArgsException($"--ns {list}: unknown namespace '{raw}' (known: {string.Join(", ", All.Select(n => n.Word))}, or none)");
            flags |= ns.Flag;
        }
        return flags;
    }

    public static string Format(int flags) =>
        flags == 0 ? "none" : string.Join(",", All.Where(n => (flags & n.Flag) != 0).Select(n => n.Word));

    /// <summary>The namespace inode text ("mnt:[4026531841]") of a process, or null when it is gone.</summary>
    public static string? Identity(string pid, string procName)
    {
        var proc = new ProcFs.Proc.ProcReader();
        return pid == "self" ? proc.ReadNamespace(procName)
            : int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
                ? proc.ReadNamespace(procName, n) : null;
    }
}

/// <summary>Container names: the last component of the cgroup path /ctop/NAME.</summary>
public static class ContainerName
{
    /// <summary>ctop-&lt;6 hex&gt;; 't' is not a hex digit, so a generated name never looks like a ctop-test-* cgroup.</summary>
    // Not secret, only unlikely to collide (an existing cgroup is refused anyway): Random, not RandomNumberGenerator,
    // whose first use loads OpenSSL and costs `ctop run` ~10 ms.
    public static string Generate() => "ctop-" + Random.Shared.Next(1 << 24).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Null when valid, else why not: one plain cgroup directory name, short enough for a hostname.</summary>
    public static string? Validate(string name)
    {
        if (name.Length is 0 or > 64) return "a name has 1 to 64 characters";
        if (name is "." or "..") return "a name cannot be . or ..";
        if (!char.IsAsciiLetterOrDigit(name[0])) return "a name starts with a letter or digit";
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return "a name uses letters, digits, '-', '_' and '.' only";
        return null;
    }

    /// <summary>Null when valid: a relative or absolute cgroup path of plain names ("ctop", "/batch/ctop").</summary>
    public static string? ValidateParent(string parent)
    {
        var parts = parent.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return "the parent cgroup is empty (the root is not allowed: containers live under a parent)";
        foreach (var p in parts)
            if (Validate(p) is { } why) return $"'{p}': {why}";
        return null;
    }

    public static string ParentPath(string parent) => "/" + string.Join('/', parent.Split('/', StringSplitOptions.RemoveEmptyEntries));
}
