using System.Diagnostics;
using System.Text;
using Ctop.Containers;
using Ctop.Model;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Containers;

public sealed class ContainerCatalogTests : IDisposable
{
    private const string Web = "4f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";
    private const string Nginx = "aa1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";
    private const string PodUid = "0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b";

    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-catalog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string List(params (string Id, string Name, string Image, string Labels)[] cs) =>
        "[" + string.Join(",", cs.Select(c => $$"""{"Id":"{{c.Id}}","Names":["/{{c.Name}}"],"Image":"{{c.Image}}","Labels":{{c.Labels}}}""")) + "]";

    private static readonly string PodLabels =
        $$"""{"io.kubernetes.pod.name":"shop-7d4","io.kubernetes.pod.namespace":"prod","io.kubernetes.pod.uid":"{{PodUid}}","io.kubernetes.container.name":"nginx"}""";

    /// <summary>No fallback files, so only the given sockets answer.</summary>
    private static RuntimeOptions Options(string? docker, string? podman = null, TimeSpan? timeout = null) => new()
    {
        DockerHost = docker is null ? null : Host(docker),
        PodmanHost = podman is null ? null : Host(podman),
        DockerDataRoot = null,
        PodmanStorageRoot = null,
        ContainerdSocket = null,
        CriSocket = null,
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(5),
    };

    private static EngineHost Host(string url) => EngineHost.TryParse(url, out var h, out var e) ? h! : throw new ArgumentException(e);

    [Fact]
    public async Task A_frame_is_named_by_the_runtime_with_image_labels_and_pod()
    {
        using var engine = new FakeEngine(FakeEngine.Ok(List((Web, "web", "nginx:1.25", """{"app":"web"}"""), (Nginx, "k8s_nginx_shop", "nginx:1.25", PodLabels))));
        using var catalog = new ContainerCatalog(Options(engine.Url));
        await catalog.RefreshAsync();

        var web = ContainerNames.FromPath("/docker/" + Web)!;
        var inPod = ContainerNames.FromPath($"/kubepods/burstable/pod{PodUid}/{Nginx}")!;
        var pod = ContainerNames.FromPath($"/kubepods/burstable/pod{PodUid}")!;
        var frame = Frame([Cgroup("/docker/" + Web, web), Cgroup("/kubepods/burstable/pod" + PodUid, pod), Cgroup($"/kubepods/burstable/pod{PodUid}/{Nginx}", inPod), Cgroup("/system.slice")],
            [Process(10, cgroup: "/docker/" + Web, container: web), Process(11, cgroup: "/", container: null)]);

        var f = catalog.Annotate(frame);
        var w = f.Cgroups[0];
        Assert.Equal("web", w.Name);
        Assert.Equal("web", w.Container!.Name);
        Assert.Equal("docker", w.Container.Runtime);
        Assert.Equal("nginx:1.25", w.Container.Image);
        Assert.Equal("web", w.Container.Labels!["app"]);
        Assert.Equal("docker-api", w.Container.Source);
        Assert.Equal("web (nginx:1.25)", w.Container.Title);

        Assert.Equal("prod/shop-7d4", f.Cgroups[1].Name);
        Assert.Equal("shop-7d4", f.Cgroups[1].Container!.Name);
        Assert.Equal("prod/shop-7d4/nginx", f.Cgroups[2].Name);
        Assert.Equal(new PodName("prod", "shop-7d4", PodUid), f.Cgroups[2].Container!.Pod);
        Assert.Same(frame.Cgroups[3], f.Cgroups[3]);

        Assert.Equal("web", f.Processes[0].Container!.Name);
        Assert.Same(frame.Processes[1], f.Processes[1]);
    }

    [Fact]
    public void Before_any_refresh_a_frame_keeps_its_path_names()
    {
        using var catalog = new ContainerCatalog(Options("unix:///nonexistent/ctop.sock"));
        var web = ContainerNames.FromPath("/docker/" + Web)!;
        var frame = Frame([Cgroup("/docker/" + Web, web)]);
        Assert.Same(frame, catalog.Annotate(frame));
    }

    [Fact]
    public async Task A_missing_socket_leaves_path_names_and_says_why()
    {
        using var catalog = new ContainerCatalog(Options("unix:///nonexistent/ctop.sock"));
        var snap = await catalog.RefreshAsync();
        Assert.Empty(snap.ById);
        Assert.Contains(snap.Status, s => s.Contains("docker: unavailable") && s.Contains("no such socket"));
    }

    [Fact]
    public async Task A_daemon_that_never_answers_delays_no_frame()
    {
        using var engine = new FakeEngine(null, hang: true);
        using var catalog = new ContainerCatalog(Options(engine.Url, timeout: TimeSpan.FromSeconds(3))).Start();
        var web = ContainerNames.FromPath("/docker/" + Web)!;
        var frame = Frame([Cgroup("/docker/" + Web, web)], [Process(10, container: web)]);
        // Wait until the catalog's request is inside the wedged daemon, then time frames against it.
        for (var w = Stopwatch.StartNew(); engine.Requests == 0 && w.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(20);
        Assert.True(engine.Requests > 0, "the catalog never asked");
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++) Assert.Same(frame, catalog.Annotate(frame));
        Assert.True(sw.ElapsedMilliseconds < 500, $"100 frames took {sw.ElapsedMilliseconds} ms beside a hung socket");

        var snap = await catalog.RefreshAsync();
        Assert.Contains(snap.Status, s => s.Contains("no answer within 3 s"));
    }

    [Fact]
    public async Task An_unknown_container_id_asks_for_a_refresh_before_the_period()
    {
        using var engine = new FakeEngine(FakeEngine.Ok(List((Web, "web", "busybox", "{}"))));
        var options = Options(engine.Url) with { RefreshPeriod = TimeSpan.FromMinutes(10) };
        using var catalog = new ContainerCatalog(options).Start();
        for (var w = Stopwatch.StartNew(); catalog.Current.Generation == 0 && w.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(20);
        Assert.Equal(1, catalog.Current.Generation);

        var unknown = ContainerNames.FromPath("/docker/" + Nginx)!;
        catalog.Annotate(Frame([Cgroup("/docker/" + Nginx, unknown)]));
        for (var w = Stopwatch.StartNew(); catalog.Current.Generation < 2 && w.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(20);
        Assert.Equal(2, catalog.Current.Generation);

        // Asked once: an id no runtime knows does not refresh on every frame.
        for (int i = 0; i < 5; i++) { catalog.Annotate(Frame([Cgroup("/docker/" + Nginx, unknown)])); await Task.Delay(300); }
        Assert.Equal(2, catalog.Current.Generation);
    }

    [Fact]
    public async Task Without_the_socket_docker_config_files_name_running_containers()
    {
        var containers = Path.Combine(_dir, "docker", "containers");
        void Config(string id, string name, bool running) =>
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(containers, id)).FullName, "config.v2.json"),
                $$$"""{"ID":"{{{id}}}","Name":"/{{{name}}}","Config":{"Image":"local/app:2","Labels":{"app":"{{{name}}}"}},"State":{"Running":{{{(running ? "true" : "false")}}}}}""");
        Config(Web, "web", true);
        Config(Nginx, "old", false);
        Directory.CreateDirectory(Path.Combine(containers, "deadbeef")); // no config.v2.json: skipped

        var options = Options("unix:///nonexistent/ctop.sock") with { DockerDataRoot = Path.Combine(_dir, "docker") };
        using var catalog = new ContainerCatalog(options);
        var snap = await catalog.RefreshAsync();
        var r = Assert.Single(snap.ById.Values);
        Assert.Equal(("web", "local/app:2", "docker-config"), (r.Name, r.Image, r.Source));
        Assert.Equal("web", r.Labels!["app"]);
        Assert.Contains(snap.Status, s => s.Contains("from its files") && s.Contains("no such socket"));

        // A rename is seen: the file is read again when it changed.
        await Task.Delay(20);
        Config(Web, "web2", true);
        File.SetLastWriteTimeUtc(Path.Combine(containers, Web, "config.v2.json"), DateTime.UtcNow.AddSeconds(5));
        Assert.Equal("web2", (await catalog.RefreshAsync()).ById[Web].Name);
    }

    [Fact]
    public async Task An_unreadable_data_root_is_a_status_line_not_an_error()
    {
        var options = Options("unix:///nonexistent/ctop.sock") with { DockerDataRoot = Path.Combine(_dir, "absent") };
        using var catalog = new ContainerCatalog(options);
        var snap = await catalog.RefreshAsync();
        Assert.Empty(snap.ById);
        Assert.Contains(snap.Status, s => s.Contains("unavailable") && s.Contains("no such directory"));
    }

    [Fact]
    public void Podman_storage_gives_names_and_image_names()
    {
        var json = $$"""
            [{"id":"{{Web}}","names":["pweb"],"image":"ee26","metadata":"{\"image-name\":\"localhost/local/busybox:1\",\"name\":\"pweb\"}"},
             {"id":"{{Nginx}}","names":[],"metadata":"not json"}]
            """;
        var list = PodmanStorage.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(("pweb", "localhost/local/busybox:1", "podman-storage"), (list[0].Name, list[0].Image, list[0].Source));
        Assert.Null(list[0].Labels);
        Assert.Equal(ContainerId.Short(Nginx), list[1].Name);
    }

    [Fact]
    public async Task The_first_runtime_to_know_an_id_wins()
    {
        using var docker = new FakeEngine(FakeEngine.Ok(List((Web, "from-docker", "a", "{}"))));
        using var podman = new FakeEngine(FakeEngine.Ok(List((Web, "from-podman", "b", "{}"), (Nginx, "pod-only", "c", "{}"))));
        using var catalog = new ContainerCatalog(Options(docker.Url, podman.Url));
        var snap = await catalog.RefreshAsync();
        Assert.Equal("from-docker", snap.ById[Web].Name);
        Assert.Equal("podman-api", snap.ById[Nginx].Source);
        Assert.Equal(2, snap.Status.Count);
    }
}
