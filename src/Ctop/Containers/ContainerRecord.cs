using Ctop.Model;

namespace Ctop.Containers;

/// <summary>
/// What a container runtime records about one of its containers: the name it was given (without docker's leading '/'),
/// its image as the user named it, its labels, and which source said so (<see cref="ContainerSources"/>).
/// </summary>
public sealed record ContainerRecord(string Id, string Name, string? Image, IReadOnlyDictionary<string, string>? Labels, string Source)
{
    /// <summary>The pod, from the labels the kubelet's runtime (containerd's CRI plugin, CRI-O, dockershim, cri-dockerd) puts on a Kubernetes container.</summary>
    public PodName? Pod => KubernetesLabels.Pod(Labels);
}

/// <summary>The values of <see cref="ContainerRecord.Source"/> and of the JSON's container.source.</summary>
public static class ContainerSources
{
    public const string DockerApi = "docker-api";
    public const string DockerConfig = "docker-config";
    public const string PodmanApi = "podman-api";
    public const string PodmanStorage = "podman-storage";
    public const string ContainerdApi = "containerd-api";
    public const string CriApi = "cri-api";
}

/// <summary>The io.kubernetes.* labels a Kubernetes runtime puts on every container of a pod, its sandbox included.</summary>
public static class KubernetesLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";

    public static PodName? Pod(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(PodName, out var name) && labels.TryGetValue(PodNamespace, out var ns)
            && labels.TryGetValue(PodUid, out var uid) && name.Length > 0 && ns.Length > 0
            ? new PodName(ns, name, uid)
            : null;

    /// <summary>The container's name within its pod ("POD" for the sandbox); null outside Kubernetes.</summary>
    public static string? Container(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(ContainerName, out var c) && c.Length > 0 ? c : null;
}
