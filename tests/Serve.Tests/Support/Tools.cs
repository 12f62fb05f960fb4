using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ctop.TestSupport;
using ProcFs.Tests.Support;

namespace Serve.Tests.Support;

/// <summary>
/// A test that needs Debian's prometheus package (promtool, prometheus). Skips when it is missing on a developer's machine;
/// with CTOP_KERNEL_TESTS=require (./test.sh) it runs and fails instead.
/// </summary>
public sealed class PromFactAttribute : FactAttribute
{
    public PromFactAttribute()
    {
        if (Tools.PromSkipReason is { } why) Skip = why;
    }
}

/// <summary>A test with the real Prometheus, the published ctop and real ctop-test-* cgroups: root, v1 cpu, prometheus.</summary>
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (Tools.PromSkipReason is { } why) Skip = why;
        else if (KernelTestEnvironment.SkipReason is { } kernel) Skip = kernel;
    }
}

public static class Tools
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    public static string? PromSkipReason =>
        KernelTestEnvironment.Required ? null
        : !File.Exists(Promtool) || !File.Exists(Prometheus) ? "needs Debian's prometheus package (promtool); CTOP_KERNEL_TESTS=require fails instead"
        : null;

    /// <summary>promtool check metrics on BODY: exit code and what it said.</summary>
    public static (int ExitCode, string Output) CheckMetrics(string body)
    {
        var psi = new ProcessStartInfo(Promtool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("check");
        psi.ArgumentList.Add("metrics");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(body);
        p.StandardInput.Close();
        if (!p.WaitForExit(60_000)) { p.Kill(); Assert.Fail("promtool check metrics did not end within 60 s"); }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A port free right now on 127.0.0.1 (for programs that cannot be told port 0 and report back).</summary>
    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static string Repo(params string[] parts) => Path.Combine([TestProcess.RepoRoot, .. parts]);
}
