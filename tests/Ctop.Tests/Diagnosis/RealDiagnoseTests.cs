using Ctop.Cli;
using System.Text.Json;
using Ctop.Diagnosis;
using Ctop.Pipeline;
using Ctop.Tests.Launcher;
using Ctop.Tests.Model;
using ProcFs.Tests.Support;
using Xunit.Abstractions;

namespace Ctop.Tests.Diagnosis;

/// <summary>
/// ctop diagnose against the real kernel, through the real binary: a cgroup whose busy loops crowd a neighbour's is named
/// the culprit and the neighbour its victim; after `ctop limit` on the culprit the victim waits less, and the next report
/// shows it. A loop held at its own quota is a victim of its limit, never a culprit.
/// </summary>
[Collection(KernelCollection.Name)]
public class RealDiagnoseTests(ITestOutputHelper output)
{
    [KernelFact]
    public async Task TwoLoopsCrowdOneUntilTheyAreLimited()
    {
        using var parent = new RealCgroup("cpu", "cpuacct");
        using var observer = new RealCgroup("cpu", "cpuacct");
        // Work outside the test (the test host's threads, a build) competes at the root, where each busy task weighs as much
        // as a cgroup; a high weight for the test's parent keeps A and B contending with each other, which is the scenario.
        // ctop itself runs in a sibling of the same weight, or it would wait minutes for the CPU the loops hold.
        parent.Write("cpu", "cpu.shares", "262144");
        observer.Write("cpu", "cpu.shares", "262144");
        var a = parent.CreateChild("a");
        var b = parent.CreateChild("b");
        // A runs one loop per CPU, as a parallel program does, so B's single loop always shares a CPU with one of A's, and
        // CFS splits that CPU by the groups' per-CPU weights (A's is halved across its two CPUs): A gets ~1.33, B ~0.67.
        // Left unpinned, the load balancer soon puts A's two loops on one CPU and B alone on the other, which is fair
        // (see docs/diagnose.md, "Limits of the method").
        parent.Start("exec taskset -c 0 sh -c 'while :; do :; done'", "a");
        parent.Start("exec taskset -c 1 sh -c 'while :; do :; done'", "a");
        parent.Start("while :; do :; done", "b");
        await Task.Delay(500);

        var before = Diagnose(observer);
        var culprit = before.Culprits.First();
        Assert.True(culprit.Cgroup == a, $"top culprit {culprit.Cgroup}, expected {a}");
        Assert.Contains($"{a} uses", culprit.Reason);
        Assert.Contains("with no limit", culprit.Reason);
        var victim = before.Victims.FirstOrDefault(v => v.Cgroup == b);
        Assert.True(victim is not null, $"{b} is not a victim");
        Assert.Contains($"{b} waits", culprit.Reason);
        double waitBefore = victim.Metrics["cpuWaitSecondsPerSecond"]!.Value;
        Assert.True(culprit.Metrics["usedCores"] > victim.Metrics["usedCores"] + 0.3, "A does not use clearly more than B");

        var limit = Ctop(observer, "limit", a, "--cpus", "0.5");
        Assert.True(limit.ExitCode == 0, limit.ToString());
        Assert.Equal("50000", parent.Read("cpu", "a/cpu.cfs_quota_us"));
        await Task.Delay(500);

        var after = Diagnose(observer);
        double waitAfter = Find(after, b)?.Metrics["cpuWaitSecondsPerSecond"] ?? 0;
        Assert.True(waitAfter < 0.75 * waitBefore, $"B waited {waitBefore:0.000} s/s before the limit and {waitAfter:0.000} after");
        Assert.DoesNotContain(after.Culprits, c => c.Cgroup == a);
        var throttled = Assert.Single(after.Victims, v => v.Cgroup == a);
        Assert.Contains("at its limit of 0.50 cores", throttled.Reason);
    }

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

    [KernelFact]
    public async Task ACgroupThatKeepsHittingItsMemoryLimitIsAVictim()
    {
        using var m = new RealCgroup("memory");
        var file = Path.Combine(Path.GetTempPath(), m.Name + ".data");
        try
        {
            // Writing 64 MiB of page cache under a 16 MiB limit: the kernel reclaims on every few pages, counting each time the
            // charge hit the limit (memory.failcnt), with no OOM kill since clean and written-back cache can always be dropped.
            m.Write("memory", "memory.limit_in_bytes", (16 << 20).ToString());
            // notrunc: rewriting in place keeps the cache full instead of freeing it at each pass.
            m.Start($"while :; do dd if=/dev/zero of='{file}' bs=1M count=64 conv=notrunc 2>/dev/null; done");
            await Task.Delay(500);

            var report = await DiagnoseCommand.RunAsync(new SamplingOptions(), TimeSpan.FromSeconds(2), default);
            foreach (var f in report.Victims) output.WriteLine($"victim: {f.Reason}");
            var victim = Assert.Single(report.Victims, v => v.Cgroup == m.CgroupPath);
            Assert.Contains("hits its memory limit", victim.Reason);
            Assert.True(victim.Metrics["memoryLimitHitsPerSecond"] >= 1);
            // Its memory is the dashboard's MEM%: the working set, which leaves out the clean cache the kernel keeps
            // reclaiming, so it reads low although the charge keeps hitting the limit.
            Assert.InRange(victim.Metrics["memoryPercentOfLimit"]!.Value, 0, 100);
            Assert.Equal(0, victim.Metrics["oomKills"]);
        }
        finally
        {
            m.Dispose();
            File.Delete(file);
        }
    }

    /// <summary>`ctop diagnose -d 3 --json` run in the observer cgroup, the report printed to the test output.</summary>
    private Report Diagnose(RealCgroup observer)
    {
        var run = Ctop(observer, "diagnose", "-d", "3", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        output.WriteLine(run.Stdout);
        var report = JsonSerializer.Deserialize<Report>(run.Stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        foreach (var f in report.Culprits) output.WriteLine($"culprit: {f.Reason}");
        foreach (var f in report.Victims) output.WriteLine($"victim: {f.Reason}");
        return report;
    }

    /// <summary>The real ctop binary, moved into the observer cgroup as it starts (before the runtime has even loaded).</summary>
    private static LauncherHost.Result Ctop(RealCgroup observer, params string[] args)
    {
        using var p = LauncherHost.Start(args);
        foreach (var c in observer.Controllers) observer.Write(c, "cgroup.procs", p.Id.ToString());
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"ctop {string.Join(' ', args)} did not finish within 60 s");
        }
        p.WaitForExit();
        return new LauncherHost.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static Item? Find(Report r, string cgroup) => r.Culprits.Concat(r.Victims).FirstOrDefault(f => f.Cgroup == cgroup);

    private sealed record Report(List<Item> Culprits, List<Item> Victims);

    private sealed record Item(string Cgroup, string Name, double Score, string Reason, Dictionary<string, double?> Metrics);
}
