using System.Globalization;
using Containers.Tests.Support;

namespace Containers.Tests;

/// <summary>
/// `ctop limit NAME` on real containers: the named container's cgroup files change and no other's. docker keeps its
/// own record of the limits, which ctop does not touch: docker inspect still shows the old values, a later
/// `docker update` of one resource overwrites only that one, and a restart re-applies docker's record.
/// </summary>
[Collection(RuntimesCollection.Name)]
public sealed class LimitTests(Runtimes runtimes, ITestOutputHelper log)
{
    private static string Read(string controller, string parent, string id, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}/{parent}/{id}/{file}").Trim();

    private CtopOnHost.Result Limit(params string[] args)
    {
        var up = runtimes.Up;
        var r = CtopOnHost.Run(["limit", .. args, "--docker-host", up.DockerHost, "--podman-host", up.PodmanHost]);
        log.WriteLine($"ctop limit {string.Join(' ', args)} → {r.ExitCode}\n{r.Stdout}{r.Stderr}");
        return r;
    }

    [RuntimeFact]
    public void Limit_by_docker_name_writes_that_container_and_docker_keeps_its_own_record()
    {
        var up = runtimes.Up;
        var name = up.Name("lim");
        var id = up.DockerOk("run", "-d", "--name", name, "--cpus", "0.25", "-m", "96m", up.Image, "sleep", "1000000");
        try
        {
            string Quota() => Read("cpu", "docker", id, "cpu.cfs_quota_us");
            string Memory() => Read("memory", "docker", id, "memory.limit_in_bytes");
            string Pids() => Read("pids", "docker", id, "pids.max");
            string Inspect() => up.DockerOk("inspect", "-f", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", id);
            string webQuota = Read("cpu", "docker", up.Ids["web"], "cpu.cfs_quota_us");
            Assert.Equal(("25000", "100663296"), (Quota(), Memory()));

            var r = Limit(name, "--cpus", "0.2", "-m", "128m", "--pids", "50");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains($"/docker/{id}:", r.Stdout);
            Assert.Equal(("20000", "134217728", "50"), (Quota(), Memory(), Pids()));
            Assert.Equal(webQuota, Read("cpu", "docker", up.Ids["web"], "cpu.cfs_quota_us"));
            // docker's record is untouched: inspect shows what docker run set.
            var inspect = Inspect();
            log.WriteLine($"after ctop limit: cgroup quota {Quota()} memory {Memory()} pids {Pids()}; docker inspect NanoCpus Memory PidsLimit: {inspect}");
            Assert.StartsWith("250000000 100663296", inspect);

            // docker update writes what it is given, from its record, and leaves the rest as ctop set it.
            up.DockerOk("update", "--cpus", "0.3", name);
            log.WriteLine($"after docker update --cpus 0.3: quota {Quota()} memory {Memory()} pids {Pids()}; inspect {Inspect()}");
            Assert.Equal(("30000", "134217728", "50"), (Quota(), Memory(), Pids()));

            // A restart re-creates the cgroup from docker's record: ctop's memory and pids limits are gone.
            up.DockerOk("restart", "-t", "0", name);
            log.WriteLine($"after docker restart: quota {Quota()} memory {Memory()} pids {Pids()}; inspect {Inspect()}");
            Assert.Equal(("30000", "100663296", "max"), (Quota(), Memory(), Pids()));
        }
        finally { up.Docker("rm", "-f", id); }
    }

    [RuntimeFact]
    public void Limit_by_podman_name_and_by_id_prefix()
    {
        var up = runtimes.Up;
        var name = up.Name("plim");
        var id = up.PodmanOk("run", "-d", "--name", name, "--cpus", "0.5", "--memory", "64m", up.Facts["podman_image"], "sleep", "1000000");
        try
        {
            var r = Limit(name, "--memory", "72m");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal((72L << 20).ToString(CultureInfo.InvariantCulture), Read("memory", "libpod_parent", "libpod-" + id, "memory.limit_in_bytes"));
            Assert.Equal((40L << 20).ToString(CultureInfo.InvariantCulture), Read("memory", "libpod_parent", "libpod-" + up.Ids["pdb"], "memory.limit_in_bytes"));

            r = Limit(id[..10], "--cpus", "0.1");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("10000", Read("cpu", "libpod_parent", "libpod-" + id, "cpu.cfs_quota_us"));
        }
        finally { up.Podman("rm", "-f", "-t", "0", id); }
    }

    [RuntimeFact]
    public void An_unknown_name_is_refused_and_says_what_the_runtimes_answered()
    {
        var r = Limit("ctop-test-no-such-container", "--cpus", "0.1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no cgroup or container named 'ctop-test-no-such-container'", r.Stderr);
        Assert.Contains("docker: ", r.Stderr);
        Assert.Contains("running container(s) from unix://", r.Stderr);
    }
}
