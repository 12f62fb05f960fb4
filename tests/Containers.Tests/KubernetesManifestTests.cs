using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ctop.TestSupport;
using ProcFs.Tests.Support;

namespace Containers.Tests;

/// <summary>A test that needs kubectl, node and npm (apt: kubectl nodejs); skipped without them unless CTOP_KERNEL_TESTS=require.</summary>
public sealed class ManifestFactAttribute : FactAttribute
{
    public ManifestFactAttribute()
    {
        if (KubernetesManifestTests.SkipReason is { } why) Skip = why;
    }
}

/// <summary>
/// deploy/kubernetes renders offline with `kubectl kustomize`, and every document validates against its schema offline:
/// Kubernetes' OpenAPI schemas and the Prometheus Operator's CRD schemas, as the npm packages kubernetes-models and
/// @kubernetes-models/prometheus-operator carry them (tests/Kubernetes/validate.mjs). The validator is shown to reject
/// broken manifests, and the DaemonSet to ask for what docs/kubernetes.md promises and nothing more.
/// </summary>
public sealed class KubernetesManifestTests(ITestOutputHelper log)
{
    private static string Deploy => Path.Combine(TestProcess.RepoRoot, "deploy", "kubernetes");
    private static string Validation => Path.Combine(TestProcess.RepoRoot, "tests", "Kubernetes");
    private const string Kubectl = "/usr/bin/kubectl";

    public static string? SkipReason =>
        KernelTestEnvironment.Required ? null
        : !File.Exists(Kubectl) ? "kubectl is not installed (CTOP_KERNEL_TESTS=require fails instead)"
        : !OnPath("node") || !OnPath("npm") ? "node and npm are not installed (apt: nodejs npm; CTOP_KERNEL_TESTS=require fails instead)"
        : null;

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    private static readonly Lazy<string> Rendered = new(() =>
    {
        // No cluster, no network: kustomize reads the folder only.
        var (rc, stdout, stderr) = TestProcess.RunSeparately(Kubectl, ["kustomize", Deploy], TimeSpan.FromMinutes(2),
            new Dictionary<string, string?> { ["KUBECONFIG"] = "/nonexistent", ["HTTPS_PROXY"] = "http://127.0.0.1:9", ["HTTP_PROXY"] = "http://127.0.0.1:9" });
        if (rc != 0) throw new InvalidOperationException($"kubectl kustomize {Deploy} failed ({rc}): {stderr}");
        return stdout;
    });

    /// <summary>
    /// The validator and its npm packages, installed once per package-lock.json into a cache kept between runs
    /// ($CTOP_NPM_CACHE, else ~/.cache/ctop-npm): `npm ci` from the registry the first time, offline afterwards.
    /// </summary>
    private static readonly Lazy<string> Validator = new(() =>
    {
        var lockBytes = File.ReadAllBytes(Path.Combine(Validation, "package-lock.json"));
        var hash = Convert.ToHexString(SHA256.HashData(lockBytes))[..16].ToLowerInvariant();
        var cache = Environment.GetEnvironmentVariable("CTOP_NPM_CACHE") is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ctop-npm");
        var dir = Path.Combine(cache, "validate-" + hash);
        if (!File.Exists(Path.Combine(dir, "node_modules", ".package-lock.json")))
        {
            Directory.CreateDirectory(dir);
            File.Copy(Path.Combine(Validation, "package.json"), Path.Combine(dir, "package.json"), true);
            File.WriteAllBytes(Path.Combine(dir, "package-lock.json"), lockBytes);
            var (rc, output) = TestProcess.Run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", Path.Combine(cache, "npm-cache")],
                TimeSpan.FromMinutes(5), null, dir);
            if (rc != 0) throw new InvalidOperationException($"npm ci in {dir} failed ({rc}):\n{output}");
        }
        File.Copy(Path.Combine(Validation, "validate.mjs"), Path.Combine(dir, "validate.mjs"), true);
        return Path.Combine(dir, "validate.mjs");
    });

    private static (int ExitCode, string Stdout, string Stderr) Validate(string yaml, params string[] args)
    {
        var input = Path.Combine(Path.GetTempPath(), $"ctop-manifests-{Environment.ProcessId}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(input, yaml);
        try
        {
            return TestProcess.RunSeparately("bash", ["-c", "node \"$0\" \"${@:2}\" < \"$1\"", Validator.Value, input, .. args], TimeSpan.FromMinutes(2));
        }
        finally { File.Delete(input); }
    }

    private static JsonElement Documents()
    {
        var (rc, stdout, stderr) = Validate(Rendered.Value, "--json");
        Assert.True(rc == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static JsonElement Kind(JsonElement docs, string kind) =>
        docs.EnumerateArray().Single(d => d.GetProperty("kind").GetString() == kind);

    [ManifestFact]
    public void The_manifests_render_offline_and_validate_against_the_schemas()
    {
        var (rc, stdout, _) = Validate(Rendered.Value);
        log.WriteLine(stdout);
        Assert.True(rc == 0, stdout);
        var ok = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["ok DaemonSet ctop", "ok Namespace ctop", "ok PrometheusRule ctop", "ok Service ctop", "ok ServiceAccount ctop", "ok ServiceMonitor ctop"], ok);
    }

    [ManifestFact]
    public void The_validator_rejects_broken_manifests()
    {
        var good = Rendered.Value;
        (string What, string Broken, string Names)[] cases =
        [
            ("a port that is not a number", good.Replace("containerPort: 10109", "containerPort: metrics"), "DaemonSet ctop"),
            ("a DaemonSet without containers", good.Replace("      containers:\n", "      containerz:\n"), "DaemonSet ctop"),
            ("a rule duration in words", new System.Text.RegularExpressions.Regex(@"\bfor: \S+").Replace(good, "for: ten minutes", 1), "PrometheusRule ctop"),
            ("a ServiceMonitor interval in words", good.Replace("interval: 15s", "interval: often"), "ServiceMonitor ctop"),
            ("an unknown kind", good + "---\napiVersion: v1\nkind: Pdo\nmetadata:\n  name: x\n", "Pdo x"),
        ];
        foreach (var (what, broken, names) in cases)
        {
            Assert.NotEqual(good, broken);
            var (rc, stdout, _) = Validate(broken);
            Assert.True(rc == 1, $"{what}: accepted\n{stdout}");
            Assert.Contains("invalid " + names, stdout);
        }
    }

    [ManifestFact]
    public void The_DaemonSet_reads_the_node_with_no_privilege_beyond_root_file_permissions()
    {
        var docs = Documents();
        var pod = Kind(docs, "DaemonSet").GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.True(pod.GetProperty("hostPID").GetBoolean());
        Assert.False(pod.TryGetProperty("hostNetwork", out var hn) && hn.GetBoolean());
        Assert.Equal("RuntimeDefault", pod.GetProperty("securityContext").GetProperty("seccompProfile").GetProperty("type").GetString());
        Assert.Equal(0, pod.GetProperty("securityContext").GetProperty("runAsUser").GetInt32());
        Assert.False(pod.GetProperty("automountServiceAccountToken").GetBoolean());
        var c = pod.GetProperty("containers").EnumerateArray().Single();
        var sc = c.GetProperty("securityContext");
        Assert.False(sc.GetProperty("privileged").GetBoolean());
        Assert.False(sc.GetProperty("allowPrivilegeEscalation").GetBoolean());
        Assert.True(sc.GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.Equal(["ALL"], sc.GetProperty("capabilities").GetProperty("drop").EnumerateArray().Select(x => x.GetString()));
        Assert.False(sc.GetProperty("capabilities").TryGetProperty("add", out _));
        // Every host path is mounted read-only.
        var mounts = c.GetProperty("volumeMounts").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m);
        Assert.All(mounts.Values, m => Assert.True(m.GetProperty("readOnly").GetBoolean()));
        var hostPaths = pod.GetProperty("volumes").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("hostPath").GetProperty("path").GetString());
        Assert.Equal("/proc", hostPaths["proc"]);
        Assert.Equal("/sys/fs/cgroup", hostPaths["cgroup"]);
        // ctop is pointed at them.
        var args = c.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal("serve", args[0]);
        Assert.Contains("--proc-root=" + mounts["proc"].GetProperty("mountPath").GetString(), args);
        // The host's cgroupfs replaces the container's own at /sys/fs/cgroup, where mountinfo says the hierarchies are.
        Assert.Equal("/sys/fs/cgroup", mounts["cgroup"].GetProperty("mountPath").GetString());
        Assert.DoesNotContain(args, a => a!.StartsWith("--cgroup-root", StringComparison.Ordinal));
        Assert.Contains("--listen=0.0.0.0:10109", args);
        // Requests and limits for ctop itself.
        foreach (var kind in new[] { "requests", "limits" })
            foreach (var r in new[] { "cpu", "memory" })
                Assert.True(c.GetProperty("resources").GetProperty(kind).TryGetProperty(r, out _), $"no {kind}.{r}");
        // Probes on the endpoint, by the port's name.
        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            var get = c.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal(("/metrics", "metrics"), (get.GetProperty("path").GetString(), get.GetProperty("port").GetString()));
        }
        Assert.Equal(10109, c.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "metrics").GetProperty("containerPort").GetInt32());
    }

    [ManifestFact]
    public void The_Service_and_ServiceMonitor_find_the_pods_port()
    {
        var docs = Documents();
        var podLabels = Kind(docs, "DaemonSet").GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("labels");
        var service = Kind(docs, "Service");
        foreach (var s in service.GetProperty("spec").GetProperty("selector").EnumerateObject())
            Assert.Equal(s.Value.GetString(), podLabels.GetProperty(s.Name).GetString());
        var port = service.GetProperty("spec").GetProperty("ports").EnumerateArray().Single();
        Assert.Equal(("metrics", "metrics"), (port.GetProperty("name").GetString(), port.GetProperty("targetPort").GetString()));
        var monitor = Kind(docs, "ServiceMonitor");
        var serviceLabels = service.GetProperty("metadata").GetProperty("labels");
        foreach (var s in monitor.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").EnumerateObject())
            Assert.Equal(s.Value.GetString(), serviceLabels.GetProperty(s.Name).GetString());
        var endpoint = monitor.GetProperty("spec").GetProperty("endpoints").EnumerateArray().Single();
        Assert.Equal(("metrics", "/metrics"), (endpoint.GetProperty("port").GetString(), endpoint.GetProperty("path").GetString()));
        Assert.True(endpoint.GetProperty("honorLabels").GetBoolean());
        Assert.All(docs.EnumerateArray().Where(d => d.GetProperty("kind").GetString() != "Namespace"),
            d => Assert.Equal("ctop", d.GetProperty("metadata").GetProperty("namespace").GetString()));
    }

    /// <summary>
    /// The PrometheusRule carries the plain rules file that promtool tests (deploy/kubernetes/rules/ctop-alerts.yaml):
    /// prometheusrule.sh writes one from the other, and they must not drift. promtool accepts its groups.
    /// </summary>
    [ManifestFact]
    public void The_PrometheusRule_is_the_rules_file_and_promtool_accepts_it()
    {
        var script = Path.Combine(Deploy, "prometheusrule.sh");
        var rules = Path.Combine(Deploy, "rules", "ctop-alerts.yaml");
        var committed = File.ReadAllText(Path.Combine(Deploy, "prometheusrule.yaml"));
        if (File.Exists(rules))
        {
            var (rc, generated, stderr) = TestProcess.RunSeparately("sh", [script, rules], TimeSpan.FromMinutes(1));
            Assert.True(rc == 0, stderr);
            Assert.True(generated == committed, "deploy/kubernetes/prometheusrule.yaml differs from rules/ctop-alerts.yaml: run deploy/kubernetes/prometheusrule.sh");
        }
        else log.WriteLine("no rules/ctop-alerts.yaml yet: the PrometheusRule is checked on its own");

        var spec = Kind(Documents(), "PrometheusRule").GetProperty("spec");
        var alerts = spec.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Where(r => r.TryGetProperty("alert", out _)).Select(r => r.GetProperty("expr").GetString()!).ToList();
        Assert.Contains(alerts, e => e.Contains("throttled", StringComparison.Ordinal) && e.Contains("effective_limit", StringComparison.Ordinal));
        Assert.Contains(alerts, e => e.Contains("memory", StringComparison.Ordinal) && e.Contains("effective_limit", StringComparison.Ordinal));
        Assert.Contains(alerts, e => e.Contains("neighbour", StringComparison.Ordinal));
        if (!File.Exists("/usr/bin/promtool")) return;
        // promtool reads YAML, and JSON is YAML.
        var file = Path.Combine(Path.GetTempPath(), $"ctop-rules-{Environment.ProcessId}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, spec.GetRawText(), Encoding.UTF8);
        try
        {
            var (rc, output) = TestProcess.Run("/usr/bin/promtool", ["check", "rules", file], TimeSpan.FromMinutes(1));
            log.WriteLine(output);
            Assert.True(rc == 0, output);
        }
        finally { File.Delete(file); }
    }
}
