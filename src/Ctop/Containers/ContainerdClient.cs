using Ctop.Containers.Containerd;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Ctop.Containers;

/// <summary>
/// The one call ctop makes to containerd: containerd.services.containers.v1.Containers/List in the namespace the
/// kubelet's CRI plugin uses (k8s.io), over containerd's unix socket. gRPC is Grpc.Net.Client over a SocketsHttpHandler
/// whose ConnectCallback connects the socket (HTTP/2 with prior knowledge, as containerd expects); the messages are
/// generated from a minimal .proto at build time. Each call is bounded by <c>timeout</c>, connect included, and the
/// channel is built only once the socket exists.
/// </summary>
public sealed class ContainerdClient : IContainerLister
{
    /// <summary>The containerd namespace the CRI plugin keeps Kubernetes containers in.</summary>
    public const string KubernetesNamespace = "k8s.io";

    public const string DefaultAddress = "/run/containerd/containerd.sock";

    /// <summary>containerd's List carries every container's OCI spec (tens of kB each): a busy node's list is large, but not this large.</summary>
    public const int MaxResponseBytes = 64 << 20;

    /// <summary>The label the CRI plugin puts on a pod's sandbox (pause) container: io.cri-containerd.kind=sandbox.</summary>
    public const string KindLabel = "io.cri-containerd.kind";

    private static readonly MessageParser<ListContainersResponse> ResponseParser =
        ListContainersResponse.Parser.WithDiscardUnknownFields(true);

    private static readonly Method<ListContainersRequest, ListContainersResponse> List = new(
        MethodType.Unary, "containerd.services.containers.v1.Containers", "List",
        Marshallers.Create(r => r.ToByteArray(), ListContainersRequest.Parser.ParseFrom),
        Marshallers.Create(r => r.ToByteArray(), bytes => ResponseParser.ParseFrom(bytes)));

    private readonly TimeSpan _timeout;
    private GrpcChannel? _channel;

    /// <param name="socketPath">containerd's socket (CONTAINERD_ADDRESS, --containerd-address).</param>
    public ContainerdClient(string socketPath, TimeSpan timeout, string @namespace = KubernetesNamespace)
    {
        SocketPath = socketPath;
        Namespace = @namespace;
        _timeout = timeout;
    }

    public string SocketPath { get; }

    public string Namespace { get; }

    public string Host => "unix://" + SocketPath;

    public override string ToString() => Host;

    /// <summary>The containers of <see cref="Namespace"/>. Throws <see cref="RuntimeUnavailableException"/>.</summary>
    public Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(string source, CancellationToken cancellation) =>
        GrpcSocket.IfSocketExists(SocketPath, () => RequestAsync(source, cancellation));

    private async Task<IReadOnlyList<ContainerRecord>> RequestAsync(string source, CancellationToken cancellation)
    {
        var channel = _channel ??= GrpcSocket.CreateChannel(SocketPath, _timeout, MaxResponseBytes);
        var headers = new Metadata { { "containerd-namespace", Namespace } };
        try
        {
            var call = channel.CreateCallInvoker().AsyncUnaryCall(List, null,
                new CallOptions(headers, DateTime.UtcNow + _timeout, cancellation), new ListContainersRequest());
            var response = await call.ResponseAsync.ConfigureAwait(false);
            return ToRecords(response, source);
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            throw new RuntimeUnavailableException($"{Host}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// containerd's answer as ctop's records. A Kubernetes container is named by its container name, a pod's sandbox
    /// "POD" (as docker's shim named it); others by their id. Containers without an id are skipped.
    /// </summary>
    internal static IReadOnlyList<ContainerRecord> ToRecords(ListContainersResponse response, string source)
    {
        var list = new List<ContainerRecord>(response.Containers.Count);
        foreach (var c in response.Containers)
        {
            if (c.Id.Length == 0) continue;
            IReadOnlyDictionary<string, string>? labels = null;
            if (c.Labels.Count > 0)
            {
                var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in c.Labels) sorted[k] = v;
                labels = new Dictionary<string, string>(sorted, StringComparer.Ordinal);
            }
            var name = KubernetesLabels.Container(labels)
                ?? (labels is not null && labels.TryGetValue(KindLabel, out var kind) && kind == "sandbox" ? "POD" : Model.ContainerId.Short(c.Id));
            list.Add(new ContainerRecord(c.Id, name, c.Image.Length > 0 ? c.Image : null, labels, source));
        }
        return list;
    }

    /// <summary>Decodes a List answer's protobuf body; throws <see cref="InvalidProtocolBufferException"/> on malformed input.</summary>
    public static IReadOnlyList<ContainerRecord> Parse(ReadOnlySpan<byte> body, string source) =>
        ToRecords(ResponseParser.ParseFrom(body), source);

    private string Reason(RpcException e) =>
        GrpcSocket.Reason(e, _timeout, "containerd", "the containers service is not served here (not containerd?)");

    public void Dispose() => _channel?.Dispose();
}
