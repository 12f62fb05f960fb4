using System.Globalization;
using Ctop.TestSupport;
using ProcFs.Tests.Support;

namespace Containers.Tests.Support;

/// <summary>A test against a real containerd: root, containerd (with ctr and its runc shim), runc and a static busybox.</summary>
public sealed class ContainerdFactAttribute : FactAttribute
{
    public ContainerdFactAttribute()
    {
        if (Containerd.SkipReason is { } why) Skip = why;
    }
}

/// <summary>
/// One private containerd (tests/Containers/containerd.sh) with a pod as the kubelet's CRI plugin lays it out: a
/// sandbox and an nginx-named container in namespace k8s.io, labelled prod/shop-0, in kubepods-style cgroups. Started
/// lazily, once; removed on Dispose, on a failed start, and by the script's watchdog when the test host is gone.
/// </summary>
public sealed class Containerd : IDisposable
{
    public static string Script => Path.Combine(TestProcess.RepoRoot, "tests", "Containers", "containerd.sh");

    private static readonly string[] Tools = ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc", "/bin/busybox"];

    public static string? SkipReason =>
        KernelTestEnvironment.Required ? null
        : !KernelTestEnvironment.IsRoot ? "needs root (set CTOP_KERNEL_TESTS=require to fail instead of skipping)"
        : Tools.FirstOrDefault(t => !File.Exists(t)) is { } missing ? $"{missing} is not installed (apt: containerd runc busybox-static; CTOP_KERNEL_TESTS=require fails instead)"
        : null;

    private readonly Lazy<IReadOnlyDictionary<string, string>> _facts;
    private readonly string _work = $"/tmp/ctop-cd.{Environment.ProcessId}";
    private int _down;

    public Containerd() => _facts = new Lazy<IReadOnlyDictionary<string, string>>(Start);

    public IReadOnlyDictionary<string, string> Facts => _facts.Value;

    public string Address => Facts["containerd_address"];

    /// <summary>The top cgroup every container of this run is under (ctop-test-cd-…).</summary>
    public string Parent => "/" + Facts["pod_cgroup"].Split('/', StringSplitOptions.RemoveEmptyEntries)[0];

    private IReadOnlyDictionary<string, string> Start()
    {
        RemoveStale();
        try
        {
            var (rc, output) = TestProcess.Run("bash", [Script, "up", _work, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3));
            if (rc != 0) throw new InvalidOperationException($"containerd.sh up failed ({rc}):\n{output}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains('='))
                .Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1].Trim());
        }
        catch
        {
            Down();
            throw;
        }
    }

    private void Down()
    {
        if (Interlocked.Exchange(ref _down, 1) != 0) return;
        TestProcess.Run("bash", [Script, "down", _work], TimeSpan.FromMinutes(3));
    }

    private static void RemoveStale()
    {
        foreach (var dir in Directory.GetDirectories("/tmp", "ctop-cd.*"))
        {
            if (!int.TryParse(Path.GetExtension(dir).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
            TestProcess.Run("bash", [Script, "down", dir], TimeSpan.FromMinutes(3));
        }
    }

    public void Dispose()
    {
        if (!_facts.IsValueCreated) return;
        var parent = _facts.Value.TryGetValue("pod_cgroup", out var pod) ? pod.Split('/', StringSplitOptions.RemoveEmptyEntries)[0] : null;
        Down();
        var left = Leftovers.Find(_work, []).Where(l => !l.StartsWith("host path", StringComparison.Ordinal)).ToList();
        if (parent is not null)
            left.AddRange(Directory.GetDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, parent)).Where(Directory.Exists).Select(c => "cgroup " + c));
        if (left.Count > 0) throw new InvalidOperationException("the containerd tier left behind:\n" + string.Join('\n', left));
    }
}

/// <summary>
/// Not run beside the docker and podman collection: both make containerd's shims use /run/containerd, and each checks
/// what is left there when it ends.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerdCollection : ICollectionFixture<Containerd>
{
    public const string Name = "containerd";
}
