using ProcFs.Parsing;

namespace ProcFs.Proc;

/// <summary>
/// /proc/PID/cmdline: NUL-separated arguments with an optional trailing NUL; empty for kernel threads and
/// zombies. Bytes that are not UTF-8 decode to U+FFFD rather than failing: argv is arbitrary bytes.
/// </summary>
public sealed class ProcCmdline
{
    public static readonly ProcCmdline Empty = new([]);

    private ProcCmdline(string[] args)
    {
        Args = args;
        // Processes that rewrite argv (setproctitle) pad with NULs; trailing empty args add nothing to show.
        int n = args.Length;
        while (n > 0 && args[n - 1].Length == 0) n--;
        DisplayString = string.Join(' ', args, 0, n);
    }

    public IReadOnlyList<string> Args { get; }

    /// <summary>The arguments joined with single spaces, trailing empty ones dropped. Control characters are kept as-is.</summary>
    public string DisplayString { get; }

    public bool IsEmpty => Args.Count == 0;

    /// <summary>Never throws: every byte sequence is some command line.</summary>
    public static ProcCmdline Parse(ReadOnlySpan<byte> data, string filePath)
    {
        _ = filePath; // kept for the uniform Parse(data, filePath) shape of the /proc readers
        if (data.IsEmpty) return Empty;
        if (data[^1] == 0) data = data[..^1];
        var args = new string[data.Count((byte)0) + 1];
        int i = 0;
        foreach (var range in data.Split((byte)0)) args[i++] = Utf8.Decode(data[range]);
        return new ProcCmdline(args);
    }

    public override string ToString() => DisplayString;
}
