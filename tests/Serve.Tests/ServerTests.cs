using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ctop.Serve;
using Serve.Tests.Support;

namespace Serve.Tests;

/// <summary>The HTTP server in-process on 127.0.0.1 with a fixed snapshot: statuses, limits, hostile clients.</summary>
public sealed class ServerTests : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly MetricsServer _server;
    private readonly Task _running;
    private ServeSnapshot? _snapshot = new(Frames.Of(Frames.Cgroup("/a")), Frames.Of(Frames.Cgroup("/a")), 0);

    public ServerTests()
    {
        _server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), "/metrics", () => _snapshot,
            new ServerLimits { RequestTimeout = TimeSpan.FromSeconds(1), MaxConnections = 8, MaxHeaderBytes = 1024 });
        _running = _server.RunAsync(_stop.Token);
    }

    /// <summary>Sends RAW, reads to the end (the server closes every connection); the whole response as text.</summary>
    private string Exchange(string raw, TimeSpan? timeout = null)
    {
        using var s = Connect();
        s.Send(Encoding.ASCII.GetBytes(raw));
        return ReadAll(s, timeout ?? TimeSpan.FromSeconds(10));
    }

    private Socket Connect()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(_server.LocalEndPoint);
        return s;
    }

    private static string ReadAll(Socket s, TimeSpan timeout)
    {
        s.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var ms = new MemoryStream();
        var buf = new byte[8192];
        int n;
        while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Status(string response) => response.Split("\r\n")[0];

    [Fact]
    public void Get_of_the_path_serves_the_text_format()
    {
        var r = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK", Status(r));
        Assert.Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", r);
        Assert.Contains("Connection: close\r\n", r);
        var body = r[(r.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", r);
        Assert.Contains("container_cpu_usage_seconds_total{id=\"/a\"} 12.5\n", body);
    }

    [Fact]
    public void OpenMetrics_when_asked_and_a_query_string_is_ignored()
    {
        var r = Exchange("GET /metrics?x=1 HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK", Status(r));
        Assert.Contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n", r);
        Assert.EndsWith("# EOF\n", r);
    }

    [Fact]
    public void Head_sends_no_body()
    {
        var r = Exchange("HEAD /metrics HTTP/1.0\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK", Status(r));
        Assert.EndsWith("\r\n\r\n", r);
    }

    [Theory]
    [InlineData("GET /other HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found")]
    [InlineData("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 Method Not Allowed")]
    [InlineData("DELETE / HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed")]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK")]
    [InlineData("garbage\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("get /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /m\u00e9trics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /metrics HTTP/1.1\r\nX: \u0001\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    public void Other_paths_methods_and_malformed_requests(string request, string status)
    {
        using var s = Connect();
        s.Send(Encoding.Latin1.GetBytes(request));
        Assert.Equal(status, Status(ReadAll(s, TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void Method_not_allowed_says_what_is()
    {
        var r = Exchange("PUT /metrics HTTP/1.1\r\n\r\n");
        Assert.Contains("Allow: GET, HEAD\r\n", r);
    }

    [Fact]
    public void Oversized_headers_are_refused_without_reading_them_all()
    {
        using var s = Connect();
        s.Send(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nX: " + new string('a', 4000)));
        Assert.Equal("HTTP/1.1 431 Request Header Fields Too Large", Status(ReadAll(s, TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void A_slow_drip_client_is_cut_off_at_the_request_timeout()
    {
        using var s = Connect();
        var sw = Stopwatch.StartNew();
        s.Send("G"u8.ToArray());
        Thread.Sleep(300);
        s.Send("E"u8.ToArray());
        var r = ReadAll(s, TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 408 Request Timeout", Status(r));
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 5);
    }

    [Fact]
    public void Beyond_the_connection_cap_clients_get_503_and_the_rest_are_served()
    {
        var idle = Enumerable.Range(0, 8).Select(_ => Connect()).ToList();
        try
        {
            Thread.Sleep(200); // all eight accepted and waiting for their headers
            Assert.Equal("HTTP/1.1 503 Service Unavailable", Status(Exchange("GET /metrics HTTP/1.1\r\n\r\n")));
        }
        finally
        {
            foreach (var s in idle) s.Dispose();
        }
        // The idle ones time out (1 s) or see their peer gone; then there is room again.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string status;
        do
        {
            Thread.Sleep(200);
            status = Status(Exchange("GET /metrics HTTP/1.1\r\n\r\n"));
        } while (status != "HTTP/1.1 200 OK" && DateTime.UtcNow < deadline);
        Assert.Equal("HTTP/1.1 200 OK", status);
    }

    [Fact]
    public void Before_the_first_frame_it_says_so()
    {
        _snapshot = null;
        var r = Exchange("GET /metrics HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 503 Service Unavailable", Status(r));
        Assert.Contains("Retry-After: 1\r\n", r);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _running.Wait(TimeSpan.FromSeconds(10));
        _server.Dispose();
        _stop.Dispose();
    }
}
