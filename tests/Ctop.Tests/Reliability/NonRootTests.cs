using System.Text.Json;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Reliability;

/// <summary>
/// ctop run by an unprivileged user (nobody through setpriv): batch mode shows what it can read, and
/// `ctop limit` refuses cleanly without touching anything. Needs root to become nobody.
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
