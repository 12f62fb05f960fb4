using System.Reflection;

namespace Ctop.Tests.Ecosystem;

/// <summary>
/// The README's install path, end to end: pack ctop as a .NET tool, install it from that local folder only, run it.
/// Slower than the rest (three dotnet invocations, ~10–20 s), so it is marked; it still runs in every `dotnet test`.
/// </summary>
public sealed class ToolInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    [Trait("Speed", "Slow")]
    public void Packed_tool_installs_from_a_local_source_and_prints_its_version()
    {
        var feed = Path.Combine(_dir, "feed");
        var tools = Path.Combine(_dir, "tools");
        // --no-build packs the ctop that `dotnet test` has just built (same configuration) instead of building a Release
        // copy from scratch, which takes minutes on a busy machine; it also means no restore, so no network.
        var configuration = typeof(Ctop.Cli.CtopCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var pack = Tools.Run("dotnet", ["pack", Path.Combine("src", "Ctop"), "-c", configuration, "--no-build", "-o", feed],
            TimeSpan.FromMinutes(2));
        Assert.True(pack.ExitCode == 0, pack.ToString());
        var version = Tools.CtopVersion;
        Assert.True(File.Exists(Path.Combine(feed, $"ctop.{version}.nupkg")), pack.ToString());

        // Only the local folder as a source (<clear/>): installing the tool itself needs no network.
        var config = Path.Combine(_dir, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var install = Tools.Run("dotnet", ["tool", "install", "ctop", "--tool-path", tools, "--configfile", config, "--add-source", feed,
            "--version", version], TimeSpan.FromMinutes(1), cwd: _dir);
        Assert.True(install.ExitCode == 0, install.ToString());

        var run = Tools.Run(Path.Combine(tools, "ctop"), ["--version"], TimeSpan.FromSeconds(30), cwd: _dir);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(version, run.Out.Trim());
        Assert.NotEqual("1.0.0", version); // the csproj's <Version>, not the SDK's default
    }
}
