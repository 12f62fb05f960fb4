namespace Ctop.Containers;

/// <summary>
/// Where an Engine API listens, as docker's DOCKER_HOST and podman's CONTAINER_HOST spell it: unix:///PATH (the usual
/// case) or tcp://HOST[:PORT] (plain HTTP). ssh:// and TLS are not spoken here; a host given in those forms is refused
/// with a message rather than half-used.
/// </summary>
public sealed record EngineHost
{
    /// <summary>docker's default port without TLS.</summary>
    public const int DefaultTcpPort = 2375;

    private EngineHost(string url, string? socketPath, Uri? baseAddress)
    {
        Url = url;
        SocketPath = socketPath;
        BaseAddress = baseAddress ?? new Uri("http://localhost/");
    }

    /// <summary>The host as it was given.</summary>
    public string Url { get; }

    /// <summary>The unix socket to connect to; null for tcp.</summary>
    public string? SocketPath { get; }

    /// <summary>What requests are addressed to (http://localhost/ over a unix socket).</summary>
    public Uri BaseAddress { get; }

    public static EngineHost Unix(string path) => new("unix://" + path, path, null);

    /// <summary>Parses a host URL; on failure <paramref name="error"/> says what is accepted.</summary>
    public static bool TryParse(string text, out EngineHost? host, out string? error)
    {
        host = null;
        error = null;
        var t = text.Trim();
        if (t.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = t["unix://".Length..];
            if (!path.StartsWith('/') || path.Any(char.IsControl))
            {
                error = $"'{Escape(t)}': a unix socket needs an absolute path, e.g. unix:///var/run/docker.sock";
                return false;
            }
            // sun_path holds 108 bytes with its terminating NUL; a longer path cannot be connected to.
            if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
            {
                error = $"'{Escape(t)}': a unix socket path is at most 107 bytes";
                return false;
            }
            host = new EngineHost(t, path, null);
            return true;
        }
        if (t.StartsWith("tcp://", StringComparison.Ordinal) || t.StartsWith("http://", StringComparison.Ordinal))
        {
            var rest = t[(t.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (rest.Length == 0 || rest.Contains('/') || rest.Any(char.IsControl)
                || !Uri.TryCreate("http://" + rest, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                error = $"'{Escape(t)}': expected tcp://HOST[:PORT], e.g. tcp://127.0.0.1:2375";
                return false;
            }
            int port = uri.IsDefaultPort && !rest.EndsWith(":80", StringComparison.Ordinal) ? DefaultTcpPort : uri.Port;
            host = new EngineHost(t, null, new UriBuilder("http", uri.Host, port).Uri);
            return true;
        }
        string scheme = t.Contains("://", StringComparison.Ordinal) ? t[..t.IndexOf("://", StringComparison.Ordinal)] : "";
        error = scheme is "ssh" or "https" or "npipe" or "fd"
            ? $"'{Escape(t)}': {scheme}:// is not supported; give unix:///PATH or tcp://HOST:PORT (plain HTTP)"
            : $"'{Escape(t)}': expected unix:///PATH or tcp://HOST[:PORT]";
        return false;
    }

    private static string Escape(string s) => ProcFs.Parsing.Printable.Escape(s);

    public override string ToString() => Url;
}
