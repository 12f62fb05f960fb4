using Ctop.Containers.Cri;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Ctop.Containers;

/// <summary>
/// The two calls ctop makes to a Kubernetes container runtime through the CRI (runtime.v1.RuntimeService): ListPodSandbox
/// (ready pods) and ListContainers (running containers), over the runtime's unix socket — CRI-O's /var/run/crio/crio.sock,
/// or containerd's socket when its CRI plugin is on. The CRI is the one API every Kubernetes runtime answers, and the
/// only one CRI-O has. Same transport as <see cref="ContainerdClient"/> (<see cref="GrpcSocket"/>); each call is bounded
/// by <c>timeout</c>, and the channel is built only once the socket exists.
/// </summary>
public sealed class CriClient : IContainerLister
{
    public const string DefaultAddress = "/var/run/crio/crio.sock";

    /// <summary>The list carries no specs: a few hundred bytes per container. A node's answer stays far below this.</summary>
    public const int MaxResponseBytes = 16 << 20;

    private const string Service = "runtime.v1.RuntimeService";

    private static readonly MessageParser<ListContainersResponse> ContainersParser = ListContainersResponse.Parser.WithDiscardUnknownFields(true);
    private static readonly MessageParser<ListPodSandboxResponse> SandboxesParser = ListPodSandboxResponse.Parser.WithDiscardUnknownFields(true);

    private static readonly Method<ListContainersRequest, ListContainersResponse> ListContainers = new(
        MethodType.Unary, Service, "ListContainers",
        Marshallers.Create(r => r.ToByteArray(), ListContainersRequest.Parser.ParseFrom),
        Marshallers.Create(r => r.ToByteArray(), bytes => ContainersParser.ParseFrom(bytes)));

    private static readonly Method<ListPodSandboxRequest, ListPodSandboxResponse> ListPodSandbox = new(
        MethodType.Unary, Service, "ListPodSandbox",
        Marshallers.Create(r => r.ToByteArray(), ListPodSandboxRequest.Parser.ParseFrom),
        Marshallers.Create(r => r.ToByteArray(), bytes => SandboxesParser.ParseFrom(bytes)));

    // Only what has a cgroup: running containers and ready sandboxes (the state is a wrapper, so READY = 0 can be asked for).
    private static readonly ListContainersRequest Running = new()
    {
        Filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } },
    };

    private static readonly ListPodSandboxRequest Ready = new()
    {
        Filter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } },
    };

    private readonly TimeSpan _timeout;
    private GrpcChannel? _channel;

    /// <param name="socketPath">The CRI runtime's socket (CONTAINER_RUNTIME_ENDPOINT, --cri-address).</param>
    public CriClient(string socketPath, TimeSpan timeout)
    {
        SocketPath = socketPath;
        _timeout = timeout;
    }

    public string SocketPath { get; }

    public string Host => "unix://" + SocketPath;

    public override string ToString() => Host;

    /// <summary>The ready pods' sandboxes and the running containers. Throws <see cref="RuntimeUnavailableException"/>.</summary>
    public Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(string source, CancellationToken cancellation) =>
        GrpcSocket.IfSocketExists(SocketPath, () => RequestAsync(source, cancellation));

    private async Task<IReadOnlyList<ContainerRecord>> RequestAsync(string source, CancellationToken cancellation)
    {
        var invoker = (_channel ??= GrpcSocket.CreateChannel(SocketPath, _timeout, MaxResponseBytes)).CreateCallInvoker();
        // One deadline for both calls: a refresh costs at most one timeout.
        var options = new CallOptions(null, DateTime.UtcNow + _timeout, cancellation);
        try
        {
            var sandboxes = await invoker.AsyncUnaryCall(ListPodSandbox, null, options, Ready).ResponseAsync.ConfigureAwait(false);
            var containers = await invoker.AsyncUnaryCall(ListContainers, null, options, Running).ResponseAsync.ConfigureAwait(false);
            return ToRecords(sandboxes, containers, source);
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            throw new RuntimeUnavailableException($"{Host}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// The CRI's answers as ctop's records: each sandbox is its pod's "POD" (the infra container's cgroup, crio-ID.scope or
    /// the sandbox id under the pod's cgroup), each container is named within its pod. The kubelet puts the
    /// io.kubernetes.* labels on both; where a runtime's client did not, they are filled from the CRI's own metadata
    /// (the sandbox's name, namespace and uid; the container's name), so that the pod is named either way. Entries
    /// without an id are skipped.
    /// </summary>
    internal static IReadOnlyList<ContainerRecord> ToRecords(ListPodSandboxResponse sandboxes, ListContainersResponse containers, string source)
    {
        var list = new List<ContainerRecord>(sandboxes.Items.Count + containers.Containers.Count);
        var pods = new Dictionary<string, PodSandboxMetadata>(StringComparer.Ordinal);
        foreach (var s in sandboxes.Items)
        {
            if (s.Id.Length == 0) continue;
            if (s.Metadata is { } m) pods.TryAdd(s.Id, m);
            list.Add(new ContainerRecord(s.Id, "POD", null, Labels(s.Labels, s.Metadata, null), source));
        }
        foreach (var c in containers.Containers)
        {
            if (c.Id.Length == 0) continue;
            var labels = Labels(c.Labels, pods.GetValueOrDefault(c.PodSandboxId), c.Metadata?.Name);
            var name = KubernetesLabels.Container(labels) ?? Model.ContainerId.Short(c.Id);
            list.Add(new ContainerRecord(c.Id, name, Image(c), labels, source));
        }
        return list;
    }

    /// <summary>The image as the pod names it when the runtime says; else what it calls the image (often the image id).</summary>
    private static string? Image(Container c) =>
        c.Image is { UserSpecifiedImage.Length: > 0 } spec ? spec.UserSpecifiedImage
        : c.Image is { Image.Length: > 0 } i ? i.Image
        : c.ImageRef.Length > 0 ? c.ImageRef
        : null;

    /// <summary>The labels sorted by key, with the pod's and the container's io.kubernetes.* labels added where missing.</summary>
    private static Dictionary<string, string>? Labels(Google.Protobuf.Collections.MapField<string, string> given, PodSandboxMetadata? pod, string? container)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in given) sorted[k] = v;
        if (pod is not null)
        {
            if (pod.Name.Length > 0) sorted.TryAdd(KubernetesLabels.PodName, pod.Name);
            if (pod.Namespace.Length > 0) sorted.TryAdd(KubernetesLabels.PodNamespace, pod.Namespace);
            if (pod.Uid.Length > 0) sorted.TryAdd(KubernetesLabels.PodUid, pod.Uid);
        }
        if (container is { Length: > 0 }) sorted.TryAdd(KubernetesLabels.ContainerName, container);
        return sorted.Count == 0 ? null : new Dictionary<string, string>(sorted, StringComparer.Ordinal);
    }

    /// <summary>Decodes the two answers' protobuf bodies; throws <see cref="InvalidProtocolBufferException"/> on malformed input.</summary>
    public static IReadOnlyList<ContainerRecord> Parse(ReadOnlySpan<byte> sandboxes, ReadOnlySpan<byte> containers, string source) =>
        ToRecords(SandboxesParser.ParseFrom(sandboxes), ContainersParser.ParseFrom(containers), source);

    private string Reason(RpcException e) =>
        GrpcSocket.Reason(e, _timeout, "the CRI runtime", "the CRI's RuntimeService is not served here (not CRI-O, or containerd without its CRI plugin?)");

    public void Dispose() => _channel?.Dispose();
}
