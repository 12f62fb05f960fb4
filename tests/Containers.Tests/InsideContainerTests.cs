using Containers.Tests.Support;
using Ctop.TestSupport;

namespace Containers.Tests;

/// <summary>
/// The published ctop bind-mounted into `docker run --cpus 0.5 -m 128m`: its scope is the container (0.5 CPUs,
/// 128 MiB) and it sees its own processes only, in the host's cgroup namespace (v1's default) and in a private one.
/// </summary>
[Collection(RuntimesCollection.Name)]
public sealed class InsideContainerTests(Runtimes runtimes, ITestOutputHelper log)
{
    [RuntimeTheory]
    [InlineData("host")]
    [InlineData("private")]
    public void Ctop_inside_sees_the_container_as_its_scope(string cgroupns)
    {
        var up = runtimes.Up;
        var output = up.DockerOk("run", "--rm", "--cgroupns", cgroupns, "--cpus", "0.5", "-m", "128m", "--label", "ctop-test=inside",
            "-v", PublishedCtop.Binary + ":/opt/ctop/ctop:ro", up.Image,
            "sh", "-c", "sleep 60 & exec /opt/ctop/ctop -b -n 2 -d 0.5 --json");
        var frames = Json.Lines(output);
        Assert.True(frames.Count == 2, output);
        var f = frames[^1];
        log.WriteLine(f.GetProperty("scope").ToString());
        Assert.Equal("container", f.Str("scope.kind"));
        Assert.Equal(0.5, f.Num("scope.cpus"));
        Assert.Equal(128L << 20, (long)f.Num("scope.memoryBytes")!);

        // Its own pid namespace: ctop (PID 1, exec'd by sh) and the sleep, nothing of the host.
        var commands = f.GetProperty("processes").EnumerateArray().Select(p => (Pid: (int)p.Num("pid")!, Command: p.Str("command"))).ToList();
        Assert.Equal([(1, "/opt/ctop/ctop -b -n 2 -d 0.5 --json"), (8, "sleep 60")], commands.OrderBy(c => c.Pid).Select(c => (c.Pid == 1 ? 1 : 8, c.Command)));

        var own = f.Str("scope.cgroupPath");
        if (cgroupns == "private")
            Assert.Equal("/", own); // the namespace's root is the container's cgroup
        else
            Assert.StartsWith("/docker/", own);
        // Every cgroup ctop lists is the container's own (or below it), holding its limits.
        foreach (var c in f.GetProperty("cgroups").EnumerateArray())
            Assert.StartsWith(own!, c.Str("path"));
        var self = f.Cgroup(own!);
        Assert.Equal(0.5, self.Num("cpu.limitCores"));
        Assert.Equal(128L << 20, (long)self.Num("memory.limitBytes")!);
    }
}
