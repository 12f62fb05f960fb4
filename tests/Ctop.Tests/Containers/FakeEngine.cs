using System.Net.Sockets;
using System.Text;

namespace Ctop.Tests.Containers;

/// <summary>
/// A unix socket that answers every request with one canned HTTP response, or (with <c>hang</c>) accepts and never
/// answers: what a wedged daemon looks like from ctop. The real daemons are the container tier's (tests/Containers.Tests).
/// </summary>
internal sealed class FakeEngine : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("ctop-engine-").FullName;
    private int _requests;

    public FakeEngine(string? response, bool hang = false)
    {
        SocketPath = Path.Combine(_dir, "engine.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _ = Task.Run(() => Serve(response, hang));
    }

    public string SocketPath { get; }

    public string Url => "unix://" + SocketPath;

    public int Requests => Volatile.Read(ref _requests);

    public static string Ok(string json) =>
        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";

    private async Task Serve(string? response, bool hang)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            lock (_accepted) _accepted.Add(client);
            _ = Task.Run(async () =>
            {
                var buffer = new byte[8192];
                try
                {
                    while (true)
                    {
                        // One request per read is enough for a GET without a body.
                        int n = await client.ReceiveAsync(buffer, _stop.Token);
                        if (n == 0) return;
                        Interlocked.Increment(ref _requests);
                        if (hang || response is null) continue;
                        await client.SendAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
                    }
                }
                catch (Exception) { }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_accepted) foreach (var s in _accepted) s.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
