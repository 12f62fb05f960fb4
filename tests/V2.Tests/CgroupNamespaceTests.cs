using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// ctop started inside a cgroup namespace in the guest (util-linux unshare -C -m, cgroup2 mounted again), the way a
/// container runtime starts a container's processes: it must call itself a container and measure against that
/// cgroup's limits.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class CgroupNamespaceTests(V2Run vm)
{
    [V2Fact]
    public void Scope_is_container_with_the_namespace_cgroups_quota_and_memory_limit()
    {
        Assert.Equal("0", vm.Facts["ctop_ns_rc"]);
        var frame = vm.Frames("ctop-ns")[^1].RootElement;
        var scope = frame.GetProperty("scope");
        Assert.Equal("container", scope.String("kind"));
        Assert.Equal(0.5, scope.Double("cpus"));          // cpu.max 50000 100000
        Assert.Equal(128L << 20, scope.Long("memoryBytes")); // memory.max
        Assert.Equal("/", scope.String("cgroupPath"));     // the namespace's root is its own cgroup

        // Inside, the tree starts at the namespace root: the host's cgroups are out of sight.
        var root = Raw.Cgroup(vm.Frames("ctop-ns")[^1], "/");
        Assert.Equal(50000, root.Long("cpu.quotaUsec"));
        Assert.DoesNotContain(frame.GetProperty("cgroups").EnumerateArray(), c => c.String("path")!.Contains("busy"));
    }

    [V2Fact]
    public void A_cpuset_smaller_than_the_quota_is_the_capacity()
    {
        Assert.Equal("0", vm.Facts["ctop_nsset_rc"]);
        var scope = vm.Frames("ctop-nsset")[^1].RootElement.GetProperty("scope");
        Assert.Equal("container", scope.String("kind"));
        Assert.Equal(1, scope.Double("cpus")); // cpuset.cpus "0" beats cpu.max 1.5 cores
        Assert.Equal(Raw.Cgroup(vm.Frames("ctop-nsset")[^1], "/").Long("cpu.cpusetCpus"), 1);
    }

    [V2Fact]
    public void Without_a_remount_the_host_mount_is_outside_the_namespace()
    {
        // The host's cgroup2 mount shows root "/..": ctop knows it is contained but cannot read its own cgroup through
        // that mount, so it falls back to the whole machine and lists no cgroups rather than the host's.
        Assert.Equal("0", vm.Facts["ctop_ns_nomount_rc"]);
        var frame = vm.Frames("ctop-ns-nomount")[^1].RootElement;
        Assert.Equal("container", frame.GetProperty("scope").String("kind"));
        Assert.Equal(0, frame.GetProperty("cgroups").GetArrayLength());
    }
}
