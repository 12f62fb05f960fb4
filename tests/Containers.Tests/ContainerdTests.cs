using System.Diagnostics;
using System.Text.Json;
using Containers.Tests.Support;
using Ctop.Containers;

namespace Containers.Tests;

/// <summary>
/// ctop beside a real containerd whose namespace k8s.io holds a pod as the kubelet's CRI plugin leaves it (labels
/// io.kubernetes.pod.*, io.kubernetes.container.name, io.cri-containerd.kind) in kubepods-style cgroups: the pod's
/// cgroup is NAMESPACE/POD, its containers carry their container names, with the path as the fallback.
/// </summary>
[Collection(ContainerdCollection.Name)]
public sealed class ContainerdTests(Containerd containerd, ITestOutputHelper log)
{
    private string PodCgroup => containerd.Facts["pod_cgroup"];

    private JsonElement LastFrame(params string[] extra)
    {
        // Frames over 7 s: the first may come before the catalog's first answer (documented; frames never wait for it),
        // and a first request that a loaded machine makes miss its 2-s bound is asked again at the 5-s refresh.
        var r = CtopOnHost.Run(["-b", "--json", "-n", "8", "-d", "1", "--cgroup", containerd.Parent, "--containerd-address", containerd.Address, .. extra]);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, $"ctop exited {r.ExitCode}: {r.Stderr}");
        log.WriteLine($"ctop took {r.Elapsed.TotalSeconds:F1} s; containerd {containerd.Facts["containerd_version"]}");
        return Json.Lines(r.Stdout)[^1];
    }

    [ContainerdFact]
    public void The_pod_cgroup_is_NAMESPACE_POD_and_its_containers_carry_their_names()
    {
        var frame = LastFrame();
        var pod = frame.Cgroup(PodCgroup);
        Assert.Equal("prod/shop-0", pod.Str("name"));
        Assert.Equal("kubernetes", pod.Str("container.runtime"));
        Assert.Equal(containerd.Facts["pod_uid"], pod.Str("container.id"));
        Assert.Equal("containerd-api", pod.Str("container.source"));
        Assert.Equal(("prod", "shop-0", containerd.Facts["pod_uid"]), (pod.Str("container.pod.namespace"), pod.Str("container.pod.name"), pod.Str("container.pod.uid")));

        var app = frame.Cgroup(PodCgroup + "/" + containerd.Facts["app_id"]);
        Assert.Equal("prod/shop-0/nginx", app.Str("name"));
        Assert.Equal("nginx", app.Str("container.name"));
        Assert.Equal(containerd.Facts["image"], app.Str("container.image"));
        Assert.Equal("containerd-api", app.Str("container.source"));
        Assert.Equal("shop-0", app.Str("container.pod.name"));
        Assert.Equal("container", app.At("container.labels").GetProperty("io.cri-containerd.kind").GetString());

        var sandbox = frame.Cgroup(PodCgroup + "/" + containerd.Facts["sandbox_id"]);
        Assert.Equal("prod/shop-0/POD", sandbox.Str("name"));

        // The processes in the pod's containers carry the names too.
        var sleeps = frame.GetProperty("processes").EnumerateArray()
            .Where(p => p.GetProperty("cgroup").GetString() == PodCgroup + "/" + containerd.Facts["app_id"]).ToList();
        Assert.NotEmpty(sleeps);
        Assert.All(sleeps, p => Assert.Equal("prod/shop-0/nginx", p.Str("container")));
    }

    [ContainerdFact]
    public void The_text_table_shows_the_pod_and_the_container_with_its_image()
    {
        var r = CtopOnHost.Run(["-b", "-n", "8", "-d", "1", "--cgroups-only", "--cgroup", containerd.Parent, "--containerd-address", containerd.Address]);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, $"ctop exited {r.ExitCode}: {r.Stderr}");
        var last = r.Stdout[r.Stdout.LastIndexOf("NAME", StringComparison.Ordinal)..];
        // NAME is cut to 32 characters, keeping a name's start: "prod/shop-0/nginx (docker.io/...".
        Assert.Contains("\nprod/shop-0/nginx (docker.io/", last);
        Assert.Contains("\nprod/shop-0/POD (", last);
        Assert.Contains("\nprod/shop-0 ", last);
    }

    [ContainerdFact]
    public void A_label_filter_selects_the_pod_by_its_namespace()
    {
        var frame = LastFrame("-f", "label=io.kubernetes.pod.namespace=prod", "--cgroups-only");
        var names = frame.GetProperty("cgroups").EnumerateArray().Select(c => c.Str("name")).ToHashSet();
        Assert.Contains("prod/shop-0/nginx", names);
        Assert.Contains("prod/shop-0/POD", names);
    }

    [ContainerdFact]
    public void Without_access_to_the_socket_the_path_names_them_and_frames_are_on_time()
    {
        // nobody cannot connect to containerd's socket (root's, 0660): the pod keeps its path name, with no error.
        var r = CtopOnHost.Run(["-b", "--json", "-n", "3", "-d", "0.5", "--cgroups-only", "--cgroup", containerd.Parent, "--containerd-address", containerd.Address], asNobody: true);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, $"ctop exited {r.ExitCode}: {r.Stderr}");
        var pod = Json.Lines(r.Stdout)[^1].Cgroup(PodCgroup);
        Assert.Equal("pod " + containerd.Facts["pod_uid"][..8], pod.Str("name"));
        Assert.Equal("cgroup", pod.Str("container.source"));
    }

    [ContainerdFact]
    public async Task The_catalog_asks_containerd_in_namespace_k8s_io()
    {
        using var catalog = new ContainerCatalog(new RuntimeOptions
        {
            DockerHost = null, PodmanHost = null, DockerDataRoot = null, PodmanStorageRoot = null, ContainerdSocket = containerd.Address, CriSocket = null,
            // The first call JIT-compiles the HTTP/2 and gRPC stack in this test host; the bound is not what is tested here.
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
        var sw = Stopwatch.StartNew();
        var snap = await catalog.RefreshAsync();
        log.WriteLine($"List answered in {sw.Elapsed.TotalMilliseconds:F0} ms: {string.Join("; ", snap.Status)}");
        Assert.Equal(["containerd: 2 running container(s) from unix://" + containerd.Address], snap.Status);
        Assert.Equal("nginx", snap.ById[containerd.Facts["app_id"]].Name);
        Assert.Equal("POD", snap.ById[containerd.Facts["sandbox_id"]].Name);
        Assert.Equal("shop-0", snap.PodsByUid[containerd.Facts["pod_uid"]].Pod.Name);
    }
}
