using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ProcFs.Proc;

namespace Ctop.Tests.Reliability;

/// <summary>
/// Real processes whose comm and command line hold `)`, spaces, newlines, invalid UTF-8 and terminal escapes
/// (clear screen, OSC 52 clipboard write, BEL). Anyone can name a process so: ctop must parse it, never let it
/// drive the terminal, and keep the JSON valid.
/// </summary>
public sealed class HostileNameTests : IDisposable
{
    // comm of A: a /bin/sleep reached through a symlink with this name (the kernel keeps the first 15 bytes).
    private static readonly byte[] LinkName = [.. "x) "u8, 0x1b, .. "[2J"u8, (byte)'\n', 0x07, 0xff];
    // argv[0] of A, through bash's exec -a.
    private static readonly byte[] Argv0 = [.. "a) b\n"u8, 0x1b, .. "]52;c;SGVsbG8=\u0007"u8, 0x1b, .. "[2J"u8, 0xfe];
    // comm of B, written to /proc/PID/comm by the shell itself.
    private static readonly byte[] Comm = [.. "a)"u8, 0x1b, .. "[2J"u8, 0x07, 0xff, .. " )("u8];

    // comm of C, a zombie: its command line is empty, so ctop shows this name (in brackets, like ps).
    private static readonly byte[] ZombieComm = [.. "z)"u8, 0x1b, .. "[2J"u8, 0x07, 0xff, (byte)'\n'];

    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-test-names-").FullName;
    private readonly List<Process> _started = [];

    private static string Shell(byte[] bytes) => string.Concat(bytes.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));

    /// <summary>Starts the two processes and waits until the kernel shows their names.</summary>
    private (int A, int B, int C) Start()
    {
                // The link name holds a newline and invalid UTF-8, so bash builds it from octal escapes.
        var script = $$"""
            cd '{{_dir}}'
            n=$(printf '{{Shell(LinkName)}}x'); n=${n%x}; ln -s /bin/sleep "$n"
            a=$(printf '{{Shell(Argv0)}}x'); a=${a%x}
            (exec -a "$a" "./$n" 300) & echo $! > pid-a
            bash -c 'printf "{{Shell(Comm)}}" > /proc/$$/comm; echo $$ > pid-b; exec 0</dev/null; while :; do sleep 1; done' &
            bash -c '( echo $BASHPID > pid-c; sleep 0.3; printf "{{Shell(ZombieComm)}}" > /proc/$BASHPID/comm; exit 0 ) & exec sleep 300' &
            wait
            """;
        var psi = new ProcessStartInfo("/bin/bash") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        _started.Add(Process.Start(psi)!);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (File.Exists(Path.Combine(_dir, "pid-a")) && File.Exists(Path.Combine(_dir, "pid-b"))
                && int.TryParse(File.ReadAllText(Path.Combine(_dir, "pid-a")), out int a) && int.TryParse(File.ReadAllText(Path.Combine(_dir, "pid-b")), out int b)
                && File.Exists($"/proc/{a}/cmdline") && File.ReadAllBytes($"/proc/{a}/cmdline").AsSpan().StartsWith(Argv0)
                && File.ReadAllBytes($"/proc/{b}/comm").AsSpan().StartsWith(Comm)
                && int.TryParse(Read("pid-c"), out int c) && File.ReadAllText($"/proc/{c}/stat").Contains(") Z ", StringComparison.Ordinal))
                return (a, b, c);
            Thread.Sleep(50);
        }
        throw new TimeoutException("the hostile processes did not start");
    }

    private string Read(string name) => File.Exists(Path.Combine(_dir, name)) ? File.ReadAllText(Path.Combine(_dir, name)) : "";

    [Fact]
    public void ProcReaderParsesHostileCommAndCmdline()
    {
        var (a, b, c) = Start();
        var reader = new ProcReader();
        Assert.True(reader.TryReadStat(c, out var sc));
        Assert.Equal(ZombieComm, sc.CommBytes.ToArray());
        Assert.Equal('Z', sc.State);
        Assert.True(reader.TryReadStat(a, out var sa));
        Assert.Equal(LinkName, sa.CommBytes.ToArray());
        Assert.Contains(sa.State, "SRD"); // just exec'd: asleep, or still on its way there
        Assert.True(reader.TryReadStat(b, out var sb));
        Assert.Equal(Comm, sb.CommBytes.ToArray());
        Assert.True(sb.Ppid > 1);
        Assert.True(reader.TryReadCmdline(a, out var cmd));
        Assert.Equal([Encoding.UTF8.GetString(Argv0), "300"], cmd.Args);
        Assert.True(reader.TryReadStatus(b, out var status));
        Assert.True(status.Threads >= 1);
    }

    [Fact]
    public void BatchTextShowsThemEscaped()
    {
        var (a, b, c) = Start();
        var r = CtopBinary.Run(["-b", "-n", "1", "-d", "0.2", "-p", $"{a},{b},{c}"]);
        Assert.True(r.Code == 0, r.Stderr);
        // No raw control byte from any name reaches the terminal: only the newlines ctop writes itself.
        Assert.DoesNotContain(r.Stdout, x => x is < 0x20 and not (byte)'\n' || x == 0x7f);
        var lines = r.Text.Split('\n');
        var lineA = Assert.Single(lines, l => l.TrimStart().StartsWith($"{a} ", StringComparison.Ordinal));
        Assert.EndsWith(@"a) b\n\x1b]52;c;SGVsbG8=\x07\x1b[2J" + "\uFFFD 300", lineA);
        Assert.Single(lines, l => l.TrimStart().StartsWith($"{b} ", StringComparison.Ordinal));
        var lineC = Assert.Single(lines, l => l.TrimStart().StartsWith($"{c} ", StringComparison.Ordinal));
        Assert.EndsWith(@"[z)\x1b[2J\x07" + "\uFFFD" + @"\n]", lineC);
        // Header, two table headings, the root cgroup, a blank line and one row per process: names added no line.
        Assert.Equal(3, lines.Count(l => l.TrimStart() is { Length: > 0 } t && char.IsAsciiDigit(t[0])));
    }

    [Fact]
    public void BatchTextAndTheDashboardShowTheSameEscapedName()
    {
        var (a, _, c) = Start();
        // The real binary's batch text ...
        var r = CtopBinary.Run(["-b", "-n", "1", "-d", "0.2", "-p", $"{a},{c}"]);
        Assert.True(r.Code == 0, r.Stderr);
        var lines = r.Text.Split('\n');
        string batchA = Assert.Single(lines, l => l.TrimStart().StartsWith($"{a} ", StringComparison.Ordinal));
        string batchC = Assert.Single(lines, l => l.TrimStart().StartsWith($"{c} ", StringComparison.Ordinal));

        // ... and the dashboard's process table, fed a frame sampled in this process.
        var sampler = new Ctop.Model.Sampler(new Ctop.Pipeline.SamplingOptions());
        var first = sampler.Take();
        Thread.Sleep(200);
        var frame = Ctop.Model.FrameBuilder.Build(first, sampler.Take());
        var table = new Ctop.Ui.ProcessTableModel();
        table.Update(frame.Processes);
        string Cell(int pid) => table.Cell(table.IndexOf(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ctop.Ui.ProcessTableModel.CommandColumn);

        // ESC, BEL, newline, ')' and invalid UTF-8 (U+FFFD) read the same on both surfaces.
        string shownA = @"a) b\n\x1b]52;c;SGVsbG8=\x07\x1b[2J" + "\uFFFD 300";
        string shownC = @"[z)\x1b[2J\x07" + "\uFFFD" + @"\n]";
        Assert.Equal(shownA, Cell(a));
        Assert.Equal(shownC, Cell(c));
        Assert.EndsWith(" " + shownA, batchA);
        Assert.EndsWith(" " + shownC, batchC);
    }

    [Fact]
    public void JsonStaysValidAndRoundTripsTheCommand()
    {
        var (a, b, c) = Start();
        var r = CtopBinary.Run(["-b", "-n", "2", "-d", "0.2", "--json", "-p", $"{a},{b},{c}"]);
        Assert.True(r.Code == 0, r.Stderr);
        var lines = r.Text.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var procs = doc.RootElement.GetProperty("processes").EnumerateArray().ToDictionary(p => p.GetProperty("pid").GetInt32());
            // Invalid UTF-8 becomes U+FFFD (JSON text is UTF-8); everything else comes back byte for byte.
            Assert.Equal(Encoding.UTF8.GetString(Argv0) + " 300", procs[a].GetProperty("command").GetString());
            Assert.StartsWith("bash -c printf", procs[b].GetProperty("command").GetString());
            Assert.Equal("[" + Encoding.UTF8.GetString(ZombieComm) + "]", procs[c].GetProperty("command").GetString());
        }
        Assert.DoesNotContain(r.Stdout, x => x is < 0x20 and not (byte)'\n');
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        // The link's name is invalid UTF-8, which .NET cannot name back to unlink: rm works on bytes.
        using var rm = Process.Start("rm", ["-rf", _dir]);
        rm.WaitForExit();
    }
}
