using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Ctop.TestSupport;
using ProcFs.Tests.Support;

namespace V2.Tests.Support;

/// <summary>
/// A test of the v2 tier: it needs QEMU, a static busybox and a Debian kernel (cached, or fetchable with apt),
/// not root. It skips when they are missing on a developer's machine; with CTOP_KERNEL_TESTS=require (CI) it runs
/// and fails instead, so CI cannot pass by skipping the tier.
/// </summary>
public sealed class V2FactAttribute : FactAttribute
{
    public V2FactAttribute()
    {
        if (V2Vm.SkipReason is { } why) Skip = why;
    }
}

public sealed class V2TheoryAttribute : TheoryAttribute
{
    public V2TheoryAttribute()
    {
        if (V2Vm.SkipReason is { } why) Skip = why;
    }
}

/// <summary>Where the tier's pieces are, and whether it can run here.</summary>
public static class V2Vm
{
    public static string RepoRoot => TestProcess.RepoRoot;

    public static string Script => Path.Combine(RepoRoot, "tests", "V2", "vm.sh");

    public static string Payload => Path.Combine(RepoRoot, "tests", "V2", "payload.sh");

    private static readonly Lazy<string?> Unavailable = new(() =>
    {
        var (rc, output) = Run("bash", [Script, "check"], TimeSpan.FromMinutes(1));
        return rc == 0 ? null : output.Trim();
    });

    /// <summary>Null when the tier runs (always under CTOP_KERNEL_TESTS=require); else why it is skipped.</summary>
    public static string? SkipReason =>
        KernelTestEnvironment.TierOff("v2") is { } off ? off
        : KernelTestEnvironment.Required ? null
        : Unavailable.Value is { } why ? $"v2 VM unavailable: {why} (set CTOP_KERNEL_TESTS=require to fail instead of skipping)"
        : null;

    /// <summary>Runs a program to completion; returns its exit code and stdout+stderr. Kills it (and only it) on timeout.</summary>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string?>? env = null) =>
        TestProcess.Run(file, args, timeout, env);
}

/// <summary>
/// One VM boot for the whole tier: publishes ctop (NativeAOT: no .NET runtime in the guest), boots the VM with
/// tests/V2/payload.sh and keeps what came back in <see cref="Dir"/>. Lazy, so a skipped tier costs nothing; a
/// failure is remembered and reported by every test.
/// </summary>
public sealed class V2Run : IDisposable
{
    private readonly Lazy<string> _dir;

    public V2Run() => _dir = new Lazy<string>(Boot);

    /// <summary>The folder holding the guest's /out (see payload.sh for its layout).</summary>
    public string Dir => _dir.Value;

    public string Text(string relative) => File.ReadAllText(Path.Combine(Dir, relative));

    public string? TextOrNull(string relative) =>
        File.Exists(Path.Combine(Dir, relative)) ? File.ReadAllText(Path.Combine(Dir, relative)) : null;

    /// <summary>The payload's key=value facts.</summary>
    public IReadOnlyDictionary<string, string> Facts => _facts ??= Text("facts")
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split('=', 2))
        .GroupBy(kv => kv[0])
        .ToDictionary(g => g.Key, g => g.Last().Length > 1 ? g.Last()[1] : "");

    private IReadOnlyDictionary<string, string>? _facts;

    /// <summary>The raw file the payload snapshotted for a cgroup path ("/ctop-v2/busy"), or null if it had none.</summary>
    public string? Raw(string cgroupPath, string file) => TextOrNull(Path.Combine("raw" + cgroupPath.TrimEnd('/'), file));

    public string RawRoot => Path.Combine(Dir, "raw");

    /// <summary>The JSON lines of one ctop run; the test owns the documents' lifetime.</summary>
    public IReadOnlyList<JsonDocument> Frames(string name)
    {
        var text = Text(name + ".jsonl");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, $"{name}: ctop printed no frame; stderr: {TextOrNull(name + ".err")}");
        return lines.Select(l => JsonDocument.Parse(l)).ToList();
    }

    /// <summary>Where the time went, for the test log: the tier has a budget (docs/architecture.md).</summary>
    public string Timings { get; private set; } = "";

    private string Boot()
    {
        var work = Directory.CreateTempSubdirectory("ctop-v2-").FullName;
        var sw = Stopwatch.StartNew();
        var publish = PublishedCtop.Directory;
        var publishSeconds = sw.Elapsed.TotalSeconds;
        var @out = Path.Combine(work, "out");
        var args = new List<string>
        {
            V2Vm.Script, "run", "--payload", V2Vm.Payload, "--out", @out, "--timeout", "300",
            "--add", $"{Path.Combine(publish, "ctop")}:/opt/ctop/ctop",
            "--add", "/usr/bin/unshare:/opt/ctop/unshare",
        };
        // The small init of ctop run/exec/attach, when the publish put it beside ctop.
        if (File.Exists(Path.Combine(publish, "ctop-init"))) args.AddRange(["--add", $"{Path.Combine(publish, "ctop-init")}:/opt/ctop/ctop-init"]);
        // Native libraries the binary loads with dlopen (Mono.Unix's shim) sit beside it.
        foreach (var so in Directory.GetFiles(publish, "*.so"))
            args.AddRange(["--add", $"{so}:/opt/ctop/{Path.GetFileName(so)}"]);
        sw.Restart();
        var (rc, output) = V2Vm.Run("bash", args, TimeSpan.FromMinutes(6));
        File.WriteAllText(Path.Combine(work, "vm.log"), output);
        if (rc != 0)
            throw new InvalidOperationException(
                $"the v2 VM failed (exit {rc}, {sw.Elapsed.TotalSeconds:F0} s); kept in {work}:\n{output}\n" +
                (File.Exists(Path.Combine(@out, "payload.log")) ? File.ReadAllText(Path.Combine(@out, "payload.log")) : ""));
        var facts = File.ReadAllText(Path.Combine(@out, "facts"));
        Timings = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{@out}: publish {publishSeconds:F0} s, VM {sw.Elapsed.TotalSeconds:F0} s; guest uptime: {string.Join(", ", facts.Split('\n').Where(l => l.Contains("uptime")))}\n{output.Trim()}");
        return @out;
    }

    public void Dispose()
    {
        // CTOP_V2_KEEP=1 keeps the guest's files for a look after a failed assertion.
        if (_dir.IsValueCreated && Environment.GetEnvironmentVariable("CTOP_V2_KEEP") != "1")
        {
            // Keep the evidence of a failed run (its path is in the failure message); a good run is removed.
            try { Directory.Delete(Path.GetDirectoryName(_dir.Value)!, recursive: true); }
            catch (IOException) { }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class V2Collection : ICollectionFixture<V2Run>
{
    public const string Name = "v2 VM";
}
