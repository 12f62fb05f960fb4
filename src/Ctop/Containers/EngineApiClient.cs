using ProcFs.Parsing;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Ctop.Containers;

/// <summary>Why a runtime could not be asked: the message names the host and the reason, for the catalog's status.</summary>
public sealed class RuntimeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one call ctop makes to the Engine API: GET /containers/json (running containers: Id, Names, Image, Labels).
/// docker and podman (whose compatibility API answers the same path) are both spoken to this way. The request is
/// unversioned so any daemon answers in its own version, and bounded by <c>timeout</c>, connect included.
/// Plain HttpClient over a unix socket (SocketsHttpHandler.ConnectCallback) and JsonDocument: no dependency beyond the
/// runtime, nothing reflection-based, so it works in the NativeAOT binary.
/// </summary>
public sealed class EngineApiClient : IContainerLister
{
    /// <summary>The list can be long on a busy host, but not this long.</summary>
    private const int MaxResponseBytes = 64 << 20;

    private readonly TimeSpan _timeout;
    private HttpClient? _http;

    public EngineApiClient(EngineHost host, TimeSpan timeout)
    {
        Host = host;
        _timeout = timeout;
    }

    public EngineHost Host { get; }

    string IContainerLister.Host => Host.Url;

    /// <summary>The running containers, tagged with <paramref name="source"/>. Throws <see cref="RuntimeUnavailableException"/>.</summary>
    public Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(string source, CancellationToken cancellation) =>
        // Most hosts have no docker or podman socket: say so without building the HTTP stack (a few MB of memory).
        Host.SocketPath is { } path && !File.Exists(path)
            ? Task.FromException<IReadOnlyList<ContainerRecord>>(new RuntimeUnavailableException($"{Host}: no such socket"))
            : RequestAsync(source, cancellation);

    private async Task<IReadOnlyList<ContainerRecord>> RequestAsync(string source, CancellationToken cancellation)
    {
        var http = _http ??= CreateClient(Host, _timeout);
        byte[] body;
        try
        {
            using var response = await http.GetAsync("containers/json", cancellation).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new RuntimeUnavailableException($"{Host}: GET /containers/json answered {(int)response.StatusCode} {Shown(response.ReasonPhrase ?? "")}");
        }
        catch (HttpRequestException e)
        {
            throw new RuntimeUnavailableException($"{Host}: {Shown(Reason(e))}", e);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new RuntimeUnavailableException($"{Host}: no answer within {_timeout.TotalSeconds:0.#} s", e);
        }
        try { return Parse(body, source); }
        catch (JsonException e) { throw new RuntimeUnavailableException($"{Host}: the container list is not the Engine API's JSON ({Shown(e.Message)})", e); }
    }

    /// <summary>
    /// What the daemon sent, escaped: .NET quotes a bad status or header line in its message, and the message ends up on
    /// the dashboard and stderr as one line.
    /// </summary>
    private static string Shown(string text) => Printable.Escape(text);

    private static HttpClient CreateClient(EngineHost host, TimeSpan timeout)
    {
        var handler = UnixSocketHandler(host.SocketPath, timeout);
        return new HttpClient(handler) { BaseAddress = host.BaseAddress, Timeout = timeout, MaxResponseContentBufferSize = MaxResponseBytes };
    }

    /// <summary>
    /// The HTTP handler for a runtime's socket (docker's and podman's Engine API, containerd's gRPC): bounded, no proxy,
    /// no redirects, small headers, and connections to the unix socket at <paramref name="socketPath"/> (null: TCP).
    /// </summary>
    internal static SocketsHttpHandler UnixSocketHandler(string? socketPath, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AllowAutoRedirect = false,
            MaxResponseHeadersLength = 64,
        };
        if (socketPath is { } path)
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        return handler;
    }

    /// <summary>The Engine API's container list: an array of objects with Id, Names ["/name", …], Image, Labels.</summary>
    public static IReadOnlyList<ContainerRecord> Parse(ReadOnlySpan<byte> json, string source)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("expected an array");
        var list = new List<ContainerRecord>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.Object || Str(c, "Id") is not { Length: > 0 } id) continue;
            list.Add(new ContainerRecord(id, Name(c) ?? ContainerIdShort(id), Str(c, "Image"), Labels(c, "Labels"), source));
        }
        return list;
    }

    /// <summary>A container's own name is the one without a further '/': docker lists links as /other/alias too.</summary>
    private static string? Name(JsonElement c)
    {
        if (!c.TryGetProperty("Names", out var names) || names.ValueKind != JsonValueKind.Array) return null;
        string? first = null;
        foreach (var n in names.EnumerateArray())
        {
            if (Text(n) is not { Length: > 0 } s) continue;
            var name = s.TrimStart('/');
            if (name.Length == 0) continue;
            if (!name.Contains('/')) return name;
            first ??= name;
        }
        return first;
    }

    internal static string? Str(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) ? Text(v) : null;

    /// <summary>
    /// A string value; null when it is not a string, or not text (invalid UTF-8, an escaped lone surrogate), which the
    /// reader refuses to decode: one damaged field costs that field, not the whole answer.
    /// </summary>
    internal static string? Text(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.String) return null;
        try { return v.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>A string-to-string object, sorted by key; null when absent or null (docker writes "Labels": null).</summary>
    internal static IReadOnlyDictionary<string, string>? Labels(JsonElement e, string property)
    {
        if (!e.TryGetProperty(property, out var v) || v.ValueKind != JsonValueKind.Object) return null;
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            string name;
            try { name = p.Name; }
            catch (InvalidOperationException) { continue; } // a key that is not text
            if (Text(p.Value) is { } value) sorted[name] = value;
        }
        return new Dictionary<string, string>(sorted, StringComparer.Ordinal);
    }

    private static string ContainerIdShort(string id) => Model.ContainerId.Short(id);

    /// <summary>The socket-level reason, in the words a user would search for.</summary>
    private static string Reason(HttpRequestException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is SocketException s)
                return s.SocketErrorCode switch
                {
                    // .NET reports a unix socket path that does not exist (ENOENT) as AddressNotAvailable.
                    SocketError.AddressNotAvailable => "no such socket",
                    SocketError.AccessDenied => "permission denied (the socket is usually root's, or a docker group's)",
                    SocketError.ConnectionRefused => "connection refused (is the daemon running?)",
                    _ => s.Message,
                };
        return e.Message;
    }

    public void Dispose() => _http?.Dispose();
}
