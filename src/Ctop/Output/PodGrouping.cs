using Ctop.Model;

namespace Ctop.Output;

/// <summary>
/// The cgroup table grouped by Kubernetes pod: a pod's rows (its own cgroup first, then its containers) stay together
/// where the pod's best-ranked row falls under the table's sort; rows outside pods keep their places. Ordering only:
/// every row is still there, so the dashboard's selection and the batch table's columns are untouched.
/// </summary>
public static class PodGrouping
{
    /// <summary>The pod a row belongs to (or, for a pod's own cgroup, is); null outside Kubernetes or before the pod is known.</summary>
    public static string? PodOf(CgroupView c) => c.Container?.Pod?.Uid;

    public static List<T> Order<T>(IReadOnlyList<T> rows, Func<T, CgroupView> view)
    {
        var firstOfPod = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new (int Group, int Own, int Index)[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var c = view(rows[i]);
            int group = i;
            if (PodOf(c) is { } pod && !firstOfPod.TryAdd(pod, i)) group = firstOfPod[pod];
            // The pod's own cgroup (its id is the pod's uid) leads its group.
            int own = c.Container is { Pod: { } p } id && id.Id == p.Uid ? 0 : 1;
            keys[i] = (group, own, i);
        }
        var order = Enumerable.Range(0, rows.Count).ToArray();
        Array.Sort(order, (a, b) => keys[a].CompareTo(keys[b]));
        return order.Select(i => rows[i]).ToList();
    }
}
