using Ctop.Model;

namespace Ctop.Tests.Model;

public class ContainerNamesTests
{
    private const string Id = "4f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";

    [Theory]
    [InlineData("/docker/" + Id, "docker", "4f1c2a9b8e7d")]
    [InlineData("/system.slice/docker-" + Id + ".scope", "docker", "4f1c2a9b8e7d")]
    [InlineData("/machine.slice/libpod-" + Id + ".scope", "podman", "4f1c2a9b8e7d")]
    [InlineData("/machine.slice/libpod-" + Id + ".scope/container", "podman", "4f1c2a9b8e7d")]
    [InlineData("/libpod_parent/libpod-" + Id, "podman", "4f1c2a9b8e7d")]
    [InlineData("/system.slice/crio-" + Id + ".scope", "cri-o", "4f1c2a9b8e7d")]
    [InlineData("/lxc/web", "lxc", "web")]
    [InlineData("/lxc.payload.web", "lxc", "web")]
    [InlineData("/ctop/box1", "ctop", "box1")]
    [InlineData("/system.slice/nginx.service", "systemd", "nginx")]
    [InlineData("/user.slice/user-1000.slice/session-3.scope", "systemd", "session-3")]
    public void RecognisesRuntimesByTheirPaths(string path, string runtime, string name)
    {
        var c = ContainerNames.FromPath(path);
        Assert.NotNull(c);
        Assert.Equal(runtime, c!.Runtime);
        Assert.Equal(name, c.Name);
    }

    [Fact]
    public void AKubernetesContainerIsNamedWithItsPod()
    {
        var path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b8f5c3e_1d2a_4e6f_9a8b_7c6d5e4f3a2b.slice/cri-containerd-" + Id + ".scope";
        var c = ContainerNames.FromPath(path)!;
        Assert.Equal("containerd", c.Runtime);
        Assert.Equal(Id, c.Id);
        Assert.Equal("4f1c2a9b8e7d (pod 0b8f5c3e)", c.Name);

        var pod = ContainerNames.FromPath("/kubepods/burstable/pod0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b")!;
        Assert.Equal("kubernetes", pod.Runtime);
        Assert.Equal("0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b", pod.Id);

        var cgroupfs = ContainerNames.FromPath("/kubepods/burstable/pod0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b/" + Id)!;
        Assert.Equal("kubernetes", cgroupfs.Runtime);
        Assert.Equal(Id, cgroupfs.Id);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/system.slice")]
    [InlineData("/process_api/abc")]
    [InlineData("/ctop")]
    [InlineData("/libpod_parent/conmon")]
    public void PlainCgroupsAreNotContainers(string path) => Assert.Null(ContainerNames.FromPath(path));
}
