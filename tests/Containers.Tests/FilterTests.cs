using Containers.Tests.Support;

namespace Containers.Tests;

/// <summary>--filter on real containers, as docker ps reads it: by name, image and label.</summary>
[Collection(RuntimesCollection.Name)]
public sealed class FilterTests(Runtimes runtimes)
{
    private string[] Names(params string[] filters)
    {
        var up = runtimes.Up;
        var args = new List<string> { "-b", "-n", "1", "-d", "0.5", "--json", "--cgroups-only", "--docker-host", up.DockerHost, "--podman-host", up.PodmanHost };
        foreach (var f in filters) args.AddRange(["--filter", f]);
        var r = CtopOnHost.Run(args);
        Assert.True(r.ExitCode == 0 && r.Stderr.Length == 0, $"ctop exited {r.ExitCode}: {r.Stderr}");
        return Json.Lines(r.Stdout)[^1].GetProperty("cgroups").EnumerateArray().Select(c => c.Str("name")!).Order(StringComparer.Ordinal).ToArray();
    }

    [RuntimeFact]
    public void By_label_with_and_without_a_value()
    {
        var up = runtimes.Up;
        Assert.Equal([up.Name("web")], Names("label=app=web"));
        Assert.Equal([up.Name("web")], Names("label=app=web", "label=tier"));
        Assert.Equal(new[] { up.Name("db"), up.Name("pweb"), up.Name("web") }.Order(StringComparer.Ordinal), Names("label=app"));
        Assert.Equal(["prod/shop-7d4/nginx"], Names("label=io.kubernetes.pod.namespace=prod"));
    }

    [RuntimeFact]
    public void By_image_across_both_runtimes_and_by_name()
    {
        var up = runtimes.Up;
        // docker calls it ctop-test/busybox:N and podman localhost/ctop-test/busybox:N: one image= names both.
        var all = new[] { up.Name("db"), up.Name("pdb"), up.Name("pweb"), up.Name("web"), "prod/shop-7d4/nginx" }.Order(StringComparer.Ordinal);
        Assert.Equal(all, Names("image=ctop-test/busybox"));
        Assert.Equal([up.Name("pdb"), up.Name("pweb")], Names("name=test-pdb-" + up.Suffix, "name=test-pweb-" + up.Suffix, "image=localhost/" + up.Image));
        Assert.Equal([up.Name("db"), up.Name("pdb")], Names("name=db-" + up.Suffix));
        Assert.Empty(Names("image=nginx"));
    }
}
