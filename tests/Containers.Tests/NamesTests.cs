using System.Text.Json;
using Containers.Tests.Support;

namespace Containers.Tests;

/// <summary>
/// ctop on the host beside a real dockerd and podman service: every container is named as its runtime names it, with its
/// image, labels and limits, and the pod-labelled one as NAMESPACE/POD/CONTAINER.
/// </summary>
[Collection(RuntimesCollection.Name)]
public sealed class NamesTests(Runtimes runtimes, ITestOutputHelper log)
{
    private static readonly object Gate = new();
    private static (JsonElement Frame, string Text)? _host;

    /// <summary>One JSON run and one text run of the host's ctop, shared by the tests of this class.</summary>
    private (JsonElement Frame, string Text) Host()
    {
        lock (Gate)
        {
            if (_host is { } h) return h;
            var up = runtimes.Up;
            log.WriteLine(up.Timings);
            var json = CtopOnHost.Run(["-b", "-n", "2", "-d", "0.5", "--json", "--docker-host", up.DockerHost, "--podman-host", up.PodmanHost]);
            Assert.True(json.ExitCode == 0 && json.Stderr.Length == 0, $"ctop exited {json.ExitCode}: {json.Stderr}");
            var text = CtopOnHost.Run(["-b", "-n", "1", "-d", "0.5", "--docker-host", up.DockerHost, "--podman-host", up.PodmanHost, "--filter", "image=" + up.Image]);
            Assert.True(text.ExitCode == 0 && text.Stderr.Length == 0, $"ctop exited {text.ExitCode}: {text.Stderr}");
            _host = (Json.Lines(json.Stdout)[^1], text.Stdout);
            return _host.Value;
        }
    }

    private JsonElement Container(string role, string parent = "/docker/") =>
        Host().Frame.Cgroup((role.StartsWith('p') ? "/libpod_parent/libpod-" : parent) + runtimes.Up.Ids[role]);

    [RuntimeTheory]
    [InlineData("web", 0.5, 64)]
    [InlineData("db", 0.25, 96)]
    public void Docker_containers_have_their_names_images_labels_and_limits(string role, double cpus, long mib)
    {
        var up = runtimes.Up;
        var c = Container(role);
        Assert.Equal(up.Name(role), c.Str("name"));
        Assert.Equal("docker", c.Str("container.runtime"));
        Assert.Equal(up.Ids[role], c.Str("container.id"));
        Assert.Equal(up.Name(role), c.Str("container.name"));
        Assert.Equal(up.Image, c.Str("container.image"));
        Assert.Equal("docker-api", c.Str("container.source"));
        Assert.Equal(role, c.Str("container.labels.app"));
        Assert.Equal(cpus, c.Num("cpu.limitCores"));
        Assert.Equal(mib << 20, (long)c.Num("memory.limitBytes")!);
    }

    [RuntimeFact]
    public void Labels_are_all_there_and_null_only_when_unknown()
    {
        var web = Container("web");
        Assert.Equal(["app", "tier"], web.At("container.labels").EnumerateObject().Select(p => p.Name));
        Assert.Equal("front", web.Str("container.labels.tier"));
        Assert.Equal(JsonValueKind.Null, web.At("container.pod").ValueKind);
    }

    [RuntimeTheory]
    [InlineData("pweb", 0.4, 80)]
    [InlineData("pdb", 0.2, 40)]
    public void Podman_containers_are_named_through_its_api_service(string role, double cpus, long mib)
    {
        var up = runtimes.Up;
        var c = Container(role);
        Assert.Equal(up.Name(role), c.Str("name"));
        Assert.Equal("podman", c.Str("container.runtime"));
        Assert.Equal(up.Facts["podman_image"], c.Str("container.image"));
        Assert.Equal("podman-api", c.Str("container.source"));
        Assert.Equal(cpus, c.Num("cpu.limitCores"));
        Assert.Equal(mib << 20, (long)c.Num("memory.limitBytes")!);
        if (role == "pweb") Assert.Equal("pweb", c.Str("container.labels.app"));
    }

    [RuntimeFact]
    public void A_container_with_kubernetes_labels_is_named_within_its_pod()
    {
        var c = Container("k8s");
        Assert.Equal("prod/shop-7d4/nginx", c.Str("name"));
        Assert.Equal("nginx", c.Str("container.name"));
        Assert.Equal("prod", c.Str("container.pod.namespace"));
        Assert.Equal("shop-7d4", c.Str("container.pod.name"));
        Assert.Equal("0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b", c.Str("container.pod.uid"));
        Assert.Equal(0.3, c.Num("cpu.limitCores"));
    }

    [RuntimeFact]
    public void Processes_carry_their_containers_names()
    {
        var up = runtimes.Up;
        var frame = Host().Frame;
        var sleeps = frame.GetProperty("processes").EnumerateArray()
            .Where(p => p.Str("cgroup") == "/docker/" + up.Ids["web"]).ToList();
        Assert.Contains(sleeps, p => p.Str("command") == "sleep 1000000");
        Assert.All(sleeps, p => Assert.Equal(up.Name("web"), p.Str("container")));
        var pod = frame.GetProperty("processes").EnumerateArray().Single(p => p.Str("cgroup") == "/docker/" + up.Ids["k8s"]);
        Assert.Equal("prod/shop-7d4/nginx", pod.Str("container"));
    }

    [RuntimeFact]
    public void The_text_table_shows_name_and_image()
    {
        var up = runtimes.Up;
        var text = Host().Text;
        log.WriteLine(text);
        var rows = text.Split('\n');
        // NAME is 32 columns: the name and the start of the image fit.
        Assert.Contains(rows, r => r.StartsWith($"{up.Name("web")} (ctop", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("prod/shop-7d4/nginx (", StringComparison.Ordinal));
        // The filter kept the five containers (podman's image is localhost/ the same name) and nothing else.
        int cgroupRows = rows.Skip(2).TakeWhile(r => r.Length > 0).Count();
        Assert.Equal(5, cgroupRows);
    }
}
