using System.Text.Json;
using CsCheck;
using Ctop.Model;
using Ctop.Output;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Output;

public class JsonFrameWriterTests
{
    private static string Render(params Frame[] frames)
    {
        var sw = new StringWriter();
        var writer = new JsonFrameWriter(sw);
        foreach (var f in frames) writer.Write(f);
        return sw.ToString();
    }

    private static JsonElement Parse(Frame frame) => JsonDocument.Parse(Render(frame)).RootElement.Clone();

    private static string[] Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    private static Frame Full() => Frame(
        [Cgroup("/docker/" + new string('a', 64), container: Web), Unknown("/system.slice")],
        [Process(1234, container: Web), Process(1, cgroup: null, container: null, command: "init")]);

    [Fact]
    public void Every_schema_name_is_present_with_its_nesting()
    {
        var root = Parse(Full());
        Assert.Equal(["time", "intervalSeconds", "scope", "cgroups", "processes"], Names(root));
        Assert.Equal(["kind", "cpus", "memoryBytes"], Names(root.GetProperty("scope"))[..3]);

        var cg = root.GetProperty("cgroups")[0];
        Assert.Equal(["path", "name", "cpu", "memory", "pids", "effective"], Names(cg)[..6]);
        Assert.Equal(["usedCores", "limitCores", "percentOfLimit", "throttledRatio", "throttledSeconds", "cpusetCpus"],
            Names(cg.GetProperty("cpu"))[..6]);
        Assert.Equal(["usageBytes", "workingSetBytes", "limitBytes", "percentOfLimit", "highBytes", "oomKills", "percentOfEffectiveLimit", "basis"],
            Names(cg.GetProperty("memory")));
        Assert.Equal("percentOfEffectiveLimit", Names(cg.GetProperty("cpu"))[^1]);
        Assert.Equal("attention", Names(cg)[^1]);
        Assert.Equal(["current", "max"], Names(cg.GetProperty("pids")));
        Assert.Equal(["cpuLimitCores", "cpuLimitSetBy", "memoryLimitBytes", "memoryLimitSetBy"], Names(cg.GetProperty("effective")));

        var p = root.GetProperty("processes")[0];
        Assert.Equal(["pid", "ppid", "user", "state", "cpuPercent", "rssBytes", "threads", "cgroup", "container", "command"],
            Names(p)[..10]);
    }

    [Fact]
    public void Values_are_mapped_with_their_units()
    {
        var root = Parse(Full());
        Assert.Equal("2026-11-26T10:00:01+00:00", root.GetProperty("time").GetString());
        Assert.Equal(1.0, root.GetProperty("intervalSeconds").GetDouble());
        Assert.Equal("host", root.GetProperty("scope").GetProperty("kind").GetString());
        Assert.Equal(8, root.GetProperty("scope").GetProperty("cpus").GetDouble());
        Assert.Equal(16L << 30, root.GetProperty("scope").GetProperty("memoryBytes").GetInt64());

        var cg = root.GetProperty("cgroups")[0];
        Assert.Equal("/docker/" + new string('a', 64), cg.GetProperty("path").GetString());
        Assert.Equal(0.25, cg.GetProperty("cpu").GetProperty("usedCores").GetDouble());
        Assert.Equal(0.031, cg.GetProperty("cpu").GetProperty("throttledRatio").GetDouble());
        Assert.Equal(4, cg.GetProperty("cpu").GetProperty("cpusetCpus").GetInt32());
        Assert.Equal(256L << 20, cg.GetProperty("memory").GetProperty("limitBytes").GetInt64());
        Assert.Equal(100, cg.GetProperty("pids").GetProperty("max").GetInt64());
        Assert.Equal("web", cg.GetProperty("container").GetProperty("name").GetString());

        var p = root.GetProperty("processes")[0];
        Assert.Equal(1234, p.GetProperty("pid").GetInt32());
        Assert.Equal("S", p.GetProperty("state").GetString());
        Assert.Equal("web", p.GetProperty("container").GetString());
        Assert.Equal(47_815_065, p.GetProperty("rssBytes").GetInt64());
    }

    [Fact]
    public void Unknown_values_are_written_as_null_not_omitted()
    {
        var root = Parse(Full());
        var cg = root.GetProperty("cgroups")[1];
        foreach (var section in new[] { "cpu", "memory", "pids", "effective" })
            foreach (var field in cg.GetProperty(section).EnumerateObject())
                Assert.Equal(JsonValueKind.Null, field.Value.ValueKind);
        Assert.Equal(JsonValueKind.Null, cg.GetProperty("container").ValueKind);

        var init = root.GetProperty("processes")[1];
        Assert.Equal(JsonValueKind.Null, init.GetProperty("container").ValueKind);
        Assert.Equal(JsonValueKind.Null, init.GetProperty("cgroup").ValueKind);
    }

    [Fact]
    public void Effective_percents_basis_and_attention_come_from_the_model()
    {
        // No limits of its own; its parent's 0.5 cores and 256M bind, and the working set is what is counted.
        var cg = Cgroup("/p/c", usedCores: 0.49, limitCores: null, percentOfLimit: null, throttledRatio: 0.5, workingSet: 243L << 20,
            limit: null, memPercent: null) with { Effective = new EffectiveLimits(0.5, "/p", 256L << 20, "/p") };
        var json = Parse(Frame([cg]));
        var c = json.GetProperty("cgroups")[0];
        Assert.Equal(JsonValueKind.Null, c.GetProperty("cpu").GetProperty("percentOfLimit").ValueKind);
        Assert.Equal(98, c.GetProperty("cpu").GetProperty("percentOfEffectiveLimit").GetDouble());
        Assert.Equal(94.92, c.GetProperty("memory").GetProperty("percentOfEffectiveLimit").GetDouble());
        Assert.Equal("workingSet", c.GetProperty("memory").GetProperty("basis").GetString());
        Assert.Equal(["throttled", "memoryNearLimit"], c.GetProperty("attention").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var usage = Parse(Frame([Cgroup("/u", workingSet: null, usage: 1 << 20, throttledRatio: 0)])).GetProperty("cgroups")[0];
        Assert.Equal("usage", usage.GetProperty("memory").GetProperty("basis").GetString());
        Assert.Equal(0, usage.GetProperty("attention").GetArrayLength());
    }

    [Fact]
    public void Doubles_are_rounded_and_non_finite_becomes_null()
    {
        var cg = Cgroup("/a", usedCores: 0.123456789, percentOfLimit: 33.33333, throttledRatio: double.NaN, memPercent: double.PositiveInfinity);
        var json = Parse(Frame([cg], [Process(1, cpu: 12.3456)]));
        var cpu = json.GetProperty("cgroups")[0].GetProperty("cpu");
        Assert.Equal(0.1235, cpu.GetProperty("usedCores").GetDouble());
        Assert.Equal(33.33, cpu.GetProperty("percentOfLimit").GetDouble());
        Assert.Equal(JsonValueKind.Null, cpu.GetProperty("throttledRatio").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("cgroups")[0].GetProperty("memory").GetProperty("percentOfLimit").ValueKind);
        Assert.Equal(12.35, json.GetProperty("processes")[0].GetProperty("cpuPercent").GetDouble());
    }

    [Fact]
    public void Container_scope_kind()
    {
        var json = Parse(Frame(scope: new Scope(ScopeKind.Container, 1.5, 1 << 29, "web", "/docker/x")));
        Assert.Equal("container", json.GetProperty("scope").GetProperty("kind").GetString());
        Assert.Equal(1.5, json.GetProperty("scope").GetProperty("cpus").GetDouble());
    }

    [Fact]
    public void One_line_per_frame()
    {
        var text = Render(Full(), Full(), Frame());
        var lines = text.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        foreach (var line in lines[..3]) JsonDocument.Parse(line).Dispose();
    }

    [Fact]
    public void Hostile_strings_stay_valid_json_and_round_trip()
    {
        var hostile = "evil\u001b[2J\a\n\"}{\\\u0000\u2028\u202e<script>日本";
        var text = Render(Frame([Cgroup("/bad\n\u001b")], [Process(1, command: hostile, user: "\u0007", state: '\n')]));
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\a', text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(hostile, doc.RootElement.GetProperty("processes")[0].GetProperty("command").GetString());
        Assert.Equal("\n", doc.RootElement.GetProperty("processes")[0].GetProperty("state").GetString());
        Assert.Contains("日本", text); // non-ASCII is written as itself
    }

    [Fact]
    public void Unpaired_surrogates_still_yield_valid_json()
    {
        var text = Render(Frame(processes: [Process(1, command: "a\ud800b\udc00")]));
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("processes")[0].GetProperty("command").ValueKind);
    }

    [Fact]
    public void Any_command_string_yields_parseable_json() =>
        Gen.String.Sample(command =>
        {
            var text = Render(Frame(processes: [Process(1, command: command)]));
            using var doc = JsonDocument.Parse(text);
            return text.IndexOf('\n') == text.Length - 1 && doc.RootElement.GetProperty("processes")[0].GetProperty("command").ValueKind == JsonValueKind.String;
        });
}

public class JsonContainerTests
{
    [Fact]
    public void A_runtime_named_container_carries_image_labels_pod_and_source()
    {
        var id = new ContainerId("docker", new string('b', 64), "nginx")
        {
            Image = "nginx:1.25",
            Labels = new Dictionary<string, string> { ["app"] = "shop", ["io.kubernetes.pod.name"] = "shop-7d4" },
            Pod = new PodName("prod", "shop-7d4", "0b8f5c3e-1d2a-4e6f-9a8b-7c6d5e4f3a2b"),
            Source = "docker-api",
        };
        var sw = new StringWriter();
        new JsonFrameWriter(sw).Write(Frame([Cgroup("/docker/" + id.Id, container: id) with { Name = id.QualifiedName }], [Process(1, container: id)]));
        var root = JsonDocument.Parse(sw.ToString()).RootElement;
        var c = root.GetProperty("cgroups")[0];
        Assert.Equal("prod/shop-7d4/nginx", c.GetProperty("name").GetString());
        var container = c.GetProperty("container");
        Assert.Equal(["runtime", "id", "name", "image", "labels", "pod", "source"], container.EnumerateObject().Select(p => p.Name));
        Assert.Equal("nginx:1.25", container.GetProperty("image").GetString());
        Assert.Equal("shop", container.GetProperty("labels").GetProperty("app").GetString());
        Assert.Equal("prod", container.GetProperty("pod").GetProperty("namespace").GetString());
        Assert.Equal("docker-api", container.GetProperty("source").GetString());
        Assert.Equal("prod/shop-7d4/nginx", root.GetProperty("processes")[0].GetProperty("container").GetString());

        // Known from the path alone: the same shape, with nulls and "cgroup".
        sw = new StringWriter();
        new JsonFrameWriter(sw).Write(Frame([Cgroup("/docker/x", container: Web)]));
        container = JsonDocument.Parse(sw.ToString()).RootElement.GetProperty("cgroups")[0].GetProperty("container");
        Assert.Equal(JsonValueKind.Null, container.GetProperty("labels").ValueKind);
        Assert.Equal(JsonValueKind.Null, container.GetProperty("pod").ValueKind);
        Assert.Equal("cgroup", container.GetProperty("source").GetString());
    }

    [Fact]
    public void The_text_table_names_a_container_with_its_image()
    {
        var id = Web with { Image = "nginx:1.25", Source = "docker-api" };
        var sw = new StringWriter();
        new TextFrameWriter(sw).Write(Frame([Cgroup("/docker/" + id.Id, container: id)], [Process(7, container: id)]));
        var lines = sw.ToString().Split('\n');
        Assert.StartsWith("web (nginx:1.25) ", lines[2]);
        Assert.Contains(" web ", lines[^2]);
    }
}
