using Ctop.Model;
using Ctop.Output;
using Ctop.Tests.Support;
using Ctop.Ui;

namespace Ctop.Tests.Output;

/// <summary>The cgroup table grouped by pod: a pod's rows together where its best row ranks, its own cgroup first.</summary>
public sealed class PodGroupingTests
{
    private static readonly PodName Shop = new("prod", "shop-0", "11111111-2222-3333-4444-555555555555");
    private static readonly PodName Cart = new("prod", "cart-0", "66666666-7777-8888-9999-000000000000");

    private static CgroupView Pod(PodName pod, double cores) =>
        Frames.Cgroup("/kubepods/burstable/pod" + pod.Uid, new ContainerId("kubernetes", pod.Uid, pod.Name) { Pod = pod }, usedCores: cores, percentOfLimit: cores * 10);

    private static CgroupView In(PodName pod, string name, double cores) =>
        Frames.Cgroup($"/kubepods/burstable/pod{pod.Uid}/{name}", new ContainerId("kubernetes", name, name) { Pod = pod }, usedCores: cores, percentOfLimit: cores * 10);

    [Fact]
    public void Each_pod_stays_together_at_its_best_rows_place_with_its_own_cgroup_first()
    {
        // As the table sorts by CPU: a busy container of cart first, then a plain cgroup, then shop's rows scattered.
        var sorted = new[]
        {
            In(Cart, "web", 0.9), Frames.Cgroup("/system.slice/cron.service"), In(Shop, "nginx", 0.5), Pod(Cart, 0.95 - 0.05),
            In(Cart, "POD", 0.0), Pod(Shop, 0.6), In(Shop, "sidecar", 0.1),
        };
        var grouped = PodGrouping.Order(sorted, c => c);
        Assert.Equal(new[]
        {
            "/kubepods/burstable/pod" + Cart.Uid, "/kubepods/burstable/pod" + Cart.Uid + "/web", "/kubepods/burstable/pod" + Cart.Uid + "/POD",
            "/system.slice/cron.service",
            "/kubepods/burstable/pod" + Shop.Uid, "/kubepods/burstable/pod" + Shop.Uid + "/nginx", "/kubepods/burstable/pod" + Shop.Uid + "/sidecar",
        }, grouped.Select(c => c.Path));
    }

    [Fact]
    public void Without_pods_the_order_is_the_sort_order()
    {
        var rows = new[] { Frames.Cgroup("/b"), Frames.Cgroup("/a"), Frames.Cgroup("/c") };
        Assert.Equal(rows, PodGrouping.Order(rows, c => c));
    }

    [Fact]
    public void The_dashboards_flat_table_groups_when_asked()
    {
        var model = new CgroupTableModel();
        model.Update([In(Shop, "nginx", 0.5), Frames.Cgroup("/system.slice/cron.service", usedCores: 0.3, percentOfLimit: 3), Pod(Shop, 0.05)]);
        Assert.Equal("/kubepods/burstable/pod" + Shop.Uid + "/nginx", model.Rows[0].View.Path);
        model.GroupByPod = true;
        Assert.Equal("/kubepods/burstable/pod" + Shop.Uid, model.Rows[0].View.Path);
        Assert.Equal("/kubepods/burstable/pod" + Shop.Uid + "/nginx", model.Rows[1].View.Path);
        Assert.Equal("/system.slice/cron.service", model.Rows[2].View.Path);
    }
}
