using System.Diagnostics;
using System.Text;

namespace Serve.Tests.Support;

/// <summary>
/// A long-running program the test starts (ctop serve, prometheus), killed on Dispose, and by a watchdog shell when the
/// test host is gone however it ended (it polls the host's PID), so no run leaves one behind. Output is kept (bounded).
/// </summary>
public sealed class Watched : IDisposable
{
    // The watchdog: starts the program, says its PID, and kills it when the test host or the program itself is gone,
    // or when the watchdog is told to stop (TERM).
    private const string Script = """
        "$@" & child=$!
        echo "pid $child"
        trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
        alive() { [ -e /proc/$1 ] && ! grep -q ') Z ' /proc/$1/stat 2>/dev/null; }
        while alive "$HOST_PID" && alive $child; do sleep 0.5; done
        kill -TERM $child 2>/dev/null
        wait $child
        """;

    private readonly Process _shell;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<string>> _lineWatchers = new();

    public Watched(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/tmp",
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add("watchdog");
        psi.ArgumentList.Add(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HOST_PID"] = Environment.ProcessId.ToString();
        _shell = new Process { StartInfo = psi };
        _shell.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("pid ", StringComparison.Ordinal) && int.TryParse(line[4..], out var pid)) _pid.TrySetResult(pid);
        };
        _shell.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (_stderr)
            {
                if (_stderr.Length < 256 * 1024) _stderr.AppendLine(line);
                foreach (var w in _lineWatchers) w(line);
            }
        };
        _shell.Start();
        _shell.StandardInput.Close();
        _shell.BeginOutputReadLine();
        _shell.BeginErrorReadLine();
        if (!_pid.Task.Wait(TimeSpan.FromSeconds(30))) throw new InvalidOperationException($"{file} did not start");
        Pid = _pid.Task.Result;
    }

    /// <summary>The program's own PID (not the watchdog's).</summary>
    public int Pid { get; }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public bool Running => Directory.Exists($"/proc/{Pid}") && !File.ReadAllText($"/proc/{Pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    /// <summary>Waits for a stderr line matching <paramref name="match"/>; returns it.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            foreach (var line in _stderr.ToString().Split('\n'))
                if (match(line.TrimEnd('\r'))) return line.TrimEnd('\r');
            _lineWatchers.Add(l => { if (match(l)) found.TrySetResult(l); });
        }
        if (!found.Task.Wait(timeout)) throw new TimeoutException($"no such line within {timeout.TotalSeconds:F0} s; stderr:\n{Stderr}");
        return found.Task.Result;
    }

    /// <summary>Resident set size of the program, in bytes.</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }

    /// <summary>Sends SIGNAL to the program itself and waits for the watchdog to end; returns the program's exit code.</summary>
    public int Signal(string signal, TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-" + signal, Pid.ToString()])) kill.WaitForExit();
        // The watchdog notices the program is gone and ends; the program's status is its exit code.
        if (!_shell.WaitForExit(timeout)) throw new TimeoutException($"PID {Pid} did not end within {timeout.TotalSeconds:F0} s after SIG{signal}");
        _shell.WaitForExit();
        return _shell.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_shell.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", _shell.Id.ToString()])) term.WaitForExit();
                if (!_shell.WaitForExit(15_000)) _shell.Kill(entireProcessTree: true);
                _shell.WaitForExit();
            }
        }
        catch (InvalidOperationException) { }
        _shell.Dispose();
    }
}
