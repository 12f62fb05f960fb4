using Ctop.TestSupport;
using ProcFs.Tests.Support;
using Serve.Tests.Support;

namespace Serve.Tests;

/// <summary>The real tier's tests share one machine's CPU: they run one after another, never beside each other.</summary>
[CollectionDefinition("real serve", DisableParallelization = true)]
public sealed class RealServeCollection;

/// <summary>
/// A real Prometheus scrapes the published ctop serve every second while a quota'd busy loop runs in a ctop-test-*
/// cgroup and an unlimited child sits under a limited parent; everything is checked through Prometheus's HTTP API.
/// </summary>
[Collection("real serve")]
public sealed class PrometheusTests(ITestOutputHelper output)
{
    [PrometheusFact]
    public void Prometheus_sees_throttling_quota_and_effective_limits()
    {
        using var busy = new RealCgroup("cpu", "cpuacct", "memory");
        busy.Write("cpu", "cpu.cfs_period_us", "100000");
        busy.Write("cpu", "cpu.cfs_quota_us", "20000");
        busy.Favour();
        busy.StartBusyLoop();
        using var parent = new RealCgroup("cpu", "cpuacct", "memory");
        parent.Write("cpu", "cpu.cfs_period_us", "100000");
        parent.Write("cpu", "cpu.cfs_quota_us", "50000");
        parent.Write("memory", "memory.limit_in_bytes", (256L << 20).ToString());
        var kid = parent.CreateChild("kid");
        parent.Start("exec sleep 600", "kid");

        // Only the test's own cgroups: the scrape stays small and the queries unambiguous.
        // Cgroups only (no run-queue waits): the test is about the counters and limits, and a sample stays cheap on a busy machine.
        using var ctop = new CtopServe("-d", "1", "--cgroup", "/ctop-test-", "--no-schedstat");
        using var prometheus = new PrometheusServer(ctop.Target);
        try
        {
            var up = prometheus.WaitFor("up{job=\"ctop\"}", r => r.Count == 1 && r[0].Value == 1, TimeSpan.FromSeconds(30));
            Assert.True(up.Count == 1 && up[0].Value == 1, $"target not up: {prometheus.Target()}");

            // kube-prometheus's CPUThrottlingHigh reads exactly these counters.
            string ratio = $"rate(container_cpu_cfs_throttled_periods_total{{id=\"{busy.CgroupPath}\"}}[5s]) / rate(container_cpu_cfs_periods_total{{id=\"{busy.CgroupPath}\"}}[5s])";
            var throttled = prometheus.WaitFor(ratio, r => r.Count == 1 && r[0].Value > 0.5, TimeSpan.FromSeconds(45));
            output.WriteLine($"{ratio} = {string.Join(", ", throttled.Select(r => r.Value))}");
            Assert.True(throttled.Count == 1 && throttled[0].Value > 0.5, $"throttled ratio {string.Join(", ", throttled.Select(r => r.Value))}; target {prometheus.Target()}");

            // A one-second gauge: wait for it as for the rate above, one scrape may fall in a period the loop was not throttled.
            var own = prometheus.WaitFor($"ctop_cpu_throttled_periods_ratio{{id=\"{busy.CgroupPath}\"}}", r => r.Count == 1 && r[0].Value > 0.5, TimeSpan.FromSeconds(45));
            Assert.True(own.Count == 1 && own[0].Value > 0.5, $"ctop_cpu_throttled_periods_ratio {string.Join(", ", own.Select(r => r.Value))}");

            var quota = prometheus.Query($"container_spec_cpu_quota{{id=\"{busy.CgroupPath}\"}}");
            Assert.Equal(20000, Assert.Single(quota).Value);
            Assert.Equal(100000, Assert.Single(prometheus.Query($"container_spec_cpu_period{{id=\"{busy.CgroupPath}\"}}")).Value);

            // The child has no limit of its own; its parent's bind it, and ctop says so and who sets them.
            Assert.Empty(prometheus.Query($"container_spec_cpu_quota{{id=\"{kid}\"}}"));
            Assert.Equal(0, Assert.Single(prometheus.Query($"container_spec_memory_limit_bytes{{id=\"{kid}\"}}")).Value);
            var cpu = Assert.Single(prometheus.Query($"ctop_cpu_effective_limit_cores{{id=\"{kid}\"}}"));
            Assert.Equal(0.5, cpu.Value);
            Assert.Equal(parent.CgroupPath, cpu.Labels["limited_by"]);
            var mem = Assert.Single(prometheus.Query($"ctop_memory_effective_limit_bytes{{id=\"{kid}\"}}"));
            Assert.Equal(256L << 20, mem.Value);
            Assert.Equal(parent.CgroupPath, mem.Labels["limited_by"]);
            var ws = Assert.Single(prometheus.Query($"ctop_memory_working_set_effective_limit_ratio{{id=\"{kid}\"}}"));
            Assert.InRange(ws.Value, 0, 1);

            Assert.Single(prometheus.Query("ctop_build_info{job=\"ctop\"}"));
            Assert.Single(prometheus.Query("ctop_scrape_duration_seconds{job=\"ctop\"}"));
        }
        finally
        {
            output.WriteLine("ctop: " + ctop.Process.Stderr);
            output.WriteLine("prometheus: " + prometheus.Stderr);
        }
    }

    /// <summary>The published binary's real output, in both formats, passes promtool's lint; the text body has every family's HELP and TYPE.</summary>
    [PrometheusFact]
    public void Promtool_accepts_what_the_binary_serves()
    {
        using var ctop = new CtopServe("-d", "1");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        (string Status, string Body) r;
        while ((r = ctop.Get("/metrics")).Status != "HTTP/1.1 200 OK" && DateTime.UtcNow < deadline) Thread.Sleep(200);
        Assert.Equal("HTTP/1.1 200 OK", r.Status);
        var (rc, said) = Tools.CheckMetrics(r.Body);
        output.WriteLine($"{r.Body.Length} bytes, {r.Body.Count(c => c == '\n')} lines; promtool: {said}");
        Assert.True(rc == 0 && said.Trim().Length == 0, $"promtool check metrics: exit {rc}\n{said}");
        foreach (var family in r.Body.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0]).Distinct())
        {
            Assert.Contains($"# HELP {family} ", r.Body);
            Assert.Contains($"# TYPE {family} ", r.Body);
        }
        var om = ctop.Get("/metrics", "application/openmetrics-text;version=1.0.0");
        Assert.EndsWith("# EOF\n", om.Body);
    }

    [PromFact]
    public void Promtool_unit_tests_of_the_alerts_pass()
    {
        var (rc, said) = TestProcess.Run(Tools.Promtool, ["test", "rules", "ctop-alerts.test.yaml"], TimeSpan.FromMinutes(2),
            workingDirectory: Tools.Repo("deploy", "kubernetes", "rules"));
        output.WriteLine(said);
        Assert.True(rc == 0, said);
        var (crc, csaid) = TestProcess.Run(Tools.Promtool, ["check", "rules", "ctop-alerts.yaml"], TimeSpan.FromMinutes(2),
            workingDirectory: Tools.Repo("deploy", "kubernetes", "rules"));
        Assert.True(crc == 0, csaid);
        Assert.Contains("3 rules found", csaid);
    }

    [PrometheusFact]
    public void Sigterm_ends_it_with_143_and_sigint_with_130()
    {
        var ctop = new CtopServe("-d", "1", "--cgroup", "/ctop-test-");
        Assert.Equal(143, ctop.Process.Signal("TERM", TimeSpan.FromSeconds(15)));
        ctop.Dispose();
        // SIGINT straight to a child of the test host: a shell's background job would have it ignored.
        var psi = new System.Diagnostics.ProcessStartInfo(CtopServe.Binary) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "serve", "--listen", "127.0.0.1:0", "--cgroup", "/ctop-test-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        try
        {
            Assert.StartsWith("ctop serve: listening on", p.StandardError.ReadLine());
            using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
            Assert.True(p.WaitForExit(15_000), "ctop serve did not end on SIGINT");
            Assert.Equal(130, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
    }
}
