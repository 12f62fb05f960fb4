using System.Diagnostics;
using System.Reflection;

namespace Ctop.Tests.Ecosystem;

/// <summary>Running real programs (dotnet, man, groff) from the ecosystem tests.</summary>
internal static class Tools
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>ctop's version as --version prints it (the project's &lt;Version&gt;).</summary>
    public static string CtopVersion =>
        typeof(Ctop.Cli.CtopCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    public static string ManPage => Path.Combine(RepoRoot, "docs", "ctop.1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ctop.sln"))) return dir.FullName;
        throw new InvalidOperationException("Ctop.sln not found above " + AppContext.BaseDirectory);
    }

    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
    }

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string?>? env = null, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = cwd ?? RepoRoot,
        };
        // Inside `dotnet test`, MSBuild variables leak into the environment and can redirect a nested build.
        foreach (var key in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
