using System.Diagnostics;
using System.Net.Sockets;
using CsCheck;
using Ctop.Containers;
using Ctop.Containers.Containerd;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Ctop.Tests.Containers;

/// <summary>
/// containerd's answer decoded without a daemon: containerd's full Container message (spec, runtime, timestamps,
/// extensions written field by field with containerd's numbers) decodes to the records ctop keeps; arbitrary and damaged
/// bytes only ever give records or InvalidProtocolBufferException; the client over sockets that are missing, refuse,
/// never answer or answer something else. The real containerd is the container tier's (tests/Containers.Tests).
/// </summary>
public sealed class ContainerdClientTests(ITestOutputHelper output)
{
    private const string Source = ContainerSources.ContainerdApi;

    private static readonly Dictionary<string, string> PodLabels = new()
    {
        [KubernetesLabels.PodName] = "shop-0", [KubernetesLabels.PodNamespace] = "prod", [KubernetesLabels.PodUid] = "0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b",
    };

    /// <summary>One Container as containerd writes it, every field of containerd's message included.</summary>
    private static byte[] ContainerBytes(string id, IReadOnlyDictionary<string, string> labels, string image, byte[]? spec = null, string sandbox = "")
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        if (id.Length > 0) { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(id); }
        foreach (var (k, v) in labels)
        {
            var entry = Entry(k, v);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(entry));
        }
        if (image.Length > 0) { o.WriteTag(3, WireFormat.WireType.LengthDelimited); o.WriteString(image); }
        // runtime { name = "io.containerd.runc.v2", options = Any }
        o.WriteTag(4, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(m => { m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("io.containerd.runc.v2"); })));
        // spec: Any { type_url, value } with the OCI spec's JSON
        o.WriteTag(5, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(m =>
        {
            m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("types.containerd.io/opencontainers/runtime-spec/1/Spec");
            m.WriteTag(2, WireFormat.WireType.LengthDelimited); m.WriteBytes(ByteString.CopyFrom(spec ?? "{\"ociVersion\":\"1.0.2-dev\"}"u8.ToArray()));
        })));
        o.WriteTag(6, WireFormat.WireType.LengthDelimited); o.WriteString("overlayfs");
        o.WriteTag(7, WireFormat.WireType.LengthDelimited); o.WriteString(id);
        foreach (var field in new[] { 8, 9 })
        {
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(Message(m => { m.WriteTag(1, WireFormat.WireType.Varint); m.WriteInt64(1765065600); m.WriteTag(2, WireFormat.WireType.Varint); m.WriteInt32(5); })));
        }
        if (sandbox.Length > 0) { o.WriteTag(11, WireFormat.WireType.LengthDelimited); o.WriteString(sandbox); }
        o.Flush();
        return ms.ToArray();
    }

    private static byte[] Entry(string k, string v) => Message(m =>
    {
        m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString(k);
        m.WriteTag(2, WireFormat.WireType.LengthDelimited); m.WriteString(v);
    });

    private static byte[] Message(Action<CodedOutputStream> write) => AnswerFuzz.Message(write);

    private static byte[] Response(params byte[][] containers) => Message(o =>
    {
        foreach (var c in containers) { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(c)); }
    });

    [Fact]
    public void A_pod_decodes_to_its_container_name_sandbox_image_and_sorted_labels()
    {
        var app = new string('a', 64);
        var pause = new string('b', 64);
        var body = Response(
            ContainerBytes(app, new Dictionary<string, string>(PodLabels) { [KubernetesLabels.ContainerName] = "nginx", ["io.cri-containerd.kind"] = "container" },
                "docker.io/library/nginx:1.25", sandbox: pause),
            ContainerBytes(pause, new Dictionary<string, string>(PodLabels) { ["io.cri-containerd.kind"] = "sandbox" }, "registry.k8s.io/pause:3.9"),
            ContainerBytes("plain", new Dictionary<string, string>(), ""),
            ContainerBytes("", PodLabels, "skipped: no id"));
        var records = ContainerdClient.Parse(body, Source);

        Assert.Equal(3, records.Count);
        var a = records[0];
        Assert.Equal((app, "nginx", "docker.io/library/nginx:1.25", Source), (a.Id, a.Name, a.Image, a.Source));
        Assert.Equal(a.Labels!.Keys.Order(StringComparer.Ordinal), a.Labels.Keys);
        Assert.Equal(new Ctop.Model.PodName("prod", "shop-0", "0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b"), a.Pod);
        Assert.Equal(("POD", "registry.k8s.io/pause:3.9"), (records[1].Name, records[1].Image));
        Assert.Equal("prod", records[1].Pod!.Namespace);
        Assert.Equal(("plain", null, null, null), (records[2].Name, records[2].Image, records[2].Labels, records[2].Pod));
    }

    [Fact]
    public void The_catalog_names_a_cgroupfs_pod_and_its_containers_from_the_records()
    {
        var app = new string('a', 64);
        var records = ContainerdClient.Parse(Response(
            ContainerBytes(app, new Dictionary<string, string>(PodLabels) { [KubernetesLabels.ContainerName] = "nginx" }, "nginx:1.25")), Source);
        var byId = records.ToDictionary(r => r.Id);
        var podUid = PodLabels[KubernetesLabels.PodUid];
        var container = Ctop.Model.ContainerNames.FromPath($"/kubepods/burstable/pod{podUid}/{app}")!;
        var pod = Ctop.Model.ContainerNames.FromPath($"/kubepods/burstable/pod{podUid}")!;
        var snapshot = new CatalogSnapshot(byId, new Dictionary<string, (Ctop.Model.PodName, string)> { [podUid] = (records[0].Pod!, Source) }, [], 1);
        Assert.Equal("prod/shop-0/nginx", snapshot.Enrich(container).QualifiedName);
        Assert.Equal("nginx", snapshot.Enrich(container).Name);
        Assert.Equal("prod/shop-0", snapshot.Enrich(pod).QualifiedName);
        // The systemd driver's scope names the same container.
        var scope = Ctop.Model.ContainerNames.FromPath($"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{podUid.Replace('-', '_')}.slice/cri-containerd-{app}.scope")!;
        Assert.Equal("prod/shop-0/nginx", snapshot.Enrich(scope).QualifiedName);
    }

    /// <summary>Generated pods, encoded as containerd encodes them, decode to exactly their ids, names, images and labels.</summary>
    [Fact]
    public void Generated_answers_round_trip()
    {
        var text = Gen.String[Gen.Char.AlphaNumeric, 1, 20];
        var unicode = Gen.String[Gen.Char, 0, 30];
        var labels = Gen.Dictionary(Gen.OneOf(text, Gen.OneOf(Gen.Const(KubernetesLabels.PodName), Gen.Const(KubernetesLabels.ContainerName), Gen.Const("io.cri-containerd.kind"))),
            unicode)[0, 8];
        var container = Gen.Select(Gen.String[Gen.Char["0123456789abcdef"], 1, 64], labels, unicode, Gen.Byte.Array[0, 300]);
        container.List[0, 20].Sample(list =>
        {
            var unique = list.GroupBy(c => c.Item1).Select(g => g.First()).ToList();
            var body = Response(unique.Select(c => ContainerBytes(c.Item1, c.Item2, c.Item3, c.Item4)).ToArray());
            var records = ContainerdClient.Parse(body, Source);
            if (records.Count != unique.Count) return false;
            for (int i = 0; i < records.Count; i++)
            {
                var (id, l, image, _) = unique[i];
                var r = records[i];
                var expectedName = l.TryGetValue(KubernetesLabels.ContainerName, out var n) && n.Length > 0 ? n
                    : l.TryGetValue("io.cri-containerd.kind", out var k) && k == "sandbox" ? "POD" : Ctop.Model.ContainerId.Short(id);
                if (r.Id != id || r.Name != expectedName || r.Image != (image.Length > 0 ? image : null)) return false;
                if ((r.Labels?.Count ?? 0) != l.Count || l.Any(kv => r.Labels![kv.Key] != kv.Value)) return false;
            }
            return true;
        }, iter: 2000, seed: SeedText);
    }

    /// <summary>
    /// Whatever comes over the socket (a truncated answer, flipped bytes, another service's message, noise) decoding gives
    /// records or InvalidProtocolBufferException, and nothing else: no crash, no other exception, no hang.
    /// </summary>
    [Fact]
    public async Task Damaged_and_arbitrary_answers_give_records_or_a_protocol_error()
    {
        var valid = Response(
            ContainerBytes(new string('a', 64), new Dictionary<string, string>(PodLabels) { [KubernetesLabels.ContainerName] = "nginx" }, "nginx:1.25", new byte[400]),
            ContainerBytes(new string('b', 64), new Dictionary<string, string>(PodLabels) { ["io.cri-containerd.kind"] = "sandbox" }, "pause:3.9"));
        var fuzz = new AnswerFuzz("containerd", output);
        void Check(byte[] bytes) => fuzz.Check(() => ContainerdClient.Parse(bytes, Source), bytes);
        await fuzz.RunAsync(() =>
        {
            for (int n = 0; n <= valid.Length; n++) Check(valid[..n]);
            for (int i = 0; i < 40_000; i++) Check(fuzz.Mutate(valid));
            for (int i = 0; i < 20_000; i++) Check(fuzz.Noise());
        }, atLeast: 50_000);
    }

    private static string? SeedText => AnswerFuzz.SeedText;

    [Fact]
    public async Task A_missing_socket_says_so_without_building_a_channel()
    {
        using var client = new ContainerdClient("/nonexistent/ctop/containerd.sock", TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
        Assert.Equal("unix:///nonexistent/ctop/containerd.sock: no such socket", e.Message);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("ctop-cd-").FullName;
        try
        {
            var path = Path.Combine(dir, "c.sock");
            // Bound and never listening: connect(2) answers ECONNREFUSED (a closed socket would also remove the file).
            using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            bound.Bind(new UnixDomainSocketEndPoint(path));
            using var client = new ContainerdClient(path, TimeSpan.FromSeconds(2));
            var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
            Assert.Contains("connection refused", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_daemon_that_never_answers_costs_one_timeout()
    {
        using var hung = new FakeEngine(null, hang: true);
        using var client = new ContainerdClient(hung.SocketPath, TimeSpan.FromMilliseconds(500));
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.StartsWith("unix://" + hung.SocketPath + ": ", e.Message);
    }

    [Fact]
    public async Task A_socket_that_speaks_http1_is_an_error_not_a_crash()
    {
        using var http1 = new FakeEngine(FakeEngine.Ok("[]"));
        using var client = new ContainerdClient(http1.SocketPath, TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync(Source, default));
        Assert.StartsWith("unix://" + http1.SocketPath + ": ", e.Message);
    }

    [Theory]
    [InlineData(null, null, "/run/containerd/containerd.sock")]
    [InlineData(null, "/tmp/cd/c.sock", "/tmp/cd/c.sock")]
    [InlineData(null, "unix:///tmp/cd/c.sock", "/tmp/cd/c.sock")]
    [InlineData("/opt/c.sock", "/tmp/cd/c.sock", "/opt/c.sock")]
    [InlineData("unix:///opt/c.sock", null, "/opt/c.sock")]
    [InlineData(null, "", "/run/containerd/containerd.sock")]
    public void The_socket_comes_from_the_option_then_CONTAINERD_ADDRESS_as_ctr_reads_it(string? option, string? env, string expected)
    {
        var o = RuntimeOptions.Resolve(null, null, option, v => v == "CONTAINERD_ADDRESS" ? env : null, out var error, out var warning);
        Assert.Null(error);
        Assert.Null(warning);
        Assert.Equal(expected, o!.ContainerdSocket);
    }

    [Fact]
    public void A_bad_option_is_a_usage_error_and_a_bad_variable_only_warns()
    {
        Assert.Null(RuntimeOptions.Resolve(null, null, "tcp://10.0.0.1:1", _ => null, out var error, out _));
        Assert.Equal("Invalid --containerd-address 'tcp://10.0.0.1:1': expected a socket path such as /run/containerd/containerd.sock (or unix:///PATH).", error);
        var o = RuntimeOptions.Resolve(null, null, null, v => v == "CONTAINERD_ADDRESS" ? "relative.sock" : null, out error, out var warning);
        Assert.Null(error);
        Assert.Null(o!.ContainerdSocket);
        Assert.Equal("CONTAINERD_ADDRESS 'relative.sock': expected a socket path such as /run/containerd/containerd.sock (or unix:///PATH); not asking containerd.", warning);
        Assert.Null(RuntimeOptions.Resolve(null, null, "/" + new string('x', 120), _ => null, out error, out _));
        Assert.Contains("at most 107 bytes", error);
    }
}
