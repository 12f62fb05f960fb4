using CsCheck;
using Ctop.Containers;
using Ctop.Model;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Ctop.Tests.Containers;

/// <summary>
/// The CRI's answers (runtime.v1 ListPodSandbox and ListContainers) decoded without a runtime: messages written field
/// by field with the CRI API's numbers, fields ctop does not read included, as CRI-O sends them; CRI-O's cgroup shapes
/// (crio-ID.scope and crio-conmon-ID.scope under the systemd driver's pod slice, ID under the cgroupfs driver's pod
/// directory) named from them; arbitrary and damaged bytes only ever give records or InvalidProtocolBufferException;
/// the socket options. The real CRI server is containerd's CRI plugin in the container tier (tests/Containers.Tests).
/// </summary>
public sealed class CriClientTests(ITestOutputHelper output)
{
    private const string Source = ContainerSources.CriApi;
    private const string Uid = "0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b";
    private static readonly string Sandbox = new('b', 64);
    private static readonly string App = new('a', 64);

    private static byte[] Message(Action<CodedOutputStream> write) => AnswerFuzz.Message(write);

    private static void Text(CodedOutputStream o, int field, string value)
    {
        if (value.Length == 0) return;
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void Sub(CodedOutputStream o, int field, byte[] bytes)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static void Map(CodedOutputStream o, int field, IReadOnlyDictionary<string, string> map)
    {
        foreach (var (k, v) in map) Sub(o, field, Message(m => { Text(m, 1, k); Text(m, 2, v); }));
    }

    /// <summary>A PodSandbox: id 1, metadata 2 {name 1, uid 2, namespace 3, attempt 4}, state 3, created_at 4, labels 5, annotations 6, runtime_handler 7.</summary>
    private static byte[] SandboxBytes(string id, string name, string ns, string uid, IReadOnlyDictionary<string, string> labels) => Message(o =>
    {
        Text(o, 1, id);
        Sub(o, 2, Message(m => { Text(m, 1, name); Text(m, 2, uid); Text(m, 3, ns); m.WriteTag(4, WireFormat.WireType.Varint); m.WriteUInt32(1); }));
        o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum(0);
        o.WriteTag(4, WireFormat.WireType.Varint); o.WriteInt64(1765065600_000000000);
        Map(o, 5, labels);
        Map(o, 6, new Dictionary<string, string> { ["kubernetes.io/config.source"] = "api" });
        Text(o, 7, "runc");
    });

    /// <summary>A Container: id 1, pod_sandbox_id 2, metadata 3 {name 1, attempt 2}, image 4 {image 1, annotations 2, user_specified_image 18}, image_ref 5, state 6, created_at 7, labels 8, annotations 9.</summary>
    private static byte[] ContainerBytes(string id, string sandbox, string name, string image, string userImage, IReadOnlyDictionary<string, string> labels) => Message(o =>
    {
        Text(o, 1, id);
        Text(o, 2, sandbox);
        if (name.Length > 0) Sub(o, 3, Message(m => { Text(m, 1, name); m.WriteTag(2, WireFormat.WireType.Varint); m.WriteUInt32(2); }));
        Sub(o, 4, Message(m => { Text(m, 1, image); Map(m, 2, new Dictionary<string, string> { ["a"] = "b" }); Text(m, 18, userImage); }));
        Text(o, 5, "sha256:" + new string('c', 64));
        o.WriteTag(6, WireFormat.WireType.Varint); o.WriteEnum(1);
        o.WriteTag(7, WireFormat.WireType.Varint); o.WriteInt64(1765065600_000000000);
        Map(o, 8, labels);
        Map(o, 9, new Dictionary<string, string> { ["io.kubernetes.container.hash"] = "1234", ["io.kubernetes.container.restartCount"] = "0" });
    });

    private static byte[] List(params byte[][] items) => Message(o => { foreach (var i in items) Sub(o, 1, i); });

    private static Dictionary<string, string> Kubelet(string? container = null)
    {
        var d = new Dictionary<string, string>
        {
            [KubernetesLabels.PodName] = "web-0", [KubernetesLabels.PodNamespace] = "shop", [KubernetesLabels.PodUid] = Uid,
        };
        if (container is not null) d[KubernetesLabels.ContainerName] = container;
        return d;
    }

    private static IReadOnlyList<ContainerRecord> Answer() => CriClient.Parse(
        List(SandboxBytes(Sandbox, "web-0", "shop", Uid, new Dictionary<string, string>(Kubelet()) { ["app"] = "web" })),
        List(ContainerBytes(App, Sandbox, "app", "sha256:" + new string('d', 64), "quay.io/shop/web:2", Kubelet("app"))), Source);

    [Fact]
    public void Sandboxes_are_POD_and_containers_carry_their_names_images_and_sorted_labels()
    {
        var records = Answer();
        Assert.Equal(2, records.Count);
        var (pod, app) = (records[0], records[1]);
        Assert.Equal((Sandbox, "POD", (string?)null, Source), (pod.Id, pod.Name, pod.Image, pod.Source));
        Assert.Equal(new PodName("shop", "web-0", Uid), pod.Pod);
        Assert.Equal("web", pod.Labels!["app"]);
        Assert.Equal((App, "app", "quay.io/shop/web:2"), (app.Id, app.Name, app.Image));
        Assert.Equal(new PodName("shop", "web-0", Uid), app.Pod);
        Assert.Equal(app.Labels!.Keys.Order(StringComparer.Ordinal), app.Labels.Keys);
    }

    [Fact]
    public void Without_the_kubelets_labels_the_pod_and_name_come_from_the_CRIs_metadata()
    {
        // A pod made by another CRI client (crictl runp/create) carries metadata but not the io.kubernetes.* labels.
        var records = CriClient.Parse(
            List(SandboxBytes(Sandbox, "web-0", "shop", Uid, new Dictionary<string, string>())),
            List(ContainerBytes(App, Sandbox, "app", "quay.io/shop/web:2", "", new Dictionary<string, string>()),
                ContainerBytes(new string('e', 64), "unknown-sandbox", "", "", "", new Dictionary<string, string>()),
                ContainerBytes("", Sandbox, "skipped", "", "", new Dictionary<string, string>())), Source);
        Assert.Equal(3, records.Count);
        Assert.Equal(new PodName("shop", "web-0", Uid), records[0].Pod);
        Assert.Equal(("app", "quay.io/shop/web:2"), (records[1].Name, records[1].Image));
        Assert.Equal(new PodName("shop", "web-0", Uid), records[1].Pod);
        // No metadata, no sandbox ctop knows: named by its id, its image the runtime's image reference.
        Assert.Equal(("eeeeeeeeeeee", "sha256:" + new string('c', 64), (PodName?)null), (records[2].Name, records[2].Image, records[2].Pod));
    }

    [Theory]
    // CRI-O with the systemd cgroup driver (its default): the container's scope, its conmon's scope, the infra container.
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{U_}.slice/crio-{A}.scope", "shop/web-0/app")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{U_}.slice/crio-conmon-{A}.scope", "shop/web-0/app")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{U_}.slice/crio-{S}.scope", "shop/web-0/POD")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{U_}.slice", "shop/web-0")]
    [InlineData("/kubepods.slice/kubepods-pod{U_}.slice/crio-{A}.scope", "shop/web-0/app")]
    // The cgroupfs driver.
    [InlineData("/kubepods/burstable/pod{U}/{A}", "shop/web-0/app")]
    [InlineData("/kubepods/burstable/pod{U}/{S}", "shop/web-0/POD")]
    [InlineData("/kubepods/burstable/pod{U}", "shop/web-0")]
    [InlineData("/kubepods/besteffort/pod{U}", "shop/web-0")]
    public void CRI_Os_cgroups_are_named_from_the_CRIs_answer(string shape, string expected)
    {
        var path = shape.Replace("{U_}", Uid.Replace('-', '_')).Replace("{U}", Uid).Replace("{A}", App).Replace("{S}", Sandbox);
        var records = Answer();
        var snapshot = new CatalogSnapshot(records.ToDictionary(r => r.Id), records.Where(r => r.Pod is not null)
            .GroupBy(r => r.Pod!.Uid).ToDictionary(g => g.Key, g => (g.First().Pod!, Source)), [], 1);
        var id = ContainerNames.FromPath(path);
        Assert.NotNull(id);
        var named = snapshot.Enrich(id);
        Assert.Equal(expected, named.QualifiedName);
        Assert.Equal(Source, named.Source);
        // Without the CRI's answer the path still names it: the fallback.
        Assert.Equal(ContainerId.FromCgroupPath, id.Source);
        Assert.Contains(id.Runtime, new[] { "cri-o", "kubernetes" });
    }

    /// <summary>Generated answers, encoded as the CRI encodes them, decode to exactly their ids, names, pods and images.</summary>
    [Fact]
    public void Generated_answers_round_trip()
    {
        var text = Gen.String[Gen.Char.AlphaNumeric, 1, 20];
        var unicode = Gen.String[Gen.Char, 0, 30];
        var hex = Gen.String[Gen.Char["0123456789abcdef"], 1, 64];
        var sandbox = Gen.Select(hex, text, text, text);
        var container = Gen.Select(hex, unicode, unicode, unicode, Gen.Dictionary(text, unicode)[0, 5]);
        Gen.Select(sandbox.List[0, 5], container.List[0, 10]).Sample((sandboxes, containers) =>
        {
            var pods = sandboxes.GroupBy(s => s.Item1).Select(g => g.First()).ToList();
            var ctrs = containers.GroupBy(c => c.Item1).Select(g => g.First()).ToList();
            var podOf = new Dictionary<string, (string Id, string Name, string Ns, string Uid)>();
            var sandboxIds = pods.Select(p => p.Item1).ToList();
            var body = List(pods.Select(p => SandboxBytes(p.Item1, p.Item2, p.Item3, p.Item4, new Dictionary<string, string>())).ToArray());
            var withSandbox = ctrs.Select((c, i) => (c, sb: sandboxIds.Count > 0 ? sandboxIds[i % sandboxIds.Count] : "")).ToList();
            var records = CriClient.Parse(body, List(withSandbox.Select(x => ContainerBytes(x.c.Item1, x.sb, x.c.Item2, x.c.Item3, x.c.Item4, x.c.Item5)).ToArray()), Source);
            if (records.Count != pods.Count + ctrs.Count) return false;
            for (int i = 0; i < pods.Count; i++)
                if (records[i].Id != pods[i].Item1 || records[i].Name != "POD" || records[i].Pod != new PodName(pods[i].Item3, pods[i].Item2, pods[i].Item4)) return false;
            for (int i = 0; i < ctrs.Count; i++)
            {
                var ((id, name, image, user, labels), sb) = withSandbox[i];
                var r = records[pods.Count + i];
                var expectedName = labels.TryGetValue(KubernetesLabels.ContainerName, out var n) && n.Length > 0 ? n : name.Length > 0 ? name : ContainerId.Short(id);
                var expectedImage = user.Length > 0 ? user : image.Length > 0 ? image : "sha256:" + new string('c', 64);
                if (r.Id != id || r.Name != expectedName || r.Image != expectedImage) return false;
                if (sb.Length > 0 && r.Pod is null) return false;
                if (labels.Any(kv => r.Labels![kv.Key] != kv.Value)) return false;
            }
            return true;
        }, iter: 1000, seed: SeedText);
    }

    /// <summary>
    /// Whatever comes over the socket (a truncated answer, flipped bytes, another message, noise) decoding gives records or
    /// InvalidProtocolBufferException, and nothing else: no crash, no other exception, no hang.
    /// </summary>
    [Fact]
    public async Task Damaged_and_arbitrary_answers_give_records_or_a_protocol_error()
    {
        var sandboxes = List(SandboxBytes(Sandbox, "web-0", "shop", Uid, new Dictionary<string, string>(Kubelet()) { ["app"] = "web" }));
        var containers = List(ContainerBytes(App, Sandbox, "app", "sha256:" + new string('d', 64), "quay.io/shop/web:2", Kubelet("app")),
            ContainerBytes(new string('e', 64), Sandbox, "side", "busybox", "", Kubelet("side")));
        var fuzz = new AnswerFuzz("CRI", output);
        void Check(byte[] s, byte[] c) => fuzz.Check(() => CriClient.Parse(s, c, Source), s, c);
        await fuzz.RunAsync(() =>
        {
            for (int n = 0; n <= sandboxes.Length; n++) Check(sandboxes[..n], containers);
            for (int n = 0; n <= containers.Length; n++) Check(sandboxes, containers[..n]);
            // Each answer in the other's place: another message of the same service.
            Check(containers, sandboxes);
            for (int i = 0; i < 20_000; i++) Check(fuzz.Mutate(sandboxes), containers);
            for (int i = 0; i < 20_000; i++) Check(sandboxes, fuzz.Mutate(containers));
            for (int i = 0; i < 10_000; i++) Check(fuzz.Noise(), fuzz.Noise());
        }, atLeast: 50_000);
    }

    private static string? SeedText => AnswerFuzz.SeedText;

    [Fact]
    public async Task A_missing_socket_says_so_without_building_a_channel()
    {
        using var client = new CriClient("/nonexistent/ctop/crio.sock", TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
        Assert.Equal("unix:///nonexistent/ctop/crio.sock: no such socket", e.Message);
    }

    [Fact]
    public async Task A_socket_that_speaks_http1_is_an_error_not_a_crash()
    {
        using var http1 = new FakeEngine(FakeEngine.Ok("[]"));
        using var client = new CriClient(http1.SocketPath, TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
        Assert.StartsWith("unix://" + http1.SocketPath + ": ", e.Message);
    }

    [Theory]
    [InlineData(null, null, "/var/run/crio/crio.sock")]
    [InlineData(null, "unix:///run/crio/crio.sock", "/run/crio/crio.sock")]
    [InlineData(null, "/run/containerd/containerd.sock", "/run/containerd/containerd.sock")]
    [InlineData("/opt/crio.sock", "unix:///run/crio/crio.sock", "/opt/crio.sock")]
    [InlineData(null, "", "/var/run/crio/crio.sock")]
    public void The_socket_comes_from_the_option_then_CONTAINER_RUNTIME_ENDPOINT_as_crictl_reads_it(string? option, string? env, string expected)
    {
        var o = RuntimeOptions.Resolve(null, null, null, option, v => v == "CONTAINER_RUNTIME_ENDPOINT" ? env : null, out var error, out var warning);
        Assert.Null(error);
        Assert.Null(warning);
        Assert.Equal(expected, o!.CriSocket);
    }

    [Fact]
    public void A_bad_option_is_a_usage_error_and_a_bad_variable_only_warns()
    {
        Assert.Null(RuntimeOptions.Resolve(null, null, null, "tcp://127.0.0.1:1", _ => null, out var error, out _));
        Assert.Equal("Invalid --cri-address 'tcp://127.0.0.1:1': expected a socket path such as /var/run/crio/crio.sock (or unix:///PATH).", error);
        var o = RuntimeOptions.Resolve(null, null, null, null, v => v == "CONTAINER_RUNTIME_ENDPOINT" ? "npipe:////./pipe/x" : null, out error, out var warning);
        Assert.Null(error);
        Assert.Null(o!.CriSocket);
        Assert.Equal("CONTAINER_RUNTIME_ENDPOINT 'npipe:////./pipe/x': expected a socket path such as /var/run/crio/crio.sock (or unix:///PATH); not asking the CRI runtime.", warning);
    }
}
