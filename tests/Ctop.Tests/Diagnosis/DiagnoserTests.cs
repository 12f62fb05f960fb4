using Ctop.Diagnosis;
using Ctop.Model;

namespace Ctop.Tests.Diagnosis;

public class DiagnoserTests
{
    private static CgroupView Cg(string path, double used, double? wait, double? limit = null, long weight = 100, double? throttled = null,
        double? memPct = null, long? oom = null) =>
        new(path, path, null,
            new CpuView(used, limit, limit is double l ? used / l * 100 : null, throttled, throttled is null ? null : 0.5, null, null, null, weight),
            new MemoryView((long?)memPct ?? 1, (long?)memPct ?? 1, memPct is null ? null : 100, memPct, null, oom) { NewOomKills = oom },
            new PidsView(1, null), new EffectiveLimits(limit, limit is null ? null : path, null, null), null, null)
        { CpuWaitPerSecond = wait };

    private static Frame F(params CgroupView[] cgroups) =>
        new(DateTimeOffset.UnixEpoch, 5, new Scope(ScopeKind.Host, 2, 1 << 30), [Cg("/", cgroups.Sum(c => c.Cpu.UsedCores ?? 0), null), .. cgroups], []);

    [Fact]
    public void TheGreedyCgroupIsTheCulpritAndTheWaitingOneTheVictim()
    {
        var r = Diagnoser.Diagnose(F(Cg("/a", 1.33, 0.67), Cg("/b", 0.67, 0.33), Cg("/idle", 0.0, 0.0)));
        Assert.Equal("/a", r.Culprits[0].Cgroup);
        Assert.Contains("/a uses 1.33 cores with no limit (fair share 1.00) while /b waits 330 ms/s for CPU", r.Culprits[0].Reason);
        var victim = Assert.Single(r.Victims);
        Assert.Equal("/b", victim.Cgroup);
        Assert.Equal(0.67, victim.Metrics["usedCores"]);
        Assert.Equal(1.0, victim.Metrics["fairShareCores"]);
    }

    [Fact]
    public void NobodyIsACulpritWhenNobodyWaits()
    {
        var r = Diagnoser.Diagnose(F(Cg("/a", 1.0, 0.0), Cg("/b", 1.0, 0.001)));
        Assert.Empty(r.Culprits);
        Assert.Empty(r.Victims);
    }

    [Fact]
    public void ThrottlingAtItsOwnLimitAndMemoryNearTheLimitMakeVictims()
    {
        var r = Diagnoser.Diagnose(F(Cg("/q", 0.5, 0.0, limit: 0.5, throttled: 0.9), Cg("/m", 0.01, 0.0, memPct: 97, oom: 2)));
        Assert.Contains(r.Victims, v => v.Cgroup == "/q" && v.Reason.Contains("throttled in 90% of periods at its limit of 0.50 cores"));
        Assert.Contains(r.Victims, v => v.Cgroup == "/m" && v.Reason.Contains("had 2 OOM kills at 97% of its memory limit"));
        Assert.Empty(r.Culprits);
    }

    [Fact]
    public void WeightsSetTheFairShare()
    {
        // b has 3x a's weight: its fair share is 1.5 of 2 cores, so a at 1.0 takes more than its 0.5.
        var r = Diagnoser.Diagnose(F(Cg("/a", 1.0, 0.1, weight: 100), Cg("/b", 1.0, 0.5, weight: 300)));
        Assert.Equal("/a", Assert.Single(r.Culprits).Cgroup);
        Assert.Equal("/b", r.Victims[0].Cgroup);
    }

    [Fact]
    public void ProcessesInTheRootCgroupCompeteAsOne()
    {
        var frame = F(Cg("/b", 0.5, 0.5)) with
        {
            Processes = [new ProcessView(10, 1, "root", 'R', 150, 1, 1, "/", null, "hog", 1) { CpuWaitPerSecond = 0.2 }],
        };
        var r = Diagnoser.Diagnose(frame);
        var culprit = Assert.Single(r.Culprits);
        Assert.Equal("/", culprit.Cgroup);
        Assert.Equal("processes in /", culprit.Name);
        Assert.Equal("/b", r.Victims[0].Cgroup);
    }

    [Fact]
    public void ASiblingThatWantsLittleLeavesItsPartToTheOthers()
    {
        // /small wants 0.2 of its 0.67: /a and /b split the other 1.8, so b's fair share is 0.9, not a third of 2.
        var r = Diagnoser.Diagnose(F(Cg("/small", 0.2, 0.0), Cg("/a", 1.4, 0.6), Cg("/b", 0.4, 0.6)));
        var culprit = Assert.Single(r.Culprits);
        Assert.Equal("/a", culprit.Cgroup);
        Assert.Contains("/a uses 1.40 cores with no limit (fair share 0.90) while /b waits 600 ms/s for CPU (gets 0.40 of a fair 0.90 cores)", culprit.Reason);
        Assert.Equal("/b", Assert.Single(r.Victims).Cgroup);
        Assert.DoesNotContain(r.Victims, v => v.Cgroup == "/small");
    }

    [Fact]
    public void ACgroupThatGetsWhatItWantsIsNotAVictimHoweverBusyTheOthersAre()
    {
        var r = Diagnoser.Diagnose(F(Cg("/light", 0.3, 0.01), Cg("/a", 1.0, 1.0), Cg("/b", 0.7, 0.9)));
        Assert.DoesNotContain(r.Victims, v => v.Cgroup == "/light");
        Assert.Equal("/b", r.Victims[0].Cgroup);
        Assert.Equal("/a", Assert.Single(r.Culprits).Cgroup);
    }

    [Fact]
    public void AQuotaCapsWhatACgroupCanClaim()
    {
        // /q wants 1.5 but may use 0.5: /b's fair share is the other 1.5, and q, held at its own limit, names nobody.
        var r = Diagnoser.Diagnose(F(Cg("/q", 0.5, 1.0, limit: 0.5, throttled: 0.8), Cg("/b", 1.0, 0.6)));
        Assert.Equal(1.5, r.Victims.Single(v => v.Cgroup == "/b").Metrics["fairShareCores"]);
        Assert.Contains(r.Victims, v => v.Cgroup == "/q" && v.Reason.Contains("throttled"));
        Assert.Empty(r.Culprits);
    }

    [Fact]
    public void EachBusyProcessInTheRootWeighsAsMuchAsACgroup()
    {
        // Three busy root tasks against one default cgroup: CFS gives the cgroup a quarter of 2 CPUs, so /c at 0.5 is
        // treated fairly although it waits, and the root's tasks are not culprits.
        var frame = F(Cg("/c", 0.5, 0.5)) with
        {
            Processes = [.. Enumerable.Range(10, 3).Select(pid => new ProcessView(pid, 1, "root", 'R', 50, 1, 1, "/", null, "hog", 1) { CpuWaitPerSecond = 0.3 })],
        };
        var r = Diagnoser.Diagnose(frame);
        Assert.Empty(r.Culprits);
        Assert.Empty(r.Victims);

        // One busy root task weighs one cgroup: the same /c is then held back.
        var one = frame with { Processes = [new ProcessView(10, 1, "root", 'R', 150, 1, 1, "/", null, "hog", 1) { CpuWaitPerSecond = 0.9 }] };
        var r1 = Diagnoser.Diagnose(one);
        Assert.Equal("/c", Assert.Single(r1.Victims).Cgroup);
        Assert.Equal("/", Assert.Single(r1.Culprits).Cgroup);
    }

    [Fact]
    public void TheCulpritNamesTheNeighbourItCrowdsNotTheLongestWaiterFarAway()
    {
        // /p/a takes from its sibling /p/b; /x waits longer but competes at the root level, where /p as a whole is fair.
        var r = Diagnoser.Diagnose(F(Cg("/p", 1.0, 0.4), Cg("/p/a", 0.7, 0.1), Cg("/p/b", 0.3, 0.3), Cg("/x", 0.6, 0.9)));
        var culprit = Assert.Single(r.Culprits, c => c.Cgroup == "/p/a");
        Assert.Contains("while /p/b waits 300 ms/s", culprit.Reason);
        Assert.Contains(r.Victims, v => v.Cgroup == "/x");
    }

    [Fact]
    public void AThrottledOrFullCgroupIsNotHeldBackByItsNeighbours()
    {
        // /q and /m are victims of their own limits; /big using 1.5 cores takes nothing from them.
        var r = Diagnoser.Diagnose(F(Cg("/big", 1.5, 0.0), Cg("/q", 0.3, 0.0, limit: 0.3, throttled: 0.9), Cg("/m", 0.05, 0.0, memPct: 99)));
        Assert.Equal(2, r.Victims.Count);
        Assert.Empty(r.Culprits);
    }

    [Fact]
    public void MemorySignalsNameTheCgroupThatHitsItsLimitNowNotOneThatDidLongAgo()
    {
        var old = Cg("/old", 0.01, 0.0, memPct: 40) with { Memory = new MemoryView(40, 40, 100, 40, null, 3) { NewOomKills = 0 } };
        var hitting = Cg("/hit", 0.01, 0.0) with { Memory = new MemoryView(99, 90, 100, 99, null, 0) { NewOomKills = 0, LimitHitsPerSecond = 250 } };
        var stalled = Cg("/psi", 0.01, 0.0) with { Pressure = new PressureView(null, 12.5, null) };
        var r = Diagnoser.Diagnose(F(old, hitting, stalled));
        Assert.DoesNotContain(r.Victims, v => v.Cgroup == "/old");
        Assert.Contains(r.Victims, v => v.Cgroup == "/hit" && v.Reason.Contains("hits its memory limit 250 times/s and reclaims to stay under it (90% used now)"));
        Assert.Contains(r.Victims, v => v.Cgroup == "/psi" && v.Reason.Contains("stalls on memory 13% of the time"));
        Assert.Empty(r.Culprits);
    }

    [Fact]
    public void AParentWantsWhatItsChildrenCanUseNotWhatAThrottledChildWaits()
    {
        // /p/q waits 1.0 s/s behind its own 0.5-core quota: no share serves that, so /p wants 0.5 + 0.9, and the 0.6 its
        // weight does not need goes to /x, which gets only 0.5 of it.
        var r = Diagnoser.Diagnose(F(Cg("/p", 1.3, 1.1, weight: 300), Cg("/p/q", 0.5, 1.0, limit: 0.5, throttled: 0.9), Cg("/p/b", 0.8, 0.1),
            Cg("/x", 0.5, 1.5)));
        var x = Assert.Single(r.Victims, v => v.Cgroup == "/x");
        Assert.Equal(0.6, x.Metrics["fairShareCores"]!.Value, 6);
    }
}
