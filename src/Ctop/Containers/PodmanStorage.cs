using System.Text.Json;

namespace Ctop.Containers;

/// <summary>
/// podman's containers as its storage library records them, STORAGE-ROOT/DRIVER-containers/containers.json: each
/// container's id, names and, in the "metadata" string, the image name. podman has no daemon, so this is how its
/// names are known without `podman system service`; labels are only in its database, which is not read, so they come
/// from the API alone. The file is parsed again only when it changed.
/// </summary>
public sealed class PodmanStorage(string storageRoot)
{
    private const long MaxFileBytes = 64 << 20;

    private readonly Dictionary<string, (DateTime Time, long Length, IReadOnlyList<ContainerRecord> Records)> _parsed = new(StringComparer.Ordinal);

    public string StorageRoot { get; } = storageRoot;

    /// <summary>Every container storage knows (running or not). Throws <see cref="RuntimeUnavailableException"/> when the root cannot be read.</summary>
    public IReadOnlyList<ContainerRecord> Read()
    {
        string[] files;
        try
        {
            // One folder per storage driver: overlay-containers, vfs-containers, btrfs-containers, …
            files = Directory.GetDirectories(StorageRoot, "*-containers")
                .Select(d => Path.Combine(d, "containers.json")).Where(File.Exists).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeUnavailableException($"{StorageRoot}: {(e is UnauthorizedAccessException ? "permission denied" : e is DirectoryNotFoundException ? "no such directory" : e.Message)}", e);
        }
        var list = new List<ContainerRecord>();
        foreach (var file in files)
        {
            try
            {
                var info = new FileInfo(file);
                if (info.Length > MaxFileBytes) continue;
                if (!_parsed.TryGetValue(file, out var have) || have.Time != info.LastWriteTimeUtc || have.Length != info.Length)
                    _parsed[file] = have = (info.LastWriteTimeUtc, info.Length, Parse(File.ReadAllBytes(file)));
                list.AddRange(have.Records);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { }
        }
        return list;
    }

    /// <summary>containers.json: [{"id", "names": [...], "metadata": "{\"image-name\": …, \"name\": …}"}].</summary>
    public static IReadOnlyList<ContainerRecord> Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("expected an array");
        var list = new List<ContainerRecord>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.Object || EngineApiClient.Str(c, "id") is not { Length: > 0 } id) continue;
            string? name = null, image = null;
            if (c.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array)
                name = names.EnumerateArray().Select(EngineApiClient.Text).FirstOrDefault(n => n is { Length: > 0 });
            if (EngineApiClient.Str(c, "metadata") is { Length: > 0 } metadata)
            {
                try
                {
                    using var meta = JsonDocument.Parse(metadata);
                    if (meta.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        image = EngineApiClient.Str(meta.RootElement, "image-name");
                        name ??= EngineApiClient.Str(meta.RootElement, "name");
                    }
                }
                catch (JsonException) { } // metadata is free-form for other storage users (buildah); the names still hold
            }
            list.Add(new ContainerRecord(id, name ?? Model.ContainerId.Short(id), image, null, ContainerSources.PodmanStorage));
        }
        return list;
    }
}
