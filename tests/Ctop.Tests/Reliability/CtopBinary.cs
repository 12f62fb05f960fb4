using System.Diagnostics;
using System.Text;

namespace Ctop.Tests.Reliability;

/// <summary>
/// Runs the built ctop (ctop.dll next to the tests) as a real process: what users run, with its own
/// console, signals and exit code. Bounded by a timeout that kills it, so a hang fails instead of blocking.
/// </summary>
internal static class CtopBinary
{
    public sealed record Result(int Code, byte[] Stdout, string Stderr)
    {
        public string Text => Encoding.UTF8.GetString(Stdout);
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "ctop.dll");

    /// <summary>Runs `dotnet ctop.dll ARGS`; with <paramref name="asNobody"/> through setpriv as nobody:nogroup.</summary>
    public static Result Run(IEnumerable<string> args, bool asNobody = false, string? dir = null,
        Action<ProcessStartInfo>? configure = null, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(asNobody ? "setpriv" : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asNobody) foreach (var a in new[] { "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(Path.Combine(dir ?? AppContext.BaseDirectory, "ctop.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        // nobody has no home; the host does not need one, but keep dotnet from probing /root.
        if (asNobody) { psi.Environment["HOME"] = "/tmp"; psi.Environment["DOTNET_CLI_HOME"] = "/tmp"; }
        configure?.Invoke(psi);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"ctop {string.Join(' ', args)} did not end within {timeoutSeconds} s");
        }
        copy.Wait();
        return new Result(p.ExitCode, stdout.ToArray(), err.Result);
    }

    /// <summary>
    /// A directory nobody can run ctop from: the build output itself when every ancestor is world-searchable
    /// and the files world-readable, else a 755 copy in /tmp (deleted by the caller).
    /// </summary>
    public static (string Dir, bool Copied) ReadableByNobody()
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("setpriv and nobody are Linux");
        var dir = AppContext.BaseDirectory.TrimEnd('/');
        bool ok = true;
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            ok &= (d.UnixFileMode & UnixFileMode.OtherExecute) != 0;
        foreach (var f in Directory.EnumerateFiles(dir)) ok &= (File.GetUnixFileMode(f) & UnixFileMode.OtherRead) != 0;
        if (ok) return (dir, false);
        var copy = Directory.CreateTempSubdirectory("ctop-test-bin-").FullName;
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(dir, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
            File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        }
        foreach (var d in Directory.EnumerateDirectories(copy, "*", SearchOption.AllDirectories).Append(copy))
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        return (copy, true);
    }
}
