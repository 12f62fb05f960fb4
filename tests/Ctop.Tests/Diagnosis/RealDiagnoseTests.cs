using Ctop.Diagnosis;
using Ctop.Pipeline;
using Ctop.Tests.Model;
using ProcFs.Cgroups;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace Ctop.Tests.Diagnosis;

/// <summary>
/// On this 2-core machine: A runs two unlimited busy loops on any CPU, B one loop pinned to CPU 0. CFS gives the two
/// groups equal weight, but with B pinned one of A's loops shares CPU 0 with B while the other has CPU 1 alone: A gets
/// about 1.33 cores and B 0.67, and B waits. (Unpinned, the balancer gives each group one CPU and nobody is a culprit:
/// group scheduling is fair by design.)
/// </summary>
[Collection(KernelCollection.Name)]
public class RealDiagnoseTests(ITestOutputHelper output)
{
    [KernelFact]
    public async Task NamesTheGreedyCgroupAndItsVictimThenSeesTheVictimRecoverOnceLimited()
    {
        using var a = new RealCgroup("cpu", "cpuacct");
        using var b = new RealCgroup("cpu", "cpuacct", "cpuset");
        b.Write("cpuset", "cpuset.cpus", "0");
        a.StartBusyLoop();
        a.StartBusyLoop();
        b.StartBusyLoop();
        await Task.Delay(500);

        var before = await DiagnoseCommand.RunAsync(new SamplingOptions { Schedstat = true }, TimeSpan.FromSeconds(3), default);
        Log("before", before);
        Assert.NotEmpty(before.Culprits);
        Assert.Equal(a.CgroupPath, before.Culprits[0].Cgroup);
        var victim = Assert.Single(before.Victims, v => v.Cgroup == b.CgroupPath);
        double waitBefore = victim.Metrics["cpuWaitSecondsPerSecond"]!.Value;

        new CgroupWriter().SetCpuLimit(a.Dir("cpu"), CgroupVersion.V1, 50_000);
        await Task.Delay(300);
        var after = await DiagnoseCommand.RunAsync(new SamplingOptions { Schedstat = true }, TimeSpan.FromSeconds(3), default);
        Log("after", after);
        Assert.DoesNotContain(after.Culprits, c => c.Cgroup == a.CgroupPath);
        double waitAfter = after.Victims.FirstOrDefault(v => v.Cgroup == b.CgroupPath)?.Metrics["cpuWaitSecondsPerSecond"] ?? 0;
        Assert.True(waitAfter < waitBefore / 2, $"B waited {waitBefore:F3} s/s before and {waitAfter:F3} s/s after");
        // A is now held at its quota: a victim of its own limit, not a culprit.
        Assert.Contains(after.Victims, v => v.Cgroup == a.CgroupPath && v.Reason.Contains("throttled"));
    }

    private void Log(string when, DiagnosisReport r)
    {
        foreach (var f in r.Culprits) output.WriteLine($"{when} culprit: {f.Reason}");
        foreach (var f in r.Victims) output.WriteLine($"{when} victim: {f.Reason}");
    }
}
