using System.Net;
using System.Net.Sockets;
using Containers.Tests.Support;
using Ctop.TestSupport;

namespace Containers.Tests;

/// <summary>
/// The ctop image (deploy/image/build.sh) built from the published NativeAOT binary without pulling anything, loaded
/// into the tier's private dockerd (which has no network), and run as the DaemonSet runs it: the host's pid namespace,
/// the host's /proc mounted read-only at /host/proc and its cgroupfs over the container's own /sys/fs/cgroup, a
/// read-only root, no capabilities, no new privileges.
/// </summary>
[Collection(RuntimesCollection.Name)]
public sealed class ImageTests(Runtimes runtimes, ITestOutputHelper log)
{
    private static readonly object Gate = new();
    private static string? _tag;

    private static string BuildScript => Path.Combine(TestProcess.RepoRoot, "deploy", "image", "build.sh");

    /// <summary>Builds and loads the image once per run; its tag names this run.</summary>
    private string Image()
    {
        lock (Gate)
        {
            if (_tag is { } t) return t;
            var up = runtimes.Up;
            var tag = $"ctop-test/ctop:{up.Suffix}";
            var tarball = Path.Combine(up.Work, "ctop-image.tar");
            var (rc, output) = TestProcess.Run("bash", [BuildScript, "--binary", PublishedCtop.Binary, "--tag", tag, "--output", tarball], TimeSpan.FromMinutes(3));
            Assert.True(rc == 0, $"build.sh failed ({rc}):\n{output}");
            log.WriteLine(output);
            log.WriteLine($"image tarball: {new FileInfo(tarball).Length / 1e6:F1} MB");
            up.DockerOk("load", "-i", tarball);
            File.Delete(tarball);
            return _tag = tag;
        }
    }

    /// <summary>What the DaemonSet gives ctop, in docker's words.</summary>
    private static readonly string[] AsTheDaemonSet =
    [
        "--pid", "host", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "0:0",
        "-v", "/proc:/host/proc:ro", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
    ];

    [RuntimeFact]
    public void The_image_holds_only_ctop_its_libraries_and_passwd()
    {
        var tag = Image();
        var up = runtimes.Up;
        var config = up.DockerOk("image", "inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{len .RootFS.Layers}}", tag);
        Assert.Equal("[\"/usr/local/bin/ctop\"] [\"serve\",\"--listen\",\"0.0.0.0:10109\"] 0:0 1", config);
        // The same binary and build give the same image: the layer is sorted and dated at the epoch.
        var id = up.DockerOk("image", "inspect", "-f", "{{.Id}}", tag);
        var again = Path.Combine(up.Work, "again.tar");
        var (rc, output) = TestProcess.Run("bash", [BuildScript, "--binary", PublishedCtop.Binary, "--tag", tag, "--output", again], TimeSpan.FromMinutes(3));
        Assert.True(rc == 0, output);
        File.Delete(again);
        Assert.Contains("config_digest=" + id, output);
    }

    [RuntimeFact]
    public void Ctop_in_the_image_sees_the_hosts_containers_through_the_mounted_proc_and_cgroupfs()
    {
        var tag = Image();
        var up = runtimes.Up;
        var (rc, stdout, stderr) = up.Docker(["run", "--rm", "--network", "none", .. AsTheDaemonSet, tag,
            "-b", "--json", "-n", "2", "-d", "0.5", "--cgroups-only", "--proc-root", "/host/proc"]);
        Assert.True(rc == 0, $"docker run exited {rc}: {stderr}");
        var frame = Json.Lines(stdout)[^1];
        Assert.Equal("host", frame.Str("scope.kind"));
        var web = frame.Cgroup("/docker/" + up.Ids["web"]);
        Assert.Equal(0.5, web.Num("cpu.limitCores"));
        Assert.Equal(64L << 20, (long)web.Num("memory.limitBytes")!);
    }

    [RuntimeFact]
    public async Task The_image_serves_metrics_as_the_DaemonSet_runs_it()
    {
        var tag = Image();
        var up = runtimes.Up;
        var help = up.Docker(["run", "--rm", "--network", "none", tag, "serve", "--help"]);
        Assert.True(help.ExitCode == 0, $"ctop in the image has no serve command (it comes with `ctop serve`): {help.Stdout}{help.Stderr}");

        int port = FreePort();
        var name = $"ctop-test-image-{up.Suffix}";
        // Host networking on 127.0.0.1: the tier's dockerd has no bridge; the DaemonSet listens on 0.0.0.0 in its pod's own network.
        up.DockerOk(["run", "-d", "--name", name, "--network", "host", .. AsTheDaemonSet, tag,
            "serve", "--listen", $"127.0.0.1:{port}", "--proc-root", "/host/proc"]);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? body = null;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < until)
            {
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
                    body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK && body.Contains("container_cpu_usage_seconds_total", StringComparison.Ordinal)) break;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(500);
            }
            Assert.True(body is not null, "no answer on /metrics within 60 s: " + up.Docker("logs", name).Stderr);
            Assert.Contains("ctop_build_info", body);
            Assert.Contains($"id=\"/docker/{up.Ids["web"]}\"", body);
            Assert.Contains("container_spec_cpu_quota", body);
            var missing = await http.GetAsync($"http://127.0.0.1:{port}/nothing-here");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            // Still running after serving: no crash in the read-only, capability-less container.
            Assert.Equal("true", up.DockerOk("inspect", "-f", "{{.State.Running}}", name));
        }
        finally
        {
            up.Docker("rm", "-f", name);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
