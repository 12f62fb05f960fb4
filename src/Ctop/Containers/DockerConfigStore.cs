using System.Text.Json;

namespace Ctop.Containers;

/// <summary>
/// docker's own record of each container, DATA-ROOT/containers/ID/config.v2.json (Name "/web", Config.Image,
/// Config.Labels, State.Running): what ctop reads when the socket is not there or not readable but the data root is
/// (a monitoring container with /var/lib/docker/containers mounted read-only, say). Files are parsed again only when
/// their modification time or size changed.
/// </summary>
public sealed class DockerConfigStore(string dataRoot)
{
    /// <summary>A config.v2.json is a few kB; anything this large is not one.</summary>
    private const long MaxFileBytes = 16 << 20;

    private readonly Dictionary<string, (DateTime Time, long Length, ContainerRecord? Record)> _parsed = new(StringComparer.Ordinal);

    public string DataRoot { get; } = dataRoot;

    public string ContainersDir => Path.Combine(DataRoot, "containers");

    /// <summary>The running containers. Throws <see cref="RuntimeUnavailableException"/> when the directory cannot be listed.</summary>
    public IReadOnlyList<ContainerRecord> Read()
    {
        string[] dirs;
        try { dirs = Directory.GetDirectories(ContainersDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeUnavailableException($"{ContainersDir}: {(e is UnauthorizedAccessException ? "permission denied" : e is DirectoryNotFoundException ? "no such directory" : e.Message)}", e);
        }
        var list = new List<ContainerRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            var file = Path.Combine(dir, "config.v2.json");
            seen.Add(file);
            if (ReadOne(file) is { } r) list.Add(r);
        }
        foreach (var gone in _parsed.Keys.Where(k => !seen.Contains(k)).ToList()) _parsed.Remove(gone);
        return list;
    }

    private ContainerRecord? ReadOne(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists || info.Length > MaxFileBytes) return null;
            if (_parsed.TryGetValue(file, out var have) && have.Time == info.LastWriteTimeUtc && have.Length == info.Length) return have.Record;
            var record = Parse(File.ReadAllBytes(file));
            _parsed[file] = (info.LastWriteTimeUtc, info.Length, record);
            return record;
        }
        // Removed or rewritten between listing and reading, or not ours to read: that container stays path-named.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    /// <summary>One config.v2.json; null for a container that is not running (its cgroup is gone anyway).</summary>
    public static ContainerRecord? Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || EngineApiClient.Str(root, "ID") is not { Length: > 0 } id) return null;
        if (root.TryGetProperty("State", out var state) && state.ValueKind == JsonValueKind.Object
            && state.TryGetProperty("Running", out var running) && running.ValueKind == JsonValueKind.False)
            return null;
        var name = EngineApiClient.Str(root, "Name")?.TrimStart('/') is { Length: > 0 } n ? n : Model.ContainerId.Short(id);
        string? image = null;
        IReadOnlyDictionary<string, string>? labels = null;
        if (root.TryGetProperty("Config", out var config) && config.ValueKind == JsonValueKind.Object)
        {
            image = EngineApiClient.Str(config, "Image");
            labels = EngineApiClient.Labels(config, "Labels");
        }
        return new ContainerRecord(id, name, image, labels, ContainerSources.DockerConfig);
    }
}
