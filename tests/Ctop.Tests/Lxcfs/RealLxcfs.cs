using System.Diagnostics;

namespace Ctop.Tests.Lxcfs;

/// <summary>
/// A private lxcfs instance: its own pidfile and mount point in a temp dir, so an lxcfs already running on the machine
/// is never touched. Dispose unmounts (lazily) and kills only the process this started.
/// </summary>
public sealed class RealLxcfs : IDisposable
{
    public const string Binary = "/usr/bin/lxcfs";
    private readonly Process _process;

    public RealLxcfs(string dir, params string[] options)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install it with 'apt-get install -y lxcfs' (.ci/run does).");
        Mount = Path.Combine(dir, "mnt");
        Directory.CreateDirectory(Mount);
        var psi = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var o in options) psi.ArgumentList.Add(o);
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(Path.Combine(dir, "lxcfs.pid"));
        psi.ArgumentList.Add(Mount);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_log) _log.Add(l); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!IsMounted())
        {
            if (_process.HasExited || DateTime.UtcNow > until)
            {
                Dispose();
                throw new InvalidOperationException($"lxcfs did not mount {Mount}: {string.Join(" | ", _log)}");
            }
            Thread.Sleep(50);
        }
    }

    private readonly List<string> _log = new();

    public string Mount { get; }

    public int Pid => _process.Id;

    private bool IsMounted() =>
        File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && f[4] == Mount && l.Contains(" - fuse.lxcfs ", StringComparison.Ordinal));

    public void Dispose()
    {
        if (IsMounted())
        {
            using var umount = Process.Start(new ProcessStartInfo("umount", ["-l", Mount]) { UseShellExecute = false })!;
            umount.WaitForExit(10_000);
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // by our own PID only
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
