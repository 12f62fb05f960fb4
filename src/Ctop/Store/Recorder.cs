using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Ctop.Containers;
using Ctop.Model;
using Ctop.Pipeline;

namespace Ctop.Store;

/// <summary>
/// `ctop record`: the live sampler on its grid (late ticks dropped, as for the dashboard), every sample appended to the
/// store with the container names the runtimes give at that moment. Runs until the token is cancelled (SIGTERM, Ctrl-C).
/// </summary>
public static class Recorder
{
    public static async Task RunAsync(SamplingOptions sampling, string dir, StoreOptions store, Action<string> report,
        CancellationToken cancellation, Action<StoreWriter>? written = null)
    {
        using var writer = new StoreWriter(dir, store, report);
        using var catalog = sampling.Runtimes is { } runtimes ? new ContainerCatalog(runtimes).Start() : null;
        var containerOfPath = new Dictionary<string, ContainerId?>(StringComparer.Ordinal);
        var seen = new HashSet<ContainerId>(ReferenceEqualityComparer.Instance);
        bool first = true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var loop = new EventLoopScheduler(start => new Thread(start) { IsBackground = true, Name = "ctop-recorder" });
        var samples = Observable.Using(() => new Sampler(sampling), sampler =>
            SamplingPipeline.Ticks(sampler.Take, sampling.Interval, loop, trim: HeapTrim.CreateForRecorder())).SubscribeOn(loop);
        using var subscription = samples.Subscribe(sample =>
        {
            try
            {
                var names = catalog is null ? Empty : Names(sample, catalog, containerOfPath, seen);
                writer.Append(new RecordedSample(sample, names, first));
                first = false;
                written?.Invoke(writer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                done.TrySetException(new IOException($"cannot write to the store {dir}: {e.Message}", e));
            }
        }, e => done.TrySetException(e), () => done.TrySetResult());
        using (cancellation.Register(() => done.TrySetResult()))
            await done.Task.ConfigureAwait(false);
    }

    private static readonly IReadOnlyDictionary<string, ContainerId> Empty = new Dictionary<string, ContainerId>();

    /// <summary>
    /// The names the runtimes give the containers of this sample, where they differ from what the cgroup path says. Each
    /// distinct container (the sampler shares one id object between a cgroup's processes) is resolved once per sample.
    /// </summary>
    private static IReadOnlyDictionary<string, ContainerId> Names(Sample sample, ContainerCatalog catalog, Dictionary<string, ContainerId?> containerOfPath,
        HashSet<ContainerId> seen)
    {
        Dictionary<string, ContainerId>? names = null;
        seen.Clear();
        if (containerOfPath.Count > 16384) containerOfPath.Clear();
        void Add(ContainerId? id)
        {
            if (id is null || !seen.Add(id)) return;
            var e = catalog.Resolve(id);
            if (ReferenceEquals(e, id)) return;
            names ??= new Dictionary<string, ContainerId>(StringComparer.Ordinal);
            names.TryAdd(RecordedSample.NameKey(id), e);
        }
        foreach (var path in sample.Cgroups.Keys)
        {
            if (!containerOfPath.TryGetValue(path, out var id)) containerOfPath[path] = id = ContainerNames.FromPath(path);
            Add(id);
        }
        foreach (var p in sample.Processes.Values) Add(p.Info.Container);
        if (sample.Scope.CgroupPath is { } own) Add(ContainerNames.FromPath(own));
        return names ?? Empty;
    }
}
