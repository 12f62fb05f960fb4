using ProcFs.Cgroups;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups;

/// <summary>Listing the cgroup tree: the union over hierarchies, symlinks skipped, paths kept between listings.</summary>
public class CgroupTreeTests
{
    private static CgroupLayout Discover(TempTree t) => CgroupLayout.Discover(t.ProcRoot(), t.CgroupRoot());

    [Fact]
    public void Lists_the_union_sorted_and_reuses_the_path_strings()
    {
        using var t = HostFixtures.V1Host();
        t.Write("sys/fs/cgroup/memory/only-memory/memory.usage_in_bytes", "1\n");
        var tree = new CgroupTree(Discover(t), "cpu", "cpuacct", "memory");
        var first = tree.List().ToList();
        Assert.Equal("/", first[0]);
        Assert.Contains("/only-memory", first);
        Assert.Equal(first.OrderBy(p => p, StringComparer.Ordinal), first);
        Assert.Equal(first.Count, first.Distinct().Count());
        var second = tree.List();
        Assert.Equal(first, second);
        for (int i = 0; i < first.Count; i++) Assert.Same(first[i], second[i]);
    }

    [Fact]
    public void Symlinks_are_not_cgroups_and_removed_directories_drop_out()
    {
        using var t = HostFixtures.V2Host();
        Directory.CreateSymbolicLink(t.Path("sys/fs/cgroup/system.slice/link"), t.Path("sys/fs/cgroup/user.slice"));
        var tree = new CgroupTree(Discover(t), "cpu");
        var paths = tree.List();
        Assert.DoesNotContain("/system.slice/link", paths);
        Assert.Contains("/user.slice/user-1000.slice/session-1.scope", paths);
        Directory.Delete(t.Path("sys/fs/cgroup/user.slice"), recursive: true);
        Assert.DoesNotContain(tree.List(), p => p.StartsWith("/user.slice", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mount_of_a_subtree_lists_paths_under_its_root()
    {
        using var t = new TempTree();
        t.Write("proc/self/mountinfo",
            "31 22 0:26 /docker/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
        t.Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        t.Write("sys/fs/cgroup/inner/cpu.stat", "usage_usec 1\n");
        var tree = new CgroupTree(Discover(t), "cpu");
        Assert.Equal(["/docker/abc", "/docker/abc/inner"], tree.List());
    }

    [KernelFact]
    public void Lists_this_hosts_tree_as_the_directories_show_it()
    {
        var layout = CgroupLayout.Discover();
        // Other tests make and remove cgroups meanwhile: compare only what exists both before and after the listing.
        var before = Directories(layout);
        var listed = new CgroupTree(layout, "cpu", "memory").List().ToHashSet();
        var after = Directories(layout);
        before.IntersectWith(after);
        Assert.NotEmpty(before);
        Assert.Subset(listed, before);
    }

    [KernelFact]
    public void A_leaf_that_gets_a_child_lists_it_at_once_and_a_removed_one_drops_out()
    {
        // Leaves are known from their link count, not listed: the count must follow mkdir and rmdir on cgroupfs.
        using var cg = new RealCgroup("cpu", "memory");
        var tree = new CgroupTree(CgroupLayout.Discover(), "cpu", "memory");
        Assert.Contains(cg.CgroupPath, tree.List());
        Assert.DoesNotContain(tree.List(), p => p.StartsWith(cg.CgroupPath + "/", StringComparison.Ordinal));
        var child = cg.CreateChild("a");
        Directory.CreateDirectory(Path.Combine(cg.Dir("memory"), "a", "b")); // only in memory: the union has it
        var listed = tree.List();
        Assert.Contains(child, listed);
        Assert.Contains(child + "/b", listed);
        Directory.Delete(Path.Combine(cg.Dir("memory"), "a", "b"));
        listed = tree.List();
        Assert.Contains(child, listed);
        Assert.DoesNotContain(child + "/b", listed);
    }

    private static HashSet<string> Directories(CgroupLayout layout)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in new[] { "cpu", "memory" })
        {
            var h = layout.HierarchyOf(c)!;
            paths.Add(h.PathOf(h.MountPoint));
            try
            {
                foreach (var dir in Directory.EnumerateDirectories(h.MountPoint, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                    paths.Add(h.PathOf(dir));
            }
            catch (DirectoryNotFoundException) { } // a cgroup removed mid-walk
        }
        return paths;
    }
}
