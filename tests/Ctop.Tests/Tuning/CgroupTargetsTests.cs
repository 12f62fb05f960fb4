using Ctop.Tuning;
using ProcFs.Tests.Support;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Tuning;

public class CgroupTargetsTests
{
    private const string OtherDockerId = "4f1c2a9b8e7d0000000000000000000000000000000000000000000000000001";

    private static TempTree V2WithBoxes()
    {
        var t = V2Host();
        t.AddV2Cgroup("/ctop/box1");
        t.AddV2Cgroup("/ctop/web");
        t.AddV2Cgroup("/system.slice/nginx.service");
        return t;
    }

    [Theory]
    [InlineData(DockerScope)]
    [InlineData("system.slice/docker-" + DockerId + ".scope")]
    [InlineData(DockerScope + "/")]
    [InlineData("//system.slice//docker-" + DockerId + ".scope")]
    [InlineData(DockerId)]
    [InlineData("4f1c2a9b8e7d")]
    [InlineData("4f1c")]
    [InlineData("4F1C2A")]
    public void TheDockerScopeByPathNameIdOrPrefix(string input)
    {
        using var t = V2WithBoxes();
        Assert.Equal(DockerScope, new CgroupTargets(t.Layout()).Resolve(input));
    }

    [Theory]
    [InlineData("box1", "/ctop/box1")]
    [InlineData("/ctop/box1", "/ctop/box1")]
    [InlineData("ctop/web", "/ctop/web")]
    [InlineData("nginx", "/system.slice/nginx.service")]
    [InlineData("nginx.service", "/system.slice/nginx.service")]
    [InlineData("system.slice", "/system.slice")]
    [InlineData("/", "/")]
    [InlineData("9e8d7c", CriScope)]
    [InlineData("0b8f5c3e", PodSlice)]
    public void BoxesUnitsPodsAndPlainCgroups(string input, string path)
    {
        using var t = V2WithBoxes();
        Assert.Equal(path, new CgroupTargets(t.Layout()).Resolve(input));
    }

    [Fact]
    public void AnAmbiguousPrefixListsTheCandidatesAndALongerOneResolves()
    {
        using var t = V2WithBoxes();
        string other = "/system.slice/docker-" + OtherDockerId + ".scope";
        t.AddV2Cgroup(other);
        var targets = new CgroupTargets(t.Layout());

        var ex = Assert.Throws<TargetException>(() => targets.Resolve("4f1c2a"));
        Assert.False(ex.IsUsageError);
        Assert.Equal(new[] { DockerScope, other }.Order(StringComparer.Ordinal), ex.Candidates);
        Assert.Contains("ambiguous", ex.Message);
        Assert.Contains(DockerScope, ex.Message);
        Assert.Contains(other, ex.Message);
        Assert.Equal(DockerScope, targets.Resolve("4f1c2a9b8e7d6"));
    }

    [Fact]
    public void AnExactNameBeatsAnIdPrefix()
    {
        using var t = V2WithBoxes();
        t.AddV2Cgroup("/ctop/4f1c");
        Assert.Equal("/ctop/4f1c", new CgroupTargets(t.Layout()).Resolve("4f1c"));
    }

    [Fact]
    public void AContainersSubCgroupDoesNotMakeItsIdAmbiguous()
    {
        using var t = V1Host();
        t.AddV1Cgroup("/docker/" + DockerId + "/init.scope");
        var targets = new CgroupTargets(t.Layout());
        Assert.Equal("/docker/" + DockerId, targets.Resolve("4f1c2a9b8e7d"));
        Assert.Equal("/docker/" + DockerId + "/init.scope", targets.Resolve("/docker/" + DockerId + "/init.scope"));
        Assert.Equal("/docker", targets.Resolve("docker"));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("/ctop/../..")]
    [InlineData("/ctop/./box1")]
    [InlineData("..")]
    [InlineData("/sys/fs/cgroup/ctop/box1")]
    [InlineData("/sys/fs/cgroup")]
    [InlineData("box\n1")]
    [InlineData("  ")]
    public void EscapesAndFilesystemPathsAreRefusedAsUsageErrors(string input)
    {
        using var t = V2WithBoxes();
        var ex = Assert.Throws<TargetException>(() => new CgroupTargets(t.Layout()).Resolve(input));
        Assert.True(ex.IsUsageError, ex.Message);
    }

    [Fact]
    public void TheFixturesOwnMountPathIsAFilesystemPathToo()
    {
        using var t = V2WithBoxes();
        var ex = Assert.Throws<TargetException>(() => new CgroupTargets(t.Layout()).Resolve(t.CgroupRoot() + "/ctop/box1"));
        Assert.Contains("is a filesystem path", ex.Message);
        Assert.Contains("/ctop/NAME", ex.Message);
    }

    [Fact]
    public void ASymlinkBelowTheMountIsNotFollowed()
    {
        using var t = V2WithBoxes();
        Directory.CreateDirectory(t.Path("elsewhere/inner"));
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/ctop/evil"), t.Path("elsewhere"));
        var targets = new CgroupTargets(t.Layout());

        var ex = Assert.Throws<TargetException>(() => targets.Resolve("/ctop/evil/inner"));
        Assert.True(ex.IsUsageError);
        Assert.Contains("symbolic link", ex.Message);
        // Name lookup does not walk into it either.
        Assert.False(Assert.Throws<TargetException>(() => targets.Resolve("inner")).IsUsageError);
    }

    [Theory]
    [InlineData("nosuch", "no cgroup or container named 'nosuch'")]
    [InlineData("/ctop/nosuch", "no cgroup /ctop/nosuch")]
    [InlineData("abc", "at least 4 hex digits")]
    [InlineData("ffff", "no cgroup or container named 'ffff'")]
    public void UnknownTargetsSaySoAndAreNotUsageErrors(string input, string message)
    {
        using var t = V2WithBoxes();
        var ex = Assert.Throws<TargetException>(() => new CgroupTargets(t.Layout()).Resolve(input));
        Assert.False(ex.IsUsageError);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void V1PathsResolveThroughAnyTunableHierarchy()
    {
        using var t = V1Host();
        // Only in the pids hierarchy, as a v1 cgroup may be.
        t.Write("sys/fs/cgroup/pids/ctop/only-pids/pids.max", "max\n");
        var targets = new CgroupTargets(t.Layout());
        Assert.Equal("/ctop/only-pids", targets.Resolve("only-pids"));
        Assert.Equal("/docker/" + DockerId, targets.Resolve(DockerId[..8]));
    }
}

public class CgroupTargetsRuntimeNameTests
{
    private const string PodmanId = "5a1c2a9b8e7d0000000000000000000000000000000000000000000000000002";

    private static Ctop.Containers.CatalogSnapshot Snapshot(params (string Id, string Name, string Source)[] records) =>
        new(records.ToDictionary(r => r.Id, r => new Ctop.Containers.ContainerRecord(r.Id, r.Name, "img:1", null, r.Source)),
            new Dictionary<string, (Ctop.Model.PodName, string)>(), ["docker: 1 running container(s) from unix:///x.sock"], 1);

    [Fact]
    public void A_runtime_name_resolves_to_its_cgroup_and_the_path_name_still_does()
    {
        using var t = V2Host();
        var targets = new CgroupTargets(t.Layout(), () => Snapshot((DockerId, "web", "docker-api")));
        Assert.Equal(DockerScope, targets.Resolve("web"));
        Assert.Equal(DockerScope, targets.Resolve("4f1c2a9b8e7d"));
    }

    [Fact]
    public void The_runtimes_are_asked_only_for_a_bare_word()
    {
        using var t = V2Host();
        int asked = 0;
        var targets = new CgroupTargets(t.Layout(), () => { asked++; return Snapshot(); });
        Assert.Equal(DockerScope, targets.Resolve(DockerScope));
        Assert.Equal(0, asked);
    }

    [Fact]
    public void One_name_in_two_runtimes_is_ambiguous_and_lists_both()
    {
        using var t = V2Host();
        t.AddV2Cgroup("/libpod_parent/libpod-" + PodmanId);
        var targets = new CgroupTargets(t.Layout(), () => Snapshot((DockerId, "web", "docker-api"), (PodmanId, "web", "podman-api")));
        var ex = Assert.Throws<TargetException>(() => targets.Resolve("web"));
        Assert.Equal(["/libpod_parent/libpod-" + PodmanId, DockerScope], ex.Candidates); // sorted by path
        Assert.Contains("docker web (img:1), 4f1c2a9b8e7d", ex.Message);
        Assert.Contains("podman web (img:1), 5a1c2a9b8e7d", ex.Message);
    }

    [Fact]
    public void An_unknown_name_says_what_the_runtimes_answered()
    {
        using var t = V2Host();
        var ex = Assert.Throws<TargetException>(() => new CgroupTargets(t.Layout(), () => Snapshot()).Resolve("nosuch"));
        Assert.Contains("docker: 1 running container(s) from unix:///x.sock", ex.Message);
    }
}
