using System.Diagnostics;
using Ctop.Model;

namespace Ctop.Containers;

/// <summary>What the catalog knew at one refresh: records by container id and pods by uid. Immutable.</summary>
public sealed class CatalogSnapshot
{
    public static CatalogSnapshot Empty { get; } = new(new Dictionary<string, ContainerRecord>(), new Dictionary<string, (PodName, string)>(), [], 0);

    internal CatalogSnapshot(IReadOnlyDictionary<string, ContainerRecord> byId, IReadOnlyDictionary<string, (PodName Pod, string Source)> podsByUid,
        IReadOnlyList<string> status, long generation)
    {
        ById = byId;
        PodsByUid = podsByUid;
        Status = status;
        Generation = generation;
    }

    public IReadOnlyDictionary<string, ContainerRecord> ById { get; }

    public IReadOnlyDictionary<string, (PodName Pod, string Source)> PodsByUid { get; }

    /// <summary>One line per runtime: where its names came from, or why they did not.</summary>
    public IReadOnlyList<string> Status { get; }

    /// <summary>Counts refreshes; 0 before the first.</summary>
    public long Generation { get; }

    /// <summary>
    /// The path-derived id with what the runtime records: name, image, labels and pod; Kubernetes containers take their
    /// name within the pod. An id the runtimes do not know comes back unchanged.
    /// </summary>
    public ContainerId Enrich(ContainerId id)
    {
        if (ById.TryGetValue(id.Id, out var r))
            return id with
            {
                Name = KubernetesLabels.Container(r.Labels) ?? r.Name,
                Image = r.Image,
                Labels = r.Labels,
                Pod = r.Pod,
                Source = r.Source,
            };
        if (id.Runtime == ContainerCatalog.Kubernetes && PodsByUid.TryGetValue(id.Id, out var pod))
            return id with { Name = pod.Pod.Name, Pod = pod.Pod, Source = pod.Source };
        return id;
    }
}

/// <summary>
/// Names, images and labels of containers from their runtimes, kept fresh on a background task so that sampling
/// never waits on a socket: <see cref="Annotate"/> only reads the latest snapshot. The lists are asked for every
/// <see cref="RuntimeOptions.RefreshPeriod"/>, and sooner (at most once a second) when a frame shows a container id
/// the snapshot does not have. A runtime that cannot be reached leaves its containers named by their cgroup paths.
/// </summary>
public sealed class ContainerCatalog : IDisposable
{
    internal const string Kubernetes = "kubernetes";

    /// <summary>Runtimes whose path-derived Id is a container id (or a pod uid) that a runtime may know.</summary>
    private static readonly HashSet<string> LookedUp = new(StringComparer.Ordinal) { "docker", "podman", Kubernetes, "containerd", "cri-o" };

    public static readonly TimeSpan MinRefreshSpacing = TimeSpan.FromSeconds(1);

    private readonly RuntimeOptions _options;
    private readonly IReadOnlyList<RuntimeSource> _sources;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly SemaphoreSlim _poke = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);
    private volatile CatalogSnapshot _current = CatalogSnapshot.Empty;
    private Task? _loop;
    private int _disposed;

    public ContainerCatalog(RuntimeOptions options)
    {
        _options = options;
        var sources = new List<RuntimeSource>();
        if (options.DockerHost is not null || options.DockerDataRoot is not null)
        {
            var store = options.DockerDataRoot is { } root ? new DockerConfigStore(root) : null;
            sources.Add(new RuntimeSource("docker", options.DockerHost is { } h ? new EngineApiClient(h, options.RequestTimeout) : null,
                ContainerSources.DockerApi, store is null ? null : store.Read));
        }
        if (options.PodmanHost is not null || options.PodmanStorageRoot is not null)
        {
            var storage = options.PodmanStorageRoot is { } root ? new PodmanStorage(root) : null;
            sources.Add(new RuntimeSource("podman", options.PodmanHost is { } h ? new EngineApiClient(h, options.RequestTimeout) : null,
                ContainerSources.PodmanApi, storage is null ? null : storage.Read));
        }
        if (options.ContainerdSocket is { } socket)
            sources.Add(new RuntimeSource("containerd", new ContainerdClient(socket, options.RequestTimeout), ContainerSources.ContainerdApi, null));
        if (options.CriSocket is { } cri)
            sources.Add(new RuntimeSource("cri", new CriClient(cri, options.RequestTimeout), ContainerSources.CriApi, null));
        _sources = sources;
    }

    /// <summary>The latest snapshot; empty until the first refresh has finished.</summary>
    public CatalogSnapshot Current => _current;

    /// <summary>Starts the background refreshes (the first at once). Idempotent.</summary>
    public ContainerCatalog Start()
    {
        if (Volatile.Read(ref _disposed) == 0) _loop ??= Task.Run(() => LoopAsync(_stop.Token));
        return this;
    }

    /// <summary>Asks every runtime now and publishes the result. Never throws for an unreachable runtime.</summary>
    public async Task<CatalogSnapshot> RefreshAsync(CancellationToken cancellation = default)
    {
        await _refreshing.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var byId = new Dictionary<string, ContainerRecord>(StringComparer.Ordinal);
            var pods = new Dictionary<string, (PodName, string)>(StringComparer.Ordinal);
            // Asked one after another: each is bounded by the request timeout, and there are four.
            foreach (var source in _sources)
                foreach (var r in await source.ListAsync(cancellation).ConfigureAwait(false))
                {
                    byId.TryAdd(r.Id, r);
                    if (r.Pod is { } p) pods.TryAdd(p.Uid, (p, r.Source));
                }
            var snapshot = new CatalogSnapshot(byId, pods, _sources.Select(s => s.Status).ToList(), _current.Generation + 1);
            _current = snapshot;
            return snapshot;
        }
        finally { _refreshing.Release(); }
    }

    /// <summary>The id as the latest snapshot knows it; an unknown container id asks for an early refresh.</summary>
    public ContainerId Resolve(ContainerId id)
    {
        if (!LookedUp.Contains(id.Runtime)) return id;
        var enriched = _current.Enrich(id);
        if (ReferenceEquals(enriched, id)) AskFor(id.Id);
        return enriched;
    }

    /// <summary>The frame with its containers named as the runtimes name them. Cheap: dictionary look-ups only.</summary>
    public Frame Annotate(Frame frame) => Annotate(frame, Resolve);

    /// <summary>The frame with each container id replaced by what <paramref name="resolve"/> returns (the same object: unchanged); replay uses the recorded names.</summary>
    public static Frame Annotate(Frame frame, Func<ContainerId, ContainerId> resolve)
    {
        var resolved = new Dictionary<ContainerId, ContainerId>(ReferenceEqualityComparer.Instance);
        ContainerId Get(ContainerId id)
        {
            if (!resolved.TryGetValue(id, out var e)) resolved[id] = e = resolve(id);
            return e;
        }

        List<CgroupView>? cgroups = null;
        for (int i = 0; i < frame.Cgroups.Count; i++)
        {
            var c = frame.Cgroups[i];
            if (c.Container is not { } id || Get(id) is var e && ReferenceEquals(e, id)) continue;
            cgroups ??= new List<CgroupView>(frame.Cgroups);
            cgroups[i] = c with { Container = e, Name = e.QualifiedName };
        }
        List<ProcessView>? processes = null;
        for (int i = 0; i < frame.Processes.Count; i++)
        {
            var p = frame.Processes[i];
            if (p.Container is not { } id || Get(id) is var e && ReferenceEquals(e, id)) continue;
            processes ??= new List<ProcessView>(frame.Processes);
            processes[i] = p with { Container = e };
        }
        var scope = frame.Scope;
        if (scope.CgroupPath is { } path && ContainerNames.FromPath(path) is { } own && resolve(own) is var mine && !ReferenceEquals(mine, own))
            scope = scope with { Name = mine.QualifiedName };
        if (cgroups is null && processes is null && ReferenceEquals(scope, frame.Scope)) return frame;
        return frame with { Cgroups = cgroups ?? frame.Cgroups, Processes = processes ?? frame.Processes, Scope = scope };
    }

    private void AskFor(string id)
    {
        lock (_asked)
        {
            // Ids no runtime knows (a containerd container, say) stay in the set, so they ask once, not every frame.
            if (_asked.Count > 4096) _asked.Clear();
            if (!_asked.Add(id)) return;
        }
        try { if (_poke.CurrentCount == 0) _poke.Release(); }
        catch (SemaphoreFullException) { } // already asked
        catch (ObjectDisposedException) { }
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await RefreshAsync(stop).ConfigureAwait(false);
                var since = Stopwatch.StartNew();
                await _poke.WaitAsync(_options.RefreshPeriod, stop).ConfigureAwait(false);
                var rest = MinRefreshSpacing - since.Elapsed;
                if (rest > TimeSpan.Zero) await Task.Delay(rest, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            foreach (var s in _sources) s.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        // A started loop disposes the clients when it ends (it may be inside a request now); otherwise nothing else will.
        if (_loop is null)
            foreach (var s in _sources) s.Dispose();
    }
}
