using System.Diagnostics;
using Containers.Tests.Cri;
using Containers.Tests.Support;
using Ctop.Containers;
using Ctop.Containers.Cri;
using Google.Protobuf;
using Grpc.Core;

namespace Containers.Tests;

/// <summary>
/// ctop's CRI client against a real CRI server: the private containerd's CRI plugin (the API CRI-O serves is the same
/// runtime.v1.RuntimeService). The test makes a pod as the kubelet does — RunPodSandbox with the host's network (no
/// CNI), CreateContainer and StartContainer with the kubelet's labels, in a kubepods-style cgroupfs parent — and ctop,
/// asking only the CRI socket, names the pod NAMESPACE/POD, its container by name and its sandbox POD. The pod is
/// removed through the CRI at the end, whatever happened.
/// </summary>
[Collection(ContainerdCollection.Name)]
public sealed class CriTests(Containerd containerd, ITestOutputHelper log)
{
    private const string Service = "runtime.v1.RuntimeService";

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TResponse> parser)
        where TRequest : IMessage<TRequest> where TResponse : IMessage<TResponse> =>
        new(MethodType.Unary, Service, name, Marshallers.Create((TRequest r) => r.ToByteArray(), _ => throw new NotSupportedException()),
            Marshallers.Create((TResponse r) => r.ToByteArray(), parser.ParseFrom));

    [ContainerdFact]
    public async Task A_pod_made_through_the_CRI_is_named_from_the_CRI()
    {
        var address = containerd.Address;
        var work = Path.GetDirectoryName(address)!;
        using var channel = GrpcSocket.CreateChannel(address, TimeSpan.FromSeconds(60), 1 << 20);
        var cri = channel.CreateCallInvoker();
        Task<TResponse> Call<TRequest, TResponse>(string name, MessageParser<TResponse> parser, TRequest request)
            where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
            cri.AsyncUnaryCall(Unary<TRequest, TResponse>(name, parser), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)), request).ResponseAsync;

        var version = await Call("Version", VersionResponse.Parser, new VersionRequest { Version = "v1" });
        log.WriteLine($"CRI: {version.RuntimeName} {version.RuntimeVersion}, API {version.RuntimeApiVersion}");

        var uid = Guid.NewGuid().ToString();
        var podCgroup = $"{containerd.Parent}/kubepods/besteffort/pod{uid}";
        var kubeletLabels = new Dictionary<string, string>
        {
            [KubernetesLabels.PodName] = "web-0", [KubernetesLabels.PodNamespace] = "shop", [KubernetesLabels.PodUid] = uid,
        };
        var hostNetwork = new NamespaceOption { Network = NamespaceMode.Node, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod };
        var sandboxConfig = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = "web-0", Namespace = "shop", Uid = uid },
            LogDirectory = Path.Combine(work, "pods", uid),
            Labels = { kubeletLabels, { "app", "web" } },
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = podCgroup,
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node } },
            },
        };
        var sw = Stopwatch.StartNew();
        string sandboxId;
        try { sandboxId = (await Call("RunPodSandbox", RunPodSandboxResponse.Parser, new RunPodSandboxRequest { Config = sandboxConfig })).PodSandboxId; }
        catch (RpcException e)
        {
            // containerd's log says why (runc's error, a namespace or mount it could not make).
            var tail = File.ReadLines(Path.Combine(work, "containerd.log")).TakeLast(40);
            throw new InvalidOperationException($"RunPodSandbox failed: {e.Status.Detail}\ncontainerd.log:\n{string.Join('\n', tail)}", e);
        }
        try
        {
            var containerId = (await Call("CreateContainer", CreateContainerResponse.Parser, new CreateContainerRequest
            {
                PodSandboxId = sandboxId,
                SandboxConfig = sandboxConfig,
                Config = new ContainerConfig
                {
                    Metadata = new ContainerMetadata { Name = "app" },
                    Image = new ImageSpec { Image = containerd.Facts["image"] },
                    Command = { "sleep", "1000000" },
                    Labels = { kubeletLabels, { KubernetesLabels.ContainerName, "app" } },
                    LogPath = "app/0.log",
                    Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = hostNetwork } },
                },
            })).ContainerId;
            await Call("StartContainer", StartContainerResponse.Parser, new StartContainerRequest { ContainerId = containerId });
            log.WriteLine($"pod made through the CRI in {sw.Elapsed.TotalSeconds:F1} s: sandbox {sandboxId}, container {containerId}");

            // The catalog asks the CRI socket alone.
            using (var catalog = new ContainerCatalog(new RuntimeOptions
            {
                DockerHost = null, PodmanHost = null, DockerDataRoot = null, PodmanStorageRoot = null, ContainerdSocket = null, CriSocket = address,
                RequestTimeout = TimeSpan.FromSeconds(30),
            }))
            {
                var snap = await catalog.RefreshAsync();
                log.WriteLine(string.Join("; ", snap.Status));
                foreach (var r in snap.ById.Values) log.WriteLine($"  {r.Id[..12]} {r.Name} image={r.Image} pod={r.Pod}");
                Assert.Equal(["cri: 2 running container(s) from unix://" + address], snap.Status);
                var sandbox = snap.ById[sandboxId];
                var app = snap.ById[containerId];
                Assert.Equal(("POD", ContainerSources.CriApi), (sandbox.Name, sandbox.Source));
                Assert.Equal("web", sandbox.Labels!["app"]);
                Assert.Equal(("app", ContainerSources.CriApi), (app.Name, app.Source));
                Assert.Equal(new Ctop.Model.PodName("shop", "web-0", uid), app.Pod);
                Assert.Equal(new Ctop.Model.PodName("shop", "web-0", uid), sandbox.Pod);
                Assert.NotNull(app.Image);
                // The pod the fixture made with ctr (labels alone, no CRI metadata) is containerd's, not the CRI's.
                Assert.False(snap.ById.ContainsKey(containerd.Facts["app_id"]), "a container made with ctr is listed by the CRI");
            }

            // ctop itself, with containerd's own API out of the way: the names come over the CRI.
            var run = CtopOnHost.Run(["-b", "--json", "-n", "8", "-d", "1", "--cgroups-only", "--cgroup", podCgroup,
                "--containerd-address", Path.Combine(work, "absent.sock"), "--cri-address", address]);
            Assert.True(run.ExitCode == 0 && run.Stderr.Length == 0, $"ctop exited {run.ExitCode}: {run.Stderr}");
            var frame = Json.Lines(run.Stdout)[^1];
            var pod = frame.Cgroup(podCgroup);
            Assert.Equal("shop/web-0", pod.Str("name"));
            Assert.Equal("cri-api", pod.Str("container.source"));
            var container = frame.Cgroup(podCgroup + "/" + containerId);
            Assert.Equal("shop/web-0/app", container.Str("name"));
            Assert.Equal("app", container.Str("container.name"));
            Assert.Equal("cri-api", container.Str("container.source"));
            Assert.Equal("shop/web-0/POD", frame.Cgroup(podCgroup + "/" + sandboxId).Str("name"));
        }
        finally
        {
            // RemovePodSandbox removes the pod's containers too.
            await Call("StopPodSandbox", StopPodSandboxResponse.Parser, new StopPodSandboxRequest { PodSandboxId = sandboxId });
            await Call("RemovePodSandbox", RemovePodSandboxResponse.Parser, new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        }
    }
}
