using System.Diagnostics;
using Containers.Tests.Support;
using Ctop.Containers;
using Ctop.TestSupport;

namespace Containers.Tests;

/// <summary>
/// Without the API: an unreadable socket leaves path-derived names, with no error and no delay; docker's
/// config.v2.json files and podman's storage give the same names the APIs give.
/// </summary>
[Collection(RuntimesCollection.Name)]
public sealed class FallbackTests(Runtimes runtimes, ITestOutputHelper log)
{
    [RuntimeFact]
    public void An_unreadable_socket_degrades_to_ids_without_errors_or_delay()
    {
        var up = runtimes.Up;
        // nobody, without the docker group: connect(2) on the 660 root:docker socket (and podman's 600 one) is refused.
        var dir = Directory.CreateTempSubdirectory("ctop-nobody-").FullName;
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            var binary = Path.Combine(dir, "ctop");
            File.Copy(PublishedCtop.Binary, binary);
            File.SetUnixFileMode(binary, (UnixFileMode)0b111_101_101);
            var r = CtopOnHost.Run(["-b", "-n", "3", "-d", "0.5", "--json", "--cgroups-only", "--docker-host", up.DockerHost, "--podman-host", up.PodmanHost],
                asNobody: true, binaryOverride: binary);
            log.WriteLine($"3 frames at 0.5 s as nobody: {r.Elapsed.TotalSeconds:F2} s");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal("", r.Stderr);
            var frames = Json.Lines(r.Stdout);
            Assert.Equal(3, frames.Count);
            var web = frames[^1].Cgroup("/docker/" + up.Ids["web"]);
            Assert.Equal(up.Ids["web"][..12], web.Str("name"));
            Assert.Equal("cgroup", web.Str("container.source"));
            Assert.Null(web.Str("container.image"));
            var pweb = frames[^1].Cgroup("/libpod_parent/libpod-" + up.Ids["pweb"]);
            Assert.Equal(up.Ids["pweb"][..12], pweb.Str("name"));
            // Frames stay on their 0.5 s grid: 1 s for three frames, plus start-up; a wait on a socket would add seconds.
            Assert.True(r.Elapsed < TimeSpan.FromSeconds(6), $"took {r.Elapsed.TotalSeconds:F1} s");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [RuntimeFact]
    public async Task The_files_under_the_data_roots_name_containers_as_the_apis_do()
    {
        var up = runtimes.Up;
        var api = new RuntimeOptions
        {
            DockerHost = Host(up.DockerHost), PodmanHost = Host(up.PodmanHost), DockerDataRoot = null, PodmanStorageRoot = null,
        };
        var files = new RuntimeOptions
        {
            DockerHost = Host("unix://" + Path.Combine(up.Work, "absent.sock")), PodmanHost = null,
            DockerDataRoot = up.Facts["docker_data_root"], PodmanStorageRoot = up.Facts["podman_storage_root"],
        };
        using var fromApi = new ContainerCatalog(api);
        using var fromFiles = new ContainerCatalog(files);
        var a = await fromApi.RefreshAsync();
        var sw = Stopwatch.StartNew();
        var f = await fromFiles.RefreshAsync();
        log.WriteLine($"files read in {sw.Elapsed.TotalMilliseconds:F0} ms; {string.Join("; ", f.Status)}");

        foreach (var role in new[] { "web", "db", "k8s" })
        {
            var (x, y) = (a.ById[up.Ids[role]], f.ById[up.Ids[role]]);
            Assert.Equal(("docker-api", "docker-config"), (x.Source, y.Source));
            Assert.Equal((x.Name, x.Image, x.Pod), (y.Name, y.Image, y.Pod));
            Assert.Equal(x.Labels, y.Labels);
        }
        foreach (var role in new[] { "pweb", "pdb" })
        {
            var (x, y) = (a.ById[up.Ids[role]], f.ById[up.Ids[role]]);
            Assert.Equal(("podman-api", "podman-storage"), (x.Source, y.Source));
            Assert.Equal((x.Name, x.Image), (y.Name, y.Image));
            Assert.Null(y.Labels); // only podman's database has them, and it is not read
        }
        Assert.Contains(f.Status, s => s.StartsWith("docker:", StringComparison.Ordinal) && s.Contains("from its files") && s.Contains("no such socket"));
    }

    private static EngineHost Host(string url) => EngineHost.TryParse(url, out var h, out var e) ? h! : throw new ArgumentException(e);
}
