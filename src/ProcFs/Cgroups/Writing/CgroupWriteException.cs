using ProcFs.Native;
namespace ProcFs.Cgroups;

/// <summary>
/// A cgroup write (or mkdir/rmdir) that was refused, either by validation before anything was written
/// (<see cref="Errno"/> is null) or by the kernel. The message names the file, the value and the rule,
/// e.g. "cpu.cfs_quota_us: 999 refused: the quota must be at least 1000 µs (1 ms)".
/// </summary>
public sealed class CgroupWriteException : Exception
{
    public CgroupWriteException(string filePath, string value, int? errno, string rule)
        : base(Format(filePath, value, errno, rule))
    {
        FilePath = filePath;
        Value = value;
        Errno = errno;
        Rule = rule;
    }

    /// <summary>The control file (or, for mkdir/rmdir, the cgroup directory).</summary>
    public string FilePath { get; }

    /// <summary>What was to be written (for mkdir/rmdir: the operation).</summary>
    public string Value { get; }

    /// <summary>The kernel's errno; null when the value was refused before writing.</summary>
    public int? Errno { get; }

    /// <summary>The rule that was broken, as a sentence a user can act on.</summary>
    public string Rule { get; }

    /// <summary>The errno's symbolic name ("EBUSY"), or null.</summary>
    public string? ErrnoName => Errno is { } e ? LinuxErrno.Name(e) : null;

    private static string Format(string filePath, string value, int? errno, string rule)
    {
        string name = Path.GetFileName(filePath.TrimEnd('/'));
        string shown = Parsing.Printable.Escape(value, 200);
        return errno is { } e
            ? $"{name}: {shown} refused by the kernel ({LinuxErrno.Name(e)}: {rule})"
            : $"{name}: {shown} refused: {rule}";
    }
}

/// <summary>
/// One control file changed by a writer: its text before and after (re-read from the kernel, which may
/// round), so a UI can show "before → after" and undo by writing <see cref="Before"/> back.
/// </summary>
public sealed record WriteResult(string File, string Before, string After)
{
    public bool Changed => Before != After;
}
