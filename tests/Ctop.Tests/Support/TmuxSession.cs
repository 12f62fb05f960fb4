using System.Diagnostics;

namespace Ctop.Tests.Support;

/// <summary>
/// The real binary in a real terminal: a detached tmux session running `dotnet ctop.dll ARGS` with a private, empty
/// config directory (the user's own config must not change what a test reads) and without DisableRealDriverIO (set
/// by this test process for the headless UI tests; the binary must get the real terminal). Dispose kills the session
/// (and so ctop, by SIGHUP) and removes the config directory.
/// </summary>
internal sealed class TmuxSession : IDisposable
{
    private readonly string _config;

    public string Name { get; }

    public TmuxSession(string name, int width, int height, params string[] ctopArgs) : this(null, name, width, height, ctopArgs) { }

    /// <summary>With the user's config in <paramref name="configDir"/> (XDG_CONFIG_HOME), which is left in place.</summary>
    public static TmuxSession WithConfig(string configDir, string name, int width, int height, params string[] ctopArgs) =>
        new(configDir, name, width, height, ctopArgs);

    private TmuxSession(string? configDir, string name, int width, int height, string[] ctopArgs)
    {
        Name = $"{name}-{Environment.ProcessId}";
        _config = configDir ?? Directory.CreateTempSubdirectory("ctop-e2e-config-").FullName;
        OwnsConfig = configDir is null;
        string dll = Path.Combine(AppContext.BaseDirectory, "ctop.dll");
        Tmux(["new-session", "-d", "-s", Name, "-x", width.ToString(), "-y", height.ToString(), "env", "-u", "DisableRealDriverIO",
            "TERM=xterm-256color", $"XDG_CONFIG_HOME={_config}", "dotnet", dll, .. ctopArgs]);
    }

    private bool OwnsConfig { get; }

    /// <summary>Runs tmux and returns its output; its errors are read too, so a chatty tmux cannot block on a full pipe.</summary>
    public static string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        errors.Wait(10_000);
        p.WaitForExit(10_000);
        return output;
    }

    public bool Exists
    {
        get
        {
            var psi = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in new[] { "has-session", "-t", Name }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
    }

    public string Screen() => Tmux("capture-pane", "-p", "-t", Name);

    public void Keys(params string[] keys) => Tmux(["send-keys", "-t", Name, .. keys]);

    /// <summary>Keys taken as text (-l): a time typed into a prompt.</summary>
    public void Type(string text) => Tmux("send-keys", "-t", Name, "-l", text);

    /// <summary>The screen once <paramref name="ready"/> holds; fails naming <paramref name="what"/> and showing the screen otherwise.</summary>
    public string WaitForScreen(Func<string, bool> ready, string what, int seconds = 40)
    {
        string screen = "";
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            screen = Screen();
            if (ready(screen)) return screen;
            Thread.Sleep(300);
        }
        throw new Xunit.Sdk.XunitException($"{what} did not appear:\n{screen}");
    }

    /// <summary>Sends q and asserts that ctop quit (the session ends with it).</summary>
    public void QuitAndAssertGone()
    {
        Keys("q");
        var quitBy = DateTime.UtcNow.AddSeconds(10);
        while (Exists && DateTime.UtcNow < quitBy) Thread.Sleep(200);
        Assert.False(Exists, "q did not quit");
    }

    public void Dispose()
    {
        if (Exists) Tmux("kill-session", "-t", Name);
        if (OwnsConfig) Directory.Delete(_config, recursive: true);
    }
}
