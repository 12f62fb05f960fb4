using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace Ctop.Containers;

/// <summary>What containerd's and the CRI's gRPC clients share: the channel over a unix socket, and errors in a user's words.</summary>
internal static class GrpcSocket
{
    /// <summary>
    /// A gRPC channel to the unix socket at <paramref name="path"/>: HTTP/2 with prior knowledge (http://, no TLS), what
    /// containerd's and CRI-O's sockets serve, through the runtimes' shared bounded handler; no retries.
    /// </summary>
    public static GrpcChannel CreateChannel(string path, TimeSpan timeout, int maxResponseBytes) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = EngineApiClient.UnixSocketHandler(path, timeout),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxResponseBytes,
            MaxSendMessageSize = 1 << 16,
            MaxRetryAttempts = 0,
        });

    /// <summary>
    /// The request's answer, or at once "no such socket" when <paramref name="path"/> does not exist: most hosts have no
    /// containerd or CRI-O socket, and saying so builds no HTTP/2 and gRPC stack.
    /// </summary>
    public static Task<IReadOnlyList<ContainerRecord>> IfSocketExists(string path, Func<Task<IReadOnlyList<ContainerRecord>>> request) =>
        File.Exists(path)
            ? request()
            : Task.FromException<IReadOnlyList<ContainerRecord>>(new RuntimeUnavailableException($"unix://{path}: no such socket"));

    /// <summary>The status in the words a user would search for; the socket-level cause when there is one.</summary>
    /// <param name="daemon">Who owns the socket, for the hints ("containerd", "the CRI runtime").</param>
    /// <param name="unimplemented">What an Unimplemented status means at this socket.</param>
    public static string Reason(RpcException e, TimeSpan timeout, string daemon, string unimplemented)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is SocketException s)
                return s.SocketErrorCode switch
                {
                    SocketError.AddressNotAvailable => "no such socket",
                    SocketError.AccessDenied => $"permission denied ({daemon}'s socket is root's)",
                    SocketError.ConnectionRefused => $"connection refused (is {daemon} running?)",
                    _ => s.Message,
                };
        return e.StatusCode switch
        {
            StatusCode.DeadlineExceeded => $"no answer within {timeout.TotalSeconds:0.#} s",
            StatusCode.Unimplemented => unimplemented,
            _ => $"{e.StatusCode}: {e.Status.Detail}",
        };
    }
}
