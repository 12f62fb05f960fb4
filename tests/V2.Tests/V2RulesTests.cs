using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// v2's own rules as the guest kernel enforced them in the payload (CgroupLifecycle.CreateV2 and MovePid are built on
/// them), and ctop's view of the result.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class V2RulesTests(V2Run vm)
{
    [V2Fact]
    public void An_inner_cgroup_with_controllers_refuses_processes()
    {
        Assert.Equal("0", vm.Facts["enable_inner_rc"]);
        Assert.NotEqual("0", vm.Facts["inner_procs_rc"]);
        Assert.Contains("busy", vm.Text("rule-inner-procs.err")); // EBUSY
        Assert.Equal("0", vm.Facts["inner_procs_count"]);
    }

    [V2Fact]
    public void A_populated_cgroup_cannot_enable_controllers_for_children()
    {
        Assert.NotEqual("0", vm.Facts["populated_subtree_rc"]);
        Assert.Contains("busy", vm.Text("rule-populated-subtree.err")); // EBUSY
        Assert.Equal("", vm.Raw("/ctop-v2/idle", "cgroup.subtree_control")!.Trim());
    }

    [V2Fact]
    public void A_child_gets_only_the_controllers_its_parent_enabled()
    {
        // ns enabled nothing in its subtree_control, so its child's cgroup.controllers is empty and +memory is ENOENT.
        Assert.Equal("", vm.Facts["grandchild_controllers"]);
        Assert.NotEqual("0", vm.Facts["grandchild_subtree_rc"]);
        Assert.Contains("No such file", vm.Text("rule-grandchild.err"));
        // The inner cgroup passed every controller on, as CgroupLifecycle.CreateV2 does for a new cgroup.
        Assert.Equal(["cpu", "cpuset", "io", "memory", "pids"],
            vm.Raw("/ctop-v2", "cgroup.subtree_control")!.Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Equal(["cpu", "cpuset", "io", "memory", "pids"],
            vm.Raw("/ctop-v2/busy", "cgroup.controllers")!.Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [V2Fact]
    public void Ctop_sees_processes_only_in_leaves_and_the_root()
    {
        var frame = vm.Frames("ctop-host")[^1].RootElement;
        var paths = frame.GetProperty("cgroups").EnumerateArray().Select(c => c.GetProperty("path").GetString()!).ToList();
        var processes = frame.GetProperty("processes").EnumerateArray().ToList();
        Assert.NotEmpty(processes);
        foreach (var p in processes)
        {
            var cg = p.String("cgroup");
            if (cg is null or "/") continue; // the root is exempt from the rule (init and kernel threads live there)
            Assert.Contains(cg, paths);
            Assert.DoesNotContain(paths, other => other.StartsWith(cg + "/", StringComparison.Ordinal));
        }
        Assert.Contains(processes, p => p.String("cgroup") == "/ctop-v2/idle" && p.String("command")!.Contains("sleep"));
    }
}
