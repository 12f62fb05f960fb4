using System.Diagnostics;
using System.Text;

namespace Ctop.Tests.Launcher;

/// <summary>
/// Runs the real ctop executable (its apphost, copied beside the tests) as a process, so exit statuses, signals sent
/// to ctop and ctop being killed are real, and its re-exec'd init is that same binary.
/// </summary>
internal static class LauncherHost
{
    public static string FileName { get; } = Path.Combine(AppContext.BaseDirectory, "ctop");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
    }

    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static Process Start(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        Assert.True(File.Exists(FileName), $"the ctop apphost is not built at {FileName}");
        var psi = new ProcessStartInfo(FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    /// <summary>Runs to completion (killed and failed after <paramref name="timeoutSeconds"/>).</summary>
    public static Result Run(string[] args, int timeoutSeconds = 30)
    {
        using var p = Start(args);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"ctop {string.Join(' ', args)} did not finish within {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => Run(args, 30);

    /// <summary>Reads stdout lines until one equals <paramref name="marker"/>; returns the lines before it.</summary>
    public static List<string> ReadUntil(Process p, string marker, int timeoutSeconds = 15)
    {
        var lines = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var read = p.StandardOutput.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !read.Wait(left))
                Assert.Fail($"no '{marker}' from the container within {timeoutSeconds} s; got: {string.Join(" | ", lines)}");
            var line = read.Result;
            if (line is null)
            {
                var err = new StringBuilder(p.StandardError.ReadToEnd());
                Assert.Fail($"the container ended before '{marker}'; stdout: {string.Join(" | ", lines)}; stderr: {err}");
            }
            if (line == marker) return lines;
            lines.Add(line);
        }
    }
}
