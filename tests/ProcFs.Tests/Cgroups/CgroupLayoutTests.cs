using System.Text;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups;

public class CgroupLayoutTests
{
    private static CgroupLayout Discover(TempTree t) => CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot());

    private static ProcPidCgroup PidCgroup(TempTree t, int pid) =>
        ProcPidCgroup.Parse(File.ReadAllBytes(t.Path($"proc/{pid}/cgroup")), $"{pid}/cgroup");

    [Fact]
    public void V2HostPutsEveryControllerOnTheUnifiedTree()
    {
        using var t = HostFixtures.V2Host();
        var layout = Discover(t);
        Assert.Equal(CgroupMode.V2, layout.Mode);
        foreach (var c in new[] { "cpu", "memory", "pids", "cpuset", "io" })
            Assert.Equal(CgroupVersion.V2, layout.VersionOf(c));
        Assert.Equal(t.CgroupRoot(), layout.HierarchyOf("cpu")!.MountPoint);
        // cpuacct does not exist on v2: its numbers live in cpu.stat of the cpu hierarchy.
        Assert.Same(layout.HierarchyOf("cpu"), layout.HierarchyOf("cpuacct"));

        var path = layout.PathOf(PidCgroup(t, 4242), "memory");
        Assert.Equal(HostFixtures.DockerScope, path);
        Assert.Equal(t.CgroupRoot() + HostFixtures.DockerScope, layout.DirectoryOf("memory", path!));
    }

    [Fact]
    public void V2HostEnumeratesTheWholeTree()
    {
        using var t = HostFixtures.V2Host();
        var paths = Discover(t).EnumeratePaths("cpu", "memory");
        Assert.Equal("/", paths[0]);
        Assert.Contains(HostFixtures.DockerScope, paths);
        Assert.Contains(HostFixtures.CriScope, paths);
        Assert.Contains("/user.slice/user-1000.slice", paths);
        Assert.Equal(paths.Count, paths.Distinct().Count());
    }

    [Fact]
    public void V1HostWithCoMountedCpuAndCpuacct()
    {
        using var t = HostFixtures.V1Host();
        var layout = Discover(t);
        Assert.Equal(CgroupMode.V1, layout.Mode);
        Assert.Null(layout.Unified);
        Assert.Same(layout.HierarchyOf("cpu"), layout.HierarchyOf("cpuacct"));
        Assert.EndsWith("cpu,cpuacct", layout.HierarchyOf("cpu")!.MountPoint);
        Assert.Equal("systemd", layout.Hierarchies.Single(h => h.Name is not null).Name);
        // io falls back to v1 blkio.
        Assert.EndsWith("blkio", layout.HierarchyOf("io")!.MountPoint);

        var cg = PidCgroup(t, 4242);
        Assert.Equal("/docker/" + HostFixtures.DockerId, layout.PathOf(cg, "cpuacct"));
        Assert.Equal("/docker/" + HostFixtures.DockerId, layout.PathOf(cg, "io"));
        Assert.True(File.Exists(Path.Combine(layout.DirectoryOf("cpu", layout.PathOf(cg, "cpu")!)!, "cpu.cfs_quota_us")));
    }

    [Fact]
    public void V1EnumerationDoesNotFollowTheCpuSymlinks()
    {
        using var t = HostFixtures.V1Host();
        var paths = Discover(t).EnumeratePaths("cpu", "cpuacct", "memory");
        Assert.Equal(new[] { "/", "/docker", "/docker/" + HostFixtures.DockerId }, paths);
    }

    [Fact]
    public void HybridHostKeepsControllersOnV1AndSeesTheUnifiedTree()
    {
        using var t = HostFixtures.HybridHost();
        var layout = Discover(t);
        Assert.Equal(CgroupMode.Hybrid, layout.Mode);
        Assert.Equal(CgroupVersion.V1, layout.VersionOf("cpu"));
        Assert.Equal(CgroupVersion.V1, layout.VersionOf("memory"));
        Assert.NotSame(layout.HierarchyOf("cpu"), layout.HierarchyOf("cpuacct"));
        Assert.NotNull(layout.Unified);
        Assert.Equal(new[] { "hugetlb" }, layout.Unified!.Controllers);
        Assert.Equal(CgroupVersion.V1, layout.VersionOf("io"));

        var cg = PidCgroup(t, 777);
        Assert.Equal("/ctop/box", layout.PathOf(cg, "cpu"));
        Assert.Equal("/", layout.PathOf(cg, "cpuset"));
        Assert.Equal("/ctop/box", cg.Unified!.Path);
        Assert.Equal(t.CgroupRoot() + "/unified/ctop/box", layout.Unified.DirectoryOf("/ctop/box"));
    }

    [Fact]
    public void ABindMountedSubtreeStripsItsRoot()
    {
        // docker on v1 without a cgroup namespace bind-mounts /docker/ID at the controller's mount point.
        var mounts = MountInfo.Parse(Encoding.UTF8.GetBytes(
            "100 99 0:29 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"), "mountinfo");
        var h = CgroupLayout.FromMounts(mounts).HierarchyOf("memory")!;
        Assert.Equal("/sys/fs/cgroup/memory", h.DirectoryOf("/docker/abc"));
        Assert.Equal("/sys/fs/cgroup/memory/sub", h.DirectoryOf("/docker/abc/sub"));
        Assert.Null(h.DirectoryOf("/docker/other"));
        Assert.Null(h.DirectoryOf("/docker/abcdef"));
        Assert.Equal("/docker/abc/sub", h.PathOf("/sys/fs/cgroup/memory/sub"));
    }

    [Fact]
    public void AHostMountSeenFromInsideACgroupNamespaceIsRecognised()
    {
        var mounts = MountInfo.Parse(Encoding.UTF8.GetBytes(
            "31 30 0:28 /.. /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
            "41 30 0:38 /.. /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"), "mountinfo");
        var layout = CgroupLayout.FromMounts(mounts);
        Assert.True(layout.SeesNamespaceBoundary);
        Assert.True(layout.HierarchyOf("cpu")!.IsOutsideNamespace);
        // "/" of the namespace cannot be derived from a mount rooted outside it: never fall back to the host root.
        Assert.Null(layout.DirectoryOf("cpu", "/"));
        Assert.Empty(layout.EnumeratePaths("cpu"));
    }

    [Fact]
    public void MountsStackedOverTheHostOnesWin()
    {
        // A runtime mounts a tmpfs over /sys/fs/cgroup and re-mounts the hierarchies inside the cgroup namespace;
        // the old "/.."-rooted lines stay listed above the new ones.
        var mounts = MountInfo.Parse(Encoding.UTF8.GetBytes(
            "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
            "31 30 0:28 /.. /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n" +
            "32 30 0:29 /.. /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
            "50 22 0:60 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
            "51 50 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n" +
            "52 50 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"), "mountinfo");
        var layout = CgroupLayout.FromMounts(mounts);
        Assert.False(layout.SeesNamespaceBoundary);
        Assert.Equal(2, layout.Hierarchies.Count);
        Assert.Equal("/sys/fs/cgroup/memory", layout.DirectoryOf("memory", "/"));
    }

    [Fact]
    public void WithoutMountinfoTheCgroupRootIsProbed()
    {
        using var t = HostFixtures.HybridHost();
        File.Delete(t.Path("proc/self/mountinfo"));
        var layout = Discover(t);
        Assert.Equal(CgroupMode.Hybrid, layout.Mode);
        Assert.Equal(t.CgroupRoot() + "/cpu", layout.HierarchyOf("cpu")!.MountPoint);

        using var v2 = HostFixtures.V2Host();
        File.Delete(v2.Path("proc/self/mountinfo"));
        Assert.Equal(CgroupMode.V2, Discover(v2).Mode);
    }

    [Fact]
    public void PathsThatTryToEscapeAreRefused()
    {
        var h = new CgroupHierarchy(CgroupVersion.V2, "/sys/fs/cgroup", "/", []);
        Assert.Null(h.DirectoryOf("/../etc"));
        Assert.Null(h.DirectoryOf("/a/../../etc"));
        Assert.Null(h.DirectoryOf("relative"));
        Assert.Null(h.DirectoryOf(""));
        Assert.Equal("/sys/fs/cgroup", h.DirectoryOf("/"));
    }

    [Fact]
    public void PathHelpers()
    {
        Assert.Equal(new[] { "/a/b", "/a", "/" }, CgroupPath.SelfAndAncestors("/a/b"));
        Assert.Equal("b", CgroupPath.Name("/a/b"));
        Assert.Null(CgroupPath.Parent("/"));
    }

    [Fact]
    public void TheEffectiveLimitIsTheSmallestAlongTheAncestorsAndNamesItsSetter()
    {
        var limits = new Dictionary<string, long?> { ["/"] = null, ["/a"] = 100, ["/a/b"] = 300, ["/a/b/c"] = null };
        Assert.Equal((100L, "/a"), CgroupPath.Smallest("/a/b/c", p => limits.GetValueOrDefault(p)));
        Assert.Equal((100L, "/a"), CgroupPath.Smallest("/a", p => limits.GetValueOrDefault(p)));
        Assert.Equal(((long?)null, (string?)null), CgroupPath.Smallest("/", p => limits.GetValueOrDefault(p)));
        // A tie is set by the nearest: that is the cgroup a user would change.
        limits["/a/b"] = 100;
        Assert.Equal((100L, "/a/b"), CgroupPath.Smallest("/a/b/c", p => limits.GetValueOrDefault(p)));
    }

    [CgroupFsFact]
    public void ThisMachineIsDiscovered()
    {
        var layout = CgroupLayout.Discover();
        var self = ProcPidCgroup.Parse(File.ReadAllBytes("/proc/self/cgroup"), "/proc/self/cgroup");
        Assert.NotEqual(CgroupMode.None, layout.Mode);
        foreach (var c in new[] { "cpu", "memory", "pids" })
        {
            if (layout.HierarchyOf(c) is null) continue;
            var dir = layout.DirectoryOf(c, layout.PathOf(self, c)!);
            Assert.True(Directory.Exists(dir), $"{c}: {dir}");
        }
    }
}

public class MountInfoTests
{
    [Fact]
    public void ParsesOptionalFieldsAndOctalEscapes()
    {
        var data = Encoding.UTF8.GetBytes(
            "36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n" +
            "37 35 98:0 / /plain rw - tmpfs tmpfs rw\n" +
            "38 35 98:0 /a\\134b /tab\\011new\\012line rw - tmpfs tmpfs rw\n");
        var m = MountInfo.Parse(data, "mountinfo");
        Assert.Equal(3, m.Count);
        Assert.Equal("/mnt with space", m[0].MountPoint);
        Assert.Equal(new[] { "master:1", "shared:2" }, m[0].OptionalFields);
        Assert.Equal("ext3", m[0].FsType);
        Assert.Equal("rw,errors=continue", m[0].SuperOptions);
        Assert.Empty(m[1].OptionalFields);
        Assert.Equal("/a\\b", m[2].Root);
        Assert.Equal("/tab\tnew\nline", m[2].MountPoint);
    }

    [Theory]
    [InlineData("x 35 98:0 / /m rw - t s rw", "mount ID")]
    [InlineData("36 35 98:0 / /m rw shared:1", "'-' separator")]
    [InlineData("36 35 98:0 / /m rw -", "filesystem type")]
    [InlineData("36 35", "MAJ:MIN")]
    public void MalformedLinesNameTheFileAndLine(string bad, string reason)
    {
        var data = Encoding.UTF8.GetBytes("37 35 98:0 / /plain rw - tmpfs tmpfs rw\n" + bad + "\n");
        var ex = Assert.Throws<ProcFsFormatException>(() => MountInfo.Parse(data, "/proc/self/mountinfo"));
        Assert.Equal(2, ex.LineNumber);
        Assert.Contains("/proc/self/mountinfo:2", ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void ThisMachinesMountinfoParses()
    {
        var m = MountInfo.Parse(File.ReadAllBytes("/proc/self/mountinfo"), "/proc/self/mountinfo");
        Assert.Contains(m, e => e.MountPoint == "/");
    }
}

public class ProcPidCgroupTests
{
    [Fact]
    public void ParsesV1V2AndDeletedLines()
    {
        var cg = ProcPidCgroup.Parse(Encoding.UTF8.GetBytes(
            "9:name=systemd:/\n2:cpu,cpuacct:/x y\n4:memory:/gone (deleted)\n0::/../sibling\n"), "cgroup");
        Assert.Equal(4, cg.Entries.Count);
        Assert.Equal("/x y", cg.V1For("cpuacct")!.Path);
        Assert.Same(cg.V1For("cpu"), cg.V1For("cpuacct"));
        Assert.True(cg.V1For("memory")!.Deleted);
        Assert.Equal("/gone", cg.V1For("memory")!.Path);
        Assert.Equal("/../sibling", cg.Unified!.Path);
        Assert.Equal("/", cg.V1For("name=systemd")!.Path);
        Assert.Null(cg.V1For("pids"));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("x::/")]
    [InlineData("1:cpu")]
    [InlineData("1:cpu:relative")]
    public void MalformedLinesAreErrorsNamingTheLine(string bad)
    {
        var ex = Assert.Throws<ProcFsFormatException>(() => ProcPidCgroup.Parse(Encoding.UTF8.GetBytes("0::/\n" + bad), "/proc/9/cgroup"));
        Assert.Equal(2, ex.LineNumber);
        Assert.StartsWith("/proc/9/cgroup:2:", ex.Message);
    }
}
