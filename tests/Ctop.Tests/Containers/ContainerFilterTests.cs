using Ctop.Cli;
using Ctop.Model;
using Ctop.Output;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Containers;

public class ContainerFilterTests
{
    private static ContainerId C(string name, string? image = null, params (string K, string V)[] labels) =>
        new("docker", name.GetHashCode().ToString("x8") + new string('0', 56), name)
        {
            Image = image,
            Labels = labels.Length == 0 ? null : labels.ToDictionary(l => l.K, l => l.V),
            Source = "docker-api",
        };

    private static ContainerFilter F(params string[] filters) => ContainerFilter.Parse(filters, out var e) ?? throw new Exception(e);

    [Fact]
    public void Name_is_a_part_of_the_name_and_several_names_match_any()
    {
        Assert.True(F("name=web").Matches(C("shop-web-1")));
        Assert.False(F("name=web").Matches(C("db")));
        Assert.True(F("name=web", "name=db").Matches(C("db")));
        Assert.False(F("name=web").Matches(null));
    }

    [Fact]
    public void Labels_all_have_to_match_key_alone_or_key_and_value()
    {
        var c = C("web", "nginx", ("app", "web"), ("tier", "front"));
        Assert.True(F("label=app").Matches(c));
        Assert.True(F("label=app=web", "label=tier=front").Matches(c));
        Assert.False(F("label=app=web", "label=tier=back").Matches(c));
        Assert.False(F("label=app=we").Matches(c));
        Assert.False(F("label=app").Matches(C("bare")));
        // A value may itself hold '='.
        Assert.True(F("label=cmd=a=b").Matches(C("x", null, ("cmd", "a=b"))));
    }

    [Theory]
    [InlineData("busybox", "busybox:latest", true)]
    [InlineData("busybox", "docker.io/library/busybox:1.36", true)]
    [InlineData("busybox:1.36", "busybox:1.35", false)]
    [InlineData("local/busybox-ci", "localhost/local/busybox-ci:77", true)]
    [InlineData("localhost:5000/app", "localhost:5000/app:1", true)]
    [InlineData("localhost:5000/app", "localhost:5000/other:1", false)]
    [InlineData("nginx", "nginx-extra:1", false)]
    public void Image_matches_with_or_without_tag_and_registry_prefix(string wanted, string image, bool match) =>
        Assert.Equal(match, F("image=" + wanted).Matches(C("x", image)));

    [Fact]
    public void Keys_combine_and_plain_cgroups_never_pass()
    {
        var c = C("web", "nginx:1", ("app", "web"));
        Assert.True(F("name=web", "image=nginx", "label=app").Matches(c));
        Assert.False(F("name=web", "image=redis").Matches(c));
        Assert.True(F("id=" + c.Id[..6].ToUpperInvariant()).Matches(c));
        Assert.True(F("ancestor=nginx").Matches(c));
    }

    [Theory]
    [InlineData("web", "expected KEY=VALUE")]
    [InlineData("status=running", "KEY one of name, id, image, ancestor, label")]
    [InlineData("name=", "name= needs a value")]
    [InlineData("label==x", "label=KEY or label=KEY=VALUE")]
    public void Bad_filters_say_what_is_expected(string filter, string message)
    {
        Assert.Null(ContainerFilter.Parse([filter], out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void The_frame_keeps_matching_containers_and_their_processes()
    {
        var web = C("web", "nginx", ("app", "web"));
        var db = C("db", "postgres", ("app", "db"));
        var frame = Frame([Cgroup("/docker/w", web), Cgroup("/docker/d", db), Cgroup("/system.slice")],
            [Process(1, cgroup: "/docker/w", container: web), Process(2, cgroup: "/docker/d", container: db), Process(3, cgroup: "/", container: null)]);
        var f = new FrameFilter { Containers = F("label=app=web") }.Apply(frame);
        Assert.Equal(["/docker/w"], f.Cgroups.Select(c => c.Path));
        Assert.Equal([1], f.Processes.Select(p => p.Pid));
    }

    [Fact]
    public void The_command_line_binds_filters_and_hosts_and_refuses_bad_ones()
    {
        var cmd = new CtopCommand();
        var parsed = cmd.Parse(["-b", "--filter", "name=web", "-f", "label=app=x", "--docker-host", "unix:///tmp/d.sock"]);
        Assert.Empty(parsed.Errors);
        var o = cmd.Bind(parsed, environment: _ => null);
        Assert.Equal(["web"], o.Batch.Filter.Containers!.Names);
        Assert.Equal([("app", (string?)"x")], o.Batch.Filter.Containers.Labels);
        Assert.Equal("/tmp/d.sock", o.Sampling.Runtimes!.DockerHost!.SocketPath);
        Assert.Equal("/run/podman/podman.sock", o.Sampling.Runtimes.PodmanHost!.SocketPath);
        Assert.Empty(o.Warnings);

        Assert.Contains(cmd.Parse(["--filter", "bogus=1"]).Errors, e => e.Message.Contains("Invalid --filter 'bogus=1'"));
        Assert.Contains(cmd.Parse(["--docker-host", "ssh://x"]).Errors, e => e.Message.Contains("Invalid --docker-host"));
        Assert.Contains(cmd.Parse(["--podman-host", "relative.sock"]).Errors, e => e.Message.Contains("Invalid --podman-host"));
        Assert.Contains(cmd.Parse(["--filter", "name=x", "--processes-only"]).Errors, e => e.Message.Contains("--processes-only"));

        o = cmd.Bind(cmd.Parse(["-b"]), environment: k => k == "DOCKER_HOST" ? "ssh://me@far" : null);
        Assert.Null(o.Sampling.Runtimes!.DockerHost);
        Assert.Contains(o.Warnings, w => w.Contains("DOCKER_HOST"));
    }
}
