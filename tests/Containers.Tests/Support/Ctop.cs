using System.Diagnostics;
using Ctop.TestSupport;

namespace Containers.Tests.Support;

/// <summary>The published NativeAOT ctop run on the host, as a user runs it.</summary>
public static class CtopOnHost
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Runs ctop with ARGS; <paramref name="asNobody"/> drops to nobody:nogroup (no docker group) with setpriv.</summary>
    public static Result Run(IEnumerable<string> args, bool asNobody = false, int timeoutSeconds = 60, string? binaryOverride = null)
    {
        var binary = binaryOverride ?? PublishedCtop.Binary;
        var psi = new ProcessStartInfo(asNobody ? "setpriv" : binary)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        if (asNobody) foreach (var a in new[] { "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", binary }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The host's own DOCKER_HOST must not steer the test; options say where to look.
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("CONTAINER_HOST");
        psi.Environment.Remove("CONTAINERD_ADDRESS");
        psi.Environment.Remove("CONTAINER_RUNTIME_ENDPOINT");
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"ctop {string.Join(' ', args)} did not end within {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed);
    }
}
