using Ctop.Tuning;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Tuning;

public class RootRefusalTests
{
    [Fact]
    public void TheRootCgroupIsRefusedBeforeAnythingIsWritten()
    {
        using var t = HostFixtures.V2Host();
        var before = File.ReadAllText(t.Path("sys/fs/cgroup/cgroup.subtree_control"));
        var tuner = new Tuner(CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot()));
        var ex = Assert.Throws<TuningRefusedException>(() => tuner.Apply("/", new ChangeSet { Pids = Limit.Of(10) }));
        Assert.Contains("root cgroup", ex.Message);
        Assert.False(File.Exists(t.Path("sys/fs/cgroup/pids.max")));
        Assert.Equal(before, File.ReadAllText(t.Path("sys/fs/cgroup/cgroup.subtree_control")));
    }
}
