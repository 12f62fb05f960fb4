using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ctop.TestSupport;
using ProcFs.Tests.Support;

namespace Containers.Tests.Support;

/// <summary>
/// A test against the real docker and podman: needs root, dockerd, podman, runc and a static busybox. It skips when
/// they are missing on a developer's machine; with CTOP_KERNEL_TESTS=require (CI) it runs and fails instead.
/// </summary>
public sealed class RuntimeFactAttribute : FactAttribute
{
    public RuntimeFactAttribute()
    {
        if (Runtimes.SkipReason is { } why) Skip = why;
    }
}

public sealed class RuntimeTheoryAttribute : TheoryAttribute
{
    public RuntimeTheoryAttribute()
    {
        if (Runtimes.SkipReason is { } why) Skip = why;
    }
}

/// <summary>
/// One private dockerd and one podman API service for the whole tier (tests/Containers/runtimes.sh), with five limited,
/// named and labelled containers: web and db and a pod-labelled one on docker, pweb and pdb on podman. Started lazily
/// (a skipped tier costs nothing), once; removed on Dispose, on a failed start, and by runtimes.sh's watchdog when the
/// test host is gone however it ended. A work folder a killed earlier run still left is removed at the next start.
/// </summary>
public sealed class Runtimes : IDisposable
{
    public static string Script => Path.Combine(TestProcess.RepoRoot, "tests", "Containers", "runtimes.sh");

    private static readonly string[] Tools = ["/usr/sbin/dockerd", "/usr/bin/docker", "/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox"];

    public static string? SkipReason =>
        KernelTestEnvironment.TierOff("containers") is { } off ? off
        : KernelTestEnvironment.Required ? null
        : !KernelTestEnvironment.IsRoot ? "needs root (set CTOP_KERNEL_TESTS=require to fail instead of skipping)"
        : Tools.FirstOrDefault(t => !File.Exists(t)) is { } missing ? $"{missing} is not installed (apt: docker.io podman runc busybox-static; CTOP_KERNEL_TESTS=require fails instead)"
        : null;

    private readonly Lazy<Started> _started;
    private HashSet<string> _before = [];
    private int _down;

    public Runtimes() => _started = new Lazy<Started>(Start);

    public Started Up => _started.Value;

    /// <summary>What is running, and how to reach it.</summary>
    public sealed class Started
    {
        public required string Work { get; init; }
        public required IReadOnlyDictionary<string, string> Facts { get; init; }
        public required string Suffix { get; init; }
        public required IReadOnlyDictionary<string, string> Ids { get; init; }
        public required string Timings { get; init; }

        public string DockerHost => Facts["docker_host"];
        public string PodmanHost => Facts["podman_host"];
        public string Image => Facts["image"];

        /// <summary>web, db, k8s (docker); pweb, pdb (podman): the container's name.</summary>
        public string Name(string role) => $"ctop-test-{role}-{Suffix}";

        /// <summary>docker against the private daemon: exit code, stdout, stderr (where its warnings go).</summary>
        public (int ExitCode, string Stdout, string Stderr) Docker(params string[] args) =>
            TestProcess.RunSeparately("/usr/bin/docker", ["-H", DockerHost, .. args], TimeSpan.FromMinutes(2),
                new Dictionary<string, string?> { ["DOCKER_CONFIG"] = Path.Combine(Work, "docker-config") });

        // podman also reads DOCKER_CONFIG (for credentials) and fails on a folder without config.json: not given here.
        public (int ExitCode, string Stdout, string Stderr) Podman(params string[] args) =>
            TestProcess.RunSeparately("podman", ["--root", Path.Combine(Work, "root"), "--runroot", Path.Combine(Work, "run"), "--tmpdir", Path.Combine(Work, "tmp"), .. args],
                TimeSpan.FromMinutes(2), new Dictionary<string, string?> { ["CONTAINERS_CONF"] = Path.Combine(Work, "containers.conf") });

        /// <summary>stdout of a docker command that must succeed.</summary>
        public string DockerOk(params string[] args) => Ok(Docker(args), "docker " + string.Join(' ', args));

        public string PodmanOk(params string[] args) => Ok(Podman(args), "podman " + string.Join(' ', args));

        private static string Ok((int ExitCode, string Stdout, string Stderr) r, string what) =>
            r.ExitCode == 0 ? r.Stdout.Trim() : throw new InvalidOperationException($"{what} failed ({r.ExitCode}):\n{r.Stdout}{r.Stderr}");
    }

    private Started Start()
    {
        RemoveStale();
        var sw = Stopwatch.StartNew();
        var binary = PublishedCtop.Binary;
        var publish = sw.Elapsed;
        var work = $"/tmp/ctop-ct.{Environment.ProcessId}";
        _before = Leftovers.Existing();
        try
        {
            sw.Restart();
            var (rc, output) = TestProcess.Run("bash", [Script, "up", work, binary, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3));
            if (rc != 0) throw new InvalidOperationException($"runtimes.sh up failed ({rc}):\n{output}");
            var facts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains('='))
                .Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1].Trim());
            var daemons = sw.Elapsed;
            sw.Restart();
            var suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var up = new Started { Work = work, Facts = facts, Suffix = suffix, Ids = new Dictionary<string, string>(), Timings = "" };
            var ids = new Dictionary<string, string>();
            // Idle containers: the limits and names are what is tested, and the box is shared with CPU-measuring tests.
            ids["web"] = up.DockerOk("run", "-d", "--name", up.Name("web"), "--label", "app=web", "--label", "tier=front",
                "--cpus", "0.5", "-m", "64m", up.Image, "sleep", "1000000");
            ids["db"] = up.DockerOk("run", "-d", "--name", up.Name("db"), "--label", "app=db",
                "--cpus", "0.25", "-m", "96m", up.Image, "sleep", "1000000");
            ids["k8s"] = up.DockerOk("run", "-d", "--name", up.Name("k8s"),
                "--label", "io.kubernetes.pod.name=shop-7d4", "--label", "io.kubernetes.pod.namespace=prod",
                "--label", "io.kubernetes.pod.uid=0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b", "--label", "io.kubernetes.container.name=nginx",
                "--cpus", "0.3", up.Image, "sleep", "1000000");
            ids["pweb"] = up.PodmanOk("run", "-d", "--name", up.Name("pweb"), "--label", "app=pweb",
                "--cpus", "0.4", "--memory", "80m", facts["podman_image"], "sleep", "1000000");
            ids["pdb"] = up.PodmanOk("run", "-d", "--name", up.Name("pdb"),
                "--cpus", "0.2", "--memory", "40m", facts["podman_image"], "sleep", "1000000");
            var containers = sw.Elapsed;
            return new Started
            {
                Work = work, Facts = facts, Suffix = suffix, Ids = ids,
                Timings = $"publish {publish.TotalSeconds:F1} s, daemons and images {daemons.TotalSeconds:F1} s, five containers {containers.TotalSeconds:F1} s; " +
                          $"docker {facts.GetValueOrDefault("docker_version")}, podman {facts.GetValueOrDefault("podman_version")}",
            };
        }
        catch
        {
            Down(work);
            throw;
        }
    }

    /// <summary>The host's own ctop JSON lines, parsed.</summary>
    public static IReadOnlyList<JsonDocument> Frames(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l)).ToList();

    private void Down(string work)
    {
        if (Interlocked.Exchange(ref _down, 1) != 0) return;
        TestProcess.Run("bash", [Script, "down", work], TimeSpan.FromMinutes(3));
    }

    /// <summary>A work folder whose test host is gone was left by a killed run: its daemons and files are removed.</summary>
    private static void RemoveStale()
    {
        foreach (var dir in Directory.GetDirectories("/tmp", "ctop-ct.*"))
        {
            if (!int.TryParse(Path.GetExtension(dir).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
            TestProcess.Run("bash", [Script, "down", dir], TimeSpan.FromMinutes(3));
        }
    }

    public void Dispose()
    {
        if (!_started.IsValueCreated) return;
        var work = _started.Value.Work;
        Down(work);
        // Everything gone, or the run fails here (xunit reports a failing collection fixture's cleanup).
        var left = Leftovers.Find(work, _before);
        if (left.Count > 0) throw new InvalidOperationException("the container tier left behind:\n" + string.Join('\n', left));
    }
}

/// <summary>What a torn-down tier must not leave: processes or mounts naming its folder, the folder, the cgroups the runtimes made.</summary>
internal static class Leftovers
{
    /// <summary>Host paths the daemons create on their own (see runtimes.sh).</summary>
    private static IEnumerable<string> HostPaths() =>
        new[] { "/run/docker", "/run/containerd", "/etc/docker", "/run/runc", "/run/libpod", "/run/containers", "/var/lib/containers",
                "/var/lib/containers/cache/blob-info-cache-v1.boltdb" }
            .Concat(Directory.GetDirectories("/sys/fs/cgroup").SelectMany(h => new[] { Path.Combine(h, "docker"), Path.Combine(h, "libpod_parent") }));

    /// <summary>Which of those exist now.</summary>
    public static HashSet<string> Existing() => HostPaths().Where(p => Directory.Exists(p) || File.Exists(p)).ToHashSet();

    public static List<string> Find(string work, HashSet<string> before)
    {
        var left = Existing().Where(p => !before.Contains(p)).Select(p => "host path " + p).ToList();
        foreach (var pid in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)))
        {
            try
            {
                var cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                if (cmd.Contains(work, StringComparison.Ordinal)) left.Add($"process {pid}: {cmd}");
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        foreach (var line in File.ReadAllLines("/proc/self/mounts"))
            if (line.Contains(" " + work, StringComparison.Ordinal)) left.Add("mount: " + line);
        if (Directory.Exists(work)) left.Add("folder " + work);
        return left;
    }
}

[CollectionDefinition(Name)]
public sealed class RuntimesCollection : ICollectionFixture<Runtimes>
{
    public const string Name = "docker and podman";
}
