using System.Text.Json;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Reliability;

/// <summary>
/// ctop run by an unprivileged user (nobody through setpriv): batch mode shows what it can read, and
/// `ctop limit`, `ctop run` and `ctop attach` refuse cleanly without touching anything. Needs root to become nobody.
/// </summary>
[Collection(KernelCollection.Name)]
public class NonRootTests
{
    [KernelFact]
    public void BatchJsonAsNobodyShowsWhatItCanRead()
    {
        var (dir, copied) = CtopBinary.ReadableByNobody();
        try
        {
            var r = CtopBinary.Run(["-b", "-n", "1", "--json"], asNobody: true, dir: dir);
            Assert.True(r.Code == 0, r.Stderr);
            Assert.Equal("", r.Stderr);
            using var doc = JsonDocument.Parse(r.Text);
            var procs = doc.RootElement.GetProperty("processes").EnumerateArray().ToList();
            var cgroups = doc.RootElement.GetProperty("cgroups").EnumerateArray().ToList();
            // /proc/PID/stat, status and cmdline are world-readable: init and ctop's own parent show up with their commands.
            var init = Assert.Single(procs, p => p.GetProperty("pid").GetInt32() == 1);
            Assert.NotEqual("", init.GetProperty("command").GetString());
            Assert.True(procs.Count > 5, $"only {procs.Count} processes");
            Assert.Contains(cgroups, c => c.GetProperty("path").GetString() == "/" && c.GetProperty("cpu").GetProperty("usedCores").ValueKind == JsonValueKind.Number);
        }
        finally { if (copied) Directory.Delete(dir, recursive: true); }
    }

    [KernelFact]
    public void RunAndAttachAsNobodyNeedRootAndCreateNothing()
    {
        var (dir, copied) = CtopBinary.ReadableByNobody();
        string name = "ctop-test-nobody-" + Guid.NewGuid().ToString("N")[..8];
        string[] controllers = ["cpu", "cpuacct", "memory", "pids"];
        try
        {
            var run = CtopBinary.Run(["run", "--name", name, "--cpus", "0.5", "--", "true"], asNobody: true, dir: dir);
            Assert.True(run.Code == 125, run.Stderr);
            Assert.Matches(@"^ctop run: .*needs root \(or write access to /sys/fs/cgroup/", run.Stderr);
            Assert.DoesNotContain("   at ", run.Stderr);

            // nobody's own process, so only the cgroup write is what is missing.
            using var sleeper = System.Diagnostics.Process.Start("setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "sleep", "30"]);
            try
            {
                var attach = CtopBinary.Run(["attach", sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", name, "--cpus", "0.5"],
                    asNobody: true, dir: dir);
                Assert.True(attach.Code == 125, attach.Stderr);
                Assert.Matches(@"^ctop attach: .*needs root \(or write access to /sys/fs/cgroup/", attach.Stderr);
                Assert.DoesNotContain("   at ", attach.Stderr);
            }
            finally
            {
                sleeper.Kill();
                sleeper.WaitForExit();
            }
            Assert.All(controllers, c => Assert.False(Directory.Exists($"/sys/fs/cgroup/{c}/ctop/{name}"), $"{c}/ctop/{name} was created"));
        }
        finally { if (copied) Directory.Delete(dir, recursive: true); }
    }

    [KernelFact]
    public void LimitAsNobodyNeedsRootAndChangesNothing()
    {
        using var cg = new RealCgroup("cpu", "cpuacct");
        var (dir, copied) = CtopBinary.ReadableByNobody();
        try
        {
            var quota = cg.Read("cpu", "cpu.cfs_quota_us");
            var period = cg.Read("cpu", "cpu.cfs_period_us");
            var r = CtopBinary.Run(["limit", cg.CgroupPath, "--cpus", "0.5"], asNobody: true, dir: dir);
            Assert.Equal(1, r.Code);
            Assert.Contains($"needs root (or write access to {cg.Dir("cpu")}/cpu.cfs_", r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
            Assert.Equal(quota, cg.Read("cpu", "cpu.cfs_quota_us"));
            Assert.Equal(period, cg.Read("cpu", "cpu.cfs_period_us"));
        }
        finally { if (copied) Directory.Delete(dir, recursive: true); }
    }
}
