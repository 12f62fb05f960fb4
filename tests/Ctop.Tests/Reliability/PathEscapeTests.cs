using Ctop.Tests.Model;
using Ctop.Tuning;
using ProcFs.Tests.Support;
using static Ctop.Tests.Tuning.TuningFixtures;
using static ProcFs.Tests.Support.HostFixtures;

namespace Ctop.Tests.Reliability;

/// <summary>
/// The CGROUP of `ctop limit` is user input that becomes file paths under the cgroup root: no spelling of it may
/// name a file outside. Fixture trees prove nothing outside changed; the real-kernel cases run the same inputs
/// against this host's cgroupfs.
/// </summary>
public class PathEscapeTests
{
    // One fixture for all inputs: a tree per case cost ~0.5 s each on a loaded machine.
    private static readonly string[] Hostile =
    [
        "..", "../..", "../../etc", "/..", "/ctop/../..", "/ctop/box1/../../..", "ctop/box1/..", "./ctop/box1", "/ctop/./box1",
        "/sys/fs/cgroup/../../etc", "/sys/fs/cgroup/../../tmp", "/sys/fs/cgroup/ctop/box1", "/proc/self/root/etc",
        "/ctop/box1\0/../../..", "box1\0", "\0", "/ctop/box1/\0", "box\n1", "/ctop/box1\n", "\t", "  ", "",
        "/ctop/..\\..", "/ctop/%2e%2e/%2e%2e", "/ctop/\u2024\u2024", "/ctop/box1/" + new string('a', 5000),
        new string('a', 100_000), "/" + string.Join('/', Enumerable.Repeat("..", 500)), "~root", "$HOME", "*", "/ctop/*",
    ];

    private static TempTree Fixture(out string outside)
    {
        var t = V2Host();
        t.AddV2Cgroup("/ctop/box1");
        // A directory outside the cgroup root holding the files a limit writes, reachable only by escaping.
        outside = t.Path("outside");
        t.Write("outside/cpu.max", "max 100000\n");
        t.Write("outside/memory.max", "max\n");
        t.Write("outside/pids.max", "max\n");
        t.Write("etc/cpu.max", "max 100000\n");
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/ctop/evil"), outside);
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/evil-top"), outside);
        Directory.CreateDirectory(t.Path("outside/inner"));
        File.Copy(t.Path("outside/cpu.max"), t.Path("outside/inner/cpu.max"));
        return t;
    }

    [Fact]
    public void ResolveRefusesOrFindsNothingAndNeverThrowsAnythingElse()
    {
        using var t = Fixture(out _);
        var targets = new CgroupTargets(t.Layout());
        // Refused (usage error) or not found, never an IOException or ArgumentException; the one input that
        // resolves ("/ctop/box1\n", trailing whitespace trimmed) names the box itself, inside the root.
        foreach (var input in Hostile)
        {
            try { Assert.Equal("/ctop/box1", targets.Resolve(input)); }
            catch (TargetException) { }
        }
    }

    [Fact]
    public void SymlinksInsideTheTreeAreNotFollowed()
    {
        using var t = Fixture(out _);
        var before = Snapshot(t.Root);
        foreach (var input in new[] { "/ctop/evil", "/ctop/evil/inner", "evil-top", "/evil-top/inner", "inner" })
        {
            Assert.IsType<TargetException>(Record.Exception(() => new CgroupTargets(t.Layout()).Resolve(input)));
            AssertLimitRefused(t, before, input);
        }
    }

    [Fact]
    public void LimitWritesNothingAnywhere()
    {
        using var t = Fixture(out _);
        var before = Snapshot(t.Root);
        foreach (var input in Hostile.Where(i => i != "/ctop/box1\n")) AssertLimitRefused(t, before, input);
        // Trailing whitespace is trimmed: this names the box itself, and only the box changes.
        var (code, _, error) = RunLimit(["/ctop/box1\n", "--cpus", "0.5", .. t.Roots()]);
        Assert.True(code == 0, error);
        Assert.Equal("50000 100000", t.Read("sys/fs/cgroup/ctop/box1/cpu.max"));
        foreach (var f in before.Keys.Where(f => !f.Contains("/ctop/box1/", StringComparison.Ordinal)))
            Assert.Equal(before[f], File.ReadAllText(f));
    }

    private static void AssertLimitRefused(TempTree t, Dictionary<string, string> before, string input)
    {
        var (code, output, error) = RunLimit([input, "--cpus", "0.5", "--memory", "256m", "--pids", "10", .. t.Roots()]);
        Assert.DoesNotContain("   at ", error);
        Assert.True(code is 1 or 2, $"'{input}': exit {code}: {output} {error}");
        Assert.StartsWith("ctop limit: ", error);
        AssertUnchanged(before, t.Root);
    }

    [Fact]
    public void TheSameInputsAgainstTheRealBoxStillChangeOnlyTheBox()
    {
        // Control: the fixture's own box is writable, so the refusals above are not a broken fixture.
        using var t = Fixture(out _);
        var (code, _, error) = RunLimit(["/ctop/box1", "--cpus", "0.5", .. t.Roots()]);
        Assert.True(code == 0, error);
        Assert.Equal("50000 100000", t.Read("sys/fs/cgroup/ctop/box1/cpu.max"));
    }
}

/// <summary>The same hostile targets against this host's real cgroupfs (v1): nothing in a ctop-test cgroup or outside changes.</summary>
[Collection(KernelCollection.Name)]
public class RealPathEscapeTests
{
    [KernelFact]
    public void HostileTargetsChangeNothingOnTheRealHost()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        var sentinel = Directory.CreateTempSubdirectory("ctop-test-sentinel-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(sentinel, "cpu.cfs_quota_us"), "-1\n");
            var quota = cg.Read("cpu", "cpu.cfs_quota_us");
            var rootQuota = File.ReadAllText("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
            string rel = "/" + string.Join('/', Enumerable.Repeat("..", 8)) + sentinel;
            foreach (var input in new[]
            {
                cg.CgroupPath + "/..", cg.CgroupPath + "/../..", rel, cg.Name + "/.." + sentinel, "/sys/fs/cgroup/cpu" + cg.CgroupPath,
                "/sys/fs/cgroup/../.." + sentinel, cg.CgroupPath + "\0/..", cg.CgroupPath + "/" + new string('a', 5000), "..",
            })
            {
                var (code, output, error) = RunLimit(input, "--cpus", "0.5");
                Assert.True(code is 1 or 2, $"'{input}': exit {code}: {output}");
                Assert.DoesNotContain("   at ", error);
                Assert.Equal(quota, cg.Read("cpu", "cpu.cfs_quota_us"));
                Assert.Equal("-1\n", File.ReadAllText(Path.Combine(sentinel, "cpu.cfs_quota_us")));
                Assert.Equal(rootQuota, File.ReadAllText("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
            }
        }
        finally { Directory.Delete(sentinel, recursive: true); }
    }
}
