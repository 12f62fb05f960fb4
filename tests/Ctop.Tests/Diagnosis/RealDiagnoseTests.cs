using Ctop.Diagnosis;
using Ctop.Pipeline;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace Ctop.Tests.Diagnosis;

/// <summary>
/// ctop diagnose against the real kernel. A busy loop held at a 0.2-CPU quota is a victim of its own limit, with the
/// throttling figures behind it. (The culprit ranking is tested on hand-built frames: on this 2-core machine CFS group
/// scheduling keeps equal-weight cgroups fair, and the test harness's own threads in the root cgroup dominate the
/// run-queue wait, so a kernel scenario with a stable culprit is not reproducible here; see the closing note of issue 8.)
/// </summary>
[Collection(KernelCollection.Name)]
public class RealDiagnoseTests(ITestOutputHelper output)
{
    [KernelFact]
    public async Task ACgroupHeldAtItsQuotaIsAVictimOfItsOwnLimit()
    {
        using var a = new RealCgroup("cpu", "cpuacct");
        a.Write("cpu", "cpu.cfs_quota_us", "20000");
        a.StartBusyLoop();
        await Task.Delay(300);

        var report = await DiagnoseCommand.RunAsync(new SamplingOptions { Schedstat = true }, TimeSpan.FromSeconds(2), default);
        foreach (var f in report.Culprits) output.WriteLine($"culprit: {f.Reason}");
        foreach (var f in report.Victims) output.WriteLine($"victim: {f.Reason}");

        var victim = Assert.Single(report.Victims, v => v.Cgroup == a.CgroupPath);
        Assert.Contains("throttled in", victim.Reason);
        Assert.Contains("at its limit of 0.20 cores", victim.Reason);
        Assert.InRange(victim.Metrics["usedCores"]!.Value, 0.15, 0.25);
        Assert.True(victim.Metrics["throttledRatio"] > 0.5);
        Assert.Equal(0.2, victim.Metrics["limitCores"]!.Value, 6);
        // Its loop waits behind its own quota, not behind a neighbour: it is never named a culprit.
        Assert.DoesNotContain(report.Culprits, c => c.Cgroup == a.CgroupPath);
    }
}
