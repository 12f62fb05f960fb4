using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ctop.Serve;

/// <summary>How much a client may ask of the server. Every limit bounds memory or time per client, and clients in all.</summary>
public sealed record ServerLimits
{
    /// <summary>Request line and headers together; more is answered 431.</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;
    /// <summary>From accept to the end of the headers: a slow-drip client is cut off after this (408).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>To send the response: a client that does not read is cut off after this.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Connections being served at once; more are answered 503 at once and closed.</summary>
    public int MaxConnections { get; init; } = 64;
}

/// <summary>
/// A small HTTP/1.1 server for one path: GET and HEAD of the metrics path (200), a landing page at / (200), other paths
/// 404, other methods 405, anything that does not parse 400. One request per connection (Connection: close), so a
/// client cannot keep state alive; bodies are the snapshot's shared arrays. Why not Kestrel: docs/architecture.md.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private static readonly byte[] Busy = Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    private readonly Socket _listener;
    private readonly string _path;
    private readonly Func<ServeSnapshot?> _latest;
    private readonly ServerLimits _limits;
    private readonly byte[] _landing;
    private int _active, _refusing;
    private long _served;

    public MetricsServer(IPEndPoint endpoint, string path, Func<ServeSnapshot?> latest, ServerLimits? limits = null)
    {
        _path = path;
        _latest = latest;
        _limits = limits ?? new ServerLimits();
        _landing = Encoding.UTF8.GetBytes("<!DOCTYPE html>\n<html><head><title>ctop</title></head><body><h1>ctop</h1><p><a href=\""
            + WebUtility.HtmlEncode(path) + "\">Metrics</a></p></body></html>\n");
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // An exporter restarted by its supervisor must not wait out TIME_WAIT to listen again.
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endpoint);
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Requests answered so far (any status).</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Accepts until cancelled; each connection is served on the thread pool.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        using var closing = cancellation.Register(() => _listener.Close());
        while (!cancellation.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(cancellation).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException) when (cancellation.IsCancellationRequested) { break; }
            catch (SocketException) { continue; } // ECONNABORTED and the like: that client is gone, the next one is not
            if (Interlocked.Increment(ref _active) > _limits.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                RefuseBusy(client);
                continue;
            }
            _ = Task.Run(() => ServeAsync(client, cancellation), CancellationToken.None);
        }
    }

    private void RefuseBusy(Socket client)
    {
        // Refusals have a cap of their own; past both, a client is just closed.
        if (Interlocked.Increment(ref _refusing) > _limits.MaxConnections)
        {
            Interlocked.Decrement(ref _refusing);
            client.Dispose();
            Interlocked.Increment(ref _served);
            return;
        }
        _ = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(1024);
            try
            {
                client.Blocking = false; // 80 bytes fit any send buffer; never wait to send them
                client.Send(Busy);
                // Read what the client sent before closing, or the kernel resets the connection under the answer.
                client.Shutdown(SocketShutdown.Send);
                using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                for (int i = 0; i < 16 && await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, drain.Token).ConfigureAwait(false) > 0; i++) { }
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                client.Dispose();
                Interlocked.Decrement(ref _refusing);
                Interlocked.Increment(ref _served);
            }
        });
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_limits.MaxHeaderBytes);
        try
        {
            client.NoDelay = true;
            Response response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_limits.RequestTimeout);
                response = await ReadRequestAsync(client, buffer, timeout.Token).ConfigureAwait(false);
            }
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_limits.WriteTimeout);
                await SendAsync(client, response, timeout.Token).ConfigureAwait(false);
            }
            // Half-close and read what is left so the kernel does not reset the connection under the response.
            client.Shutdown(SocketShutdown.Send);
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            for (int i = 0; i < 16 && await client.ReceiveAsync(buffer.AsMemory(0, _limits.MaxHeaderBytes), SocketFlags.None, drain.Token).ConfigureAwait(false) > 0; i++) { }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            client.Dispose();
            Interlocked.Decrement(ref _active);
            Interlocked.Increment(ref _served);
        }
    }

    private readonly record struct Response(int Status, string Reason, string? ContentType, byte[] Body, bool HeadOnly, string? Extra = null);

    private async Task<Response> ReadRequestAsync(Socket client, byte[] buffer, CancellationToken timeout)
    {
        int length = 0, end;
        while ((end = HeaderEnd(buffer.AsSpan(0, length))) < 0)
        {
            if (length == _limits.MaxHeaderBytes) return Error(431, "Request Header Fields Too Large", "request headers too large\n");
            int n;
            try { n = await client.ReceiveAsync(buffer.AsMemory(length, _limits.MaxHeaderBytes - length), SocketFlags.None, timeout).ConfigureAwait(false); }
            catch (OperationCanceledException) { return Error(408, "Request Timeout", "request not complete in time\n"); }
            if (n == 0) return length == 0 ? throw new OperationCanceledException() : Error(400, "Bad Request", "incomplete request\n");
            length += n;
        }
        return Handle(buffer.AsSpan(0, end));
    }

    /// <summary>Index of the end of the headers (the empty line), or -1.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> data)
    {
        int i = data.IndexOf("\r\n\r\n"u8);
        if (i >= 0) return i;
        i = data.IndexOf("\n\n"u8);
        return i;
    }

    private Response Handle(ReadOnlySpan<byte> head)
    {
        // Headers are ASCII by the RFC; anything else is malformed here.
        foreach (byte b in head)
            if (b >= 0x7f || (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t'))
                return Error(400, "Bad Request", "malformed request\n");
        var text = Encoding.ASCII.GetString(head);
        var lines = text.Split('\n');
        var requestLine = lines[0].TrimEnd('\r').Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0 || !requestLine[0].All(char.IsAsciiLetterUpper)
            || !requestLine[1].StartsWith('/') || requestLine[2] is not ("HTTP/1.1" or "HTTP/1.0"))
            return Error(400, "Bad Request", "malformed request line\n");
        string? accept = null, encoding = null;
        foreach (var raw in lines.Skip(1))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0 || line[..colon].Any(ch => ch is ' ' or '\t')) return Error(400, "Bad Request", "malformed header\n");
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Accept", StringComparison.OrdinalIgnoreCase)) accept = accept is null ? value : accept + "," + value;
            else if (name.Equals("Accept-Encoding", StringComparison.OrdinalIgnoreCase)) encoding = encoding is null ? value : encoding + "," + value;
        }
        string method = requestLine[0], target = requestLine[1];
        int query = target.IndexOf('?');
        var path = query < 0 ? target : target[..query];
        bool head_ = method == "HEAD";
        if (path != _path && path != "/") return Error(404, "Not Found", "not found; metrics are at " + _path + "\n");
        if (method is not ("GET" or "HEAD")) return Error(405, "Method Not Allowed", "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
        if (path != _path) return new Response(200, "OK", "text/html; charset=utf-8", _landing, head_);
        if (_latest() is not { } snapshot) return Error(503, "Service Unavailable", "no sample yet\n", "Retry-After: 1\r\n");
        var format = ExpositionWriter.Negotiate(accept);
        bool gzip = AcceptsGzip(encoding);
        var contentType = format == ExpositionFormat.OpenMetrics ? ExpositionWriter.OpenMetricsContentType : ExpositionWriter.TextContentType;
        return new Response(200, "OK", contentType, snapshot.Body(format, gzip), head_, gzip ? "Content-Encoding: gzip\r\n" : null);
    }

    /// <summary>Accept-Encoding names gzip with a q above 0 (Prometheus sends "gzip").</summary>
    public static bool AcceptsGzip(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding)) return false;
        foreach (var item in acceptEncoding.Split(','))
        {
            var parts = item.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("gzip", StringComparison.OrdinalIgnoreCase)) continue;
            double q = 1;
            foreach (var p in parts.Skip(1))
                if (p.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && !double.TryParse(p[2..], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out q))
                    q = 0;
            return q > 0;
        }
        return false;
    }

    private static Response Error(int status, string reason, string message, string? extra = null) =>
        new(status, reason, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(message), false, extra);

    private static async Task SendAsync(Socket client, Response r, CancellationToken timeout)
    {
        var header = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {r.Status} {r.Reason}\r\nContent-Type: {r.ContentType}\r\nContent-Length: {r.Body.Length}\r\n{r.Extra}Connection: close\r\n\r\n");
        await SendAllAsync(client, header, timeout).ConfigureAwait(false);
        if (!r.HeadOnly) await SendAllAsync(client, r.Body, timeout).ConfigureAwait(false);
    }

    private static async Task SendAllAsync(Socket client, ReadOnlyMemory<byte> data, CancellationToken timeout)
    {
        while (!data.IsEmpty)
        {
            int n = await client.SendAsync(data, SocketFlags.None, timeout).ConfigureAwait(false);
            data = data[n..];
        }
    }

    public void Dispose() => _listener.Dispose();
}
