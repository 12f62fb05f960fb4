using Ctop.Output;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Output;

public class FrameFilterTests
{
    private static readonly Ctop.Model.Frame Sample = Frame(
        [Cgroup("/"), Cgroup("/docker"), Cgroup("/docker/abc"), Cgroup("/dockerd"), Cgroup("/system.slice/docker-1.scope"), Cgroup("/user.slice")],
        [Process(1, cgroup: "/"), Process(10, cgroup: "/docker/abc"), Process(11, cgroup: "/docker/abc"),
         Process(20, cgroup: "/system.slice/docker-1.scope"), Process(30, cgroup: "/user.slice"), Process(40, cgroup: null)]);

    private static string[] Paths(Ctop.Model.Frame f) => f.Cgroups.Select(c => c.Path).ToArray();
    private static int[] Pids(Ctop.Model.Frame f) => f.Processes.Select(p => p.Pid).ToArray();

    [Fact]
    public void User_keeps_that_users_processes_and_the_cgroups_they_are_in()
    {
        var frame = Frame([Cgroup("/a"), Cgroup("/b"), Cgroup("/c")],
            [Process(1, cgroup: "/a", user: "root"), Process(2, cgroup: "/b", user: "www-data"), Process(3, cgroup: "/b", user: "1234")]);
        var f = new FrameFilter { Users = new HashSet<string> { "www-data" } }.Apply(frame);
        Assert.Equal([2], Pids(f));
        Assert.Equal(["/b"], Paths(f));

        // A uid without a passwd entry is shown (and matched) as its number.
        f = new FrameFilter { Users = new HashSet<string> { "1234" } }.Apply(frame);
        Assert.Equal([3], Pids(f));
    }

    [Fact]
    public void No_filter_is_the_identity() => Assert.Same(Sample, FrameFilter.None.Apply(Sample));

    [Fact]
    public void Cgroup_prefix_keeps_matching_cgroups_and_the_processes_in_them()
    {
        var f = new FrameFilter { CgroupPrefix = "/docker" }.Apply(Sample);
        Assert.Equal(["/docker", "/docker/abc", "/dockerd"], Paths(f));
        Assert.Equal([10, 11], Pids(f));
    }

    [Fact]
    public void Cgroup_prefix_is_a_plain_string_prefix()
    {
        var f = new FrameFilter { CgroupPrefix = "/system.slice/docker" }.Apply(Sample);
        Assert.Equal(["/system.slice/docker-1.scope"], Paths(f));
        Assert.Equal([20], Pids(f));

        f = new FrameFilter { CgroupPrefix = "/docker/" }.Apply(Sample);
        Assert.Equal(["/docker/abc"], Paths(f));
    }

    [Theory]
    [InlineData("docker", "/docker")]
    [InlineData("/docker", "/docker")]
    [InlineData("/", "/")]
    public void Prefix_is_made_absolute(string given, string normalized) =>
        Assert.Equal(normalized, FrameFilter.NormalizePrefix(given));

    [Fact]
    public void Pids_keep_those_processes_and_the_cgroups_holding_them()
    {
        var f = new FrameFilter { Pids = new HashSet<int> { 10, 30, 999 } }.Apply(Sample);
        Assert.Equal([10, 30], Pids(f));
        Assert.Equal(["/docker/abc", "/user.slice"], Paths(f));
    }

    [Fact]
    public void Pids_and_prefix_combine()
    {
        var f = new FrameFilter { Pids = new HashSet<int> { 10, 30 }, CgroupPrefix = "/docker" }.Apply(Sample);
        Assert.Equal([10], Pids(f));
        Assert.Equal(["/docker/abc"], Paths(f));
    }

    [Fact]
    public void Cgroups_only_drops_processes()
    {
        var f = new FrameFilter { CgroupsOnly = true }.Apply(Sample);
        Assert.Equal(Sample.Cgroups.Count, f.Cgroups.Count);
        Assert.Empty(f.Processes);
    }

    [Fact]
    public void Processes_only_drops_cgroups()
    {
        var f = new FrameFilter { ProcessesOnly = true, CgroupPrefix = "/docker" }.Apply(Sample);
        Assert.Empty(f.Cgroups);
        Assert.Equal([10, 11], Pids(f));
    }

    [Fact]
    public void Filtering_keeps_the_header_fields_and_does_not_touch_the_input()
    {
        var f = new FrameFilter { CgroupPrefix = "/nothing" }.Apply(Sample);
        Assert.Equal(Sample.Time, f.Time);
        Assert.Equal(Sample.Scope, f.Scope);
        Assert.Empty(f.Cgroups);
        Assert.Equal(6, Sample.Cgroups.Count);
    }
}
