namespace Ctop.Containers;

/// <summary>A runtime's API as the catalog asks it: docker's and podman's Engine API, containerd's gRPC.</summary>
public interface IContainerLister : IDisposable
{
    /// <summary>Where it is asked, as the user gave it (for status lines).</summary>
    string Host { get; }

    /// <summary>The containers, tagged with <paramref name="source"/>. Throws <see cref="RuntimeUnavailableException"/>.</summary>
    Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(string source, CancellationToken cancellation);
}

/// <summary>One runtime's containers: from its API when it answers, else from the files under its data root.</summary>
internal sealed class RuntimeSource(string runtime, IContainerLister? api, string apiSource, Func<IReadOnlyList<ContainerRecord>>? files) : IDisposable
{
    public string Runtime { get; } = runtime;

    /// <summary>What the last refresh found, in a line: which source answered, or why none did.</summary>
    public string Status { get; private set; } = $"{runtime}: not asked yet";

    public async Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken cancellation)
    {
        string? apiFailure = null;
        if (api is not null)
        {
            try
            {
                var list = await api.ListContainersAsync(apiSource, cancellation).ConfigureAwait(false);
                Status = $"{Runtime}: {list.Count} running container(s) from {api.Host}";
                return list;
            }
            catch (RuntimeUnavailableException e) { apiFailure = e.Message; }
        }
        if (files is not null)
        {
            try
            {
                var list = files();
                Status = $"{Runtime}: {list.Count} container(s) from its files" + (apiFailure is null ? "" : $" ({apiFailure})");
                return list;
            }
            catch (RuntimeUnavailableException e)
            {
                Status = $"{Runtime}: unavailable: " + (apiFailure is null ? e.Message : $"{apiFailure}; {e.Message}");
                return [];
            }
        }
        Status = $"{Runtime}: unavailable: {apiFailure ?? "no API and no data root configured"}";
        return [];
    }

    public void Dispose() => api?.Dispose();
}
