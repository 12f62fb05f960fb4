using System.Diagnostics;
using System.Text;

namespace Ctop.TestSupport;

/// <summary>Runs helper programs for the test tiers (dotnet publish, the VM, the runtimes' CLIs), bounded by a timeout.</summary>
public static class TestProcess
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Runs a program to completion; returns its exit code and stdout+stderr. Kills it (and only it) on timeout.</summary>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoRoot,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            // The scripts run here trap TERM and clean up after themselves; the whole tree is ours.
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            lock (output) return (-1, output + $"\n(killed after {timeout.TotalSeconds:F0} s)");
        }
        p.WaitForExit(); // flush the async readers
        lock (output) return (p.ExitCode, output.ToString());
    }

    /// <summary>Like <see cref="Run"/>, with stdout apart from stderr (a CLI's answer apart from its warnings).</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunSeparately(string file, IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, stdout.Result, stderr.Result + $"\n(killed after {timeout.TotalSeconds:F0} s)");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Ctop.sln"))) return d.FullName;
        throw new InvalidOperationException("Ctop.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// The NativeAOT ctop that the v2 VM and the container tier run (no .NET runtime inside either). Published once into
/// tests/bin/ctop-aot with its own artifacts path, so the solution's obj folders are untouched, a rerun is
/// incremental, and the two tiers share one publish; a file lock keeps two test projects run in parallel from
/// publishing over each other.
/// </summary>
public static class PublishedCtop
{
    private static readonly Lazy<string> Folder = new(Publish);

    /// <summary>The folder holding the published ctop (and any .so it loads at run time).</summary>
    public static string Directory => Folder.Value;

    public static string Binary => Path.Combine(Directory, "ctop");

    private static string Publish()
    {
        var root = Path.Combine(TestProcess.RepoRoot, "tests", "bin", "ctop-aot");
        System.IO.Directory.CreateDirectory(root);
        var artifacts = Path.Combine(root, "artifacts");
        var output = Path.Combine(root, "ctop");
        using var _ = Lock(Path.Combine(root, ".lock"), TimeSpan.FromMinutes(25));
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        // The test host's MSBuild variables would point the child build at this build's state.
        var env = new Dictionary<string, string?>
        {
            ["MSBuildExtensionsPath"] = null, ["MSBuildSDKsPath"] = null, ["MSBUILD_EXE_PATH"] = null,
            ["MSBuildLoadMicrosoftTargetsReadOnly"] = null, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1",
        };
        // Niced: NativeAOT compilation takes both cores for a minute, and the suite's host-side real-kernel tests
        // measure a busy loop's share of a CPU meanwhile.
        var (rc, log) = TestProcess.Run("nice",
            ["-n", "10", dotnet, "publish", Path.Combine(TestProcess.RepoRoot, "src", "Ctop", "Ctop.csproj"), "-c", "Release", "-r", "linux-x64",
             "-p:PublishAot=true", "--artifacts-path", artifacts, "-o", output, "-nologo", "-clp:ErrorsOnly"],
            TimeSpan.FromMinutes(20), env);
        if (rc != 0 || !File.Exists(Path.Combine(output, "ctop")))
            throw new InvalidOperationException($"dotnet publish (NativeAOT) failed with exit {rc}:\n{log}");
        return output;
    }

    /// <summary>An exclusive lock on a file, waited for (another test project may be publishing).</summary>
    private static FileStream Lock(string path, TimeSpan wait)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (sw.Elapsed < wait) { Thread.Sleep(500); }
        }
    }
}
