using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Ctop.TestSupport;

namespace Serve.Tests.Support;

/// <summary>The published NativeAOT ctop running `serve` on 127.0.0.1 at a port it picked (port 0), as a user runs it.</summary>
public sealed class CtopServe : IDisposable
{
    private readonly Watched _process;

    /// <summary>The published ctop; CTOP_SERVE_BINARY names one already published (a rerun on a slow machine skips the publish).</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("CTOP_SERVE_BINARY") is { Length: > 0 } b && File.Exists(b) ? b : PublishedCtop.Binary;

    public CtopServe(params string[] args)
    {
        _process = new Watched(Binary, ["serve", "--listen", "127.0.0.1:0", .. args]);
        try
        {
            var line = _process.WaitForLine(l => l.StartsWith("ctop serve: listening on http://", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            var url = new Uri(line["ctop serve: listening on ".Length..]);
            Port = url.Port;
            Path = url.AbsolutePath;
        }
        catch
        {
            _process.Dispose();
            throw;
        }
    }

    public int Port { get; }
    public string Path { get; }
    public string Target => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);
    public Watched Process => _process;

    /// <summary>One request over a fresh connection: the status line and the body (the server closes after each).</summary>
    public (string Status, string Body) Get(string path, string? accept = null, TimeSpan? timeout = null)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.ReceiveTimeout = s.SendTimeout = (int)(timeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds;
        s.Connect("127.0.0.1", Port);
        s.Send(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {Target}\r\n{(accept is null ? "" : "Accept: " + accept + "\r\n")}\r\n"));
        var ms = new MemoryStream();
        var buf = new byte[64 * 1024];
        int n;
        while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n);
        var text = Encoding.UTF8.GetString(ms.ToArray());
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (text.Split("\r\n")[0], end < 0 ? "" : text[(end + 4)..]);
    }

    /// <summary>A sample's value from a text-format body: the first line starting with PREFIX.</summary>
    public static double? Value(string body, string prefix)
    {
        foreach (var line in body.Split('\n'))
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        return null;
    }

    public void Dispose() => _process.Dispose();
}
