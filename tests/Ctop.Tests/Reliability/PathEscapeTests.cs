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

/// <summary>
/// --name and --parent of ctop run and ctop attach become cgroup directories: every spelling that could leave the
/// cgroup tree is refused before anything is read or made, and a symbolic link on the way is not followed.
/// </summary>
public class LauncherPathEscapeTests
{
    private static readonly string[] HostileNames =
    [
        "..", ".", "../x", "a/b", "/abs", "a\nb", "", " ", new string('a', 65), "-x", ".hidden", "a\0b", "../../../../etc",
        "%2e%2e", "\u2024\u2024", "\u540d\u524d", "a b", "~root", "$HOME", "*", "a\\b", "x\t", "\0", new string('a', 100_000),
        "/sys/fs/cgroup/cpu", "ctop/../..",
    ];

    private static readonly string[] HostileParents =
    [
        "..", "../..", "/..", "ctop/..", "ctop/../../etc", "/", "", "//", "./ctop", "ctop/.", "/sys/fs/cgroup/../../etc",
        "ctop\0/..", "ctop\n", "a b", "%2e%2e", "\u2024\u2024", "/" + string.Join('/', Enumerable.Repeat("..", 500)),
        new string('a', 5000), "~root", "$HOME", "*", "ctop/-x", "ctop\\..\\..",
    ];

    [Fact]
    public void RunRefusesHostileNamesAndParentsBeforeTouchingAnything()
    {
        // A --rootfs that does not exist is checked after the name and the parent: an input that slipped through
        // would end there, with that message, and still touch nothing.
        const string NoRoot = "/no/such/ctop-test-rootfs";
        foreach (var name in HostileNames)
        {
            var err = new StringWriter();
            int code = Ctop.Launcher.ContainerRun.Run(new Ctop.Launcher.RunSpec(["true"], Name: name, Rootfs: NoRoot), err);
            Assert.True(code == 125, $"--name '{Show(name)}': exit {code}");
            Assert.StartsWith("ctop run: --name ", err.ToString());
        }
        foreach (var parent in HostileParents)
        {
            var err = new StringWriter();
            int code = Ctop.Launcher.ContainerRun.Run(new Ctop.Launcher.RunSpec(["true"], Name: "ctop-test-x", Parent: parent, Rootfs: NoRoot), err);
            Assert.True(code == 125, $"--parent '{Show(parent)}': exit {code}");
            Assert.StartsWith("ctop run: --parent ", err.ToString());
        }
    }

    [Fact]
    public void AttachRefusesHostileNamesAndParentsBeforeTouchingAnything()
    {
        // PID 4194303 cannot exist (above PID_MAX_LIMIT): an input that slipped through would end at "no such process".
        foreach (var (name, parent) in HostileNames.Select(n => (n, "ctop")).Concat(HostileParents.Select(p => ("ctop-test-x", p))))
        {
            var err = new StringWriter();
            int code = Ctop.Launcher.ContainerAttach.Run(4194303, name, parent, new Ctop.Launcher.LimitSet(), TextWriter.Null, err);
            Assert.True(code == 125, $"--name '{Show(name)}' --parent '{Show(parent)}': exit {code}");
            Assert.Matches("^ctop attach: --(name|parent) ", err.ToString());
        }
    }

    [Fact]
    public void PlainParentsAreNormalisedInsideTheTree()
    {
        Assert.Equal("/ctop", Ctop.Launcher.ContainerName.ParentPath("ctop"));
        Assert.Equal("/ctop", Ctop.Launcher.ContainerName.ParentPath("//ctop//"));
        Assert.Equal("/batch/ctop", Ctop.Launcher.ContainerName.ParentPath("/batch/ctop/"));
        foreach (var ok in new[] { "ctop", "/ctop", "//ctop//", "batch/ctop", "a.b/c_d-1" })
            Assert.Null(Ctop.Launcher.ContainerName.ValidateParent(ok));
        foreach (var ok in new[] { "ctop-test-x", "a.b_c-1", "web", new string('a', 64) })
            Assert.Null(Ctop.Launcher.ContainerName.Validate(ok));
    }

    [Fact]
    public void ASymbolicLinkOnTheWayIsNotFollowed()
    {
        using var t = HostFixtures.V2Host();
        t.AddV2Cgroup("/ctop/box1");
        // Outside the tree, a directory that looks like a v2 cgroup: following a link there would succeed.
        var outside = t.Path("outside");
        t.Write("outside/cgroup.controllers", "cpu memory pids\n");
        t.Write("outside/cgroup.subtree_control", "cpu memory pids\n");
        var outsideBefore = Directory.GetFileSystemEntries(outside).Order().ToList();
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/ctop/evil"), outside);
        File.CreateSymbolicLink(t.Path("sys/fs/cgroup/evil-top"), outside);
        var layout = t.Layout();
        string[] controllers = ["cpu", "memory", "pids"];
        foreach (var (parent, name) in new[] { ("/ctop/evil", "box"), ("/evil-top", "box"), ("/evil-top/deeper", "box"), ("/ctop", "evil") })
        {
            var e = Assert.Throws<Ctop.Launcher.LimitArgsException>(() => Ctop.Launcher.ContainerCgroup.Create(layout, parent, name, controllers));
            Assert.Contains("is a symbolic link, not a cgroup", e.Message);
            Assert.Equal(outsideBefore, Directory.GetFileSystemEntries(outside).Order().ToList());
        }
        // Control: the fixture itself takes a container where no link is in the way.
        t.Write("sys/fs/cgroup/ctop/box1/cgroup.subtree_control", "\n");
        var cg = Ctop.Launcher.ContainerCgroup.Create(layout, "/ctop/box1", "box2", controllers);
        Assert.True(Directory.Exists(t.Path("sys/fs/cgroup/ctop/box1/box2")), string.Join(", ", cg.Created));
    }

    private static string Show(string s) => s.Length > 40 ? s[..40] + $"…({s.Length})" : s.Replace("\0", "\\0").Replace("\n", "\\n").Replace("\t", "\\t");
}

/// <summary>The real binary and the real cgroupfs: hostile --name/--parent change nothing; cgroupfs itself refuses symlinks.</summary>
[Collection(KernelCollection.Name)]
public class RealLauncherPathEscapeTests
{
    [KernelFact]
    public void HostileNamesChangeNothingOnTheRealHost()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        string[] controllers = ["cpu", "cpuacct", "memory", "pids"];
        var before = Listing(controllers);
        foreach (var args in new[]
        {
            new[] { "run", "--name", "..", "--", "true" },
            ["run", "--name", "../../escaped", "--", "true"],
            ["run", "--parent", "../..", "--", "true"],
            ["run", "--parent", cg.CgroupPath + "/../..", "--name", "x", "--", "true"],
            ["attach", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", "a/b"],
            ["attach", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--parent", "/..", "--name", "x"],
        })
        {
            var r = Ctop.Tests.Launcher.LauncherHost.Run(args);
            Assert.True(r.ExitCode == 125, $"{string.Join(' ', args)}: {r}");
            Assert.Matches("ctop (run|attach): --(name|parent) ", r.Stderr);
            Assert.Equal(before, Listing(controllers));
        }
        // cgroupfs allows no symbolic link at all, so none can lead out of a real hierarchy.
        var link = Path.Combine(cg.Dir("cpu"), "link");
        Assert.ThrowsAny<Exception>(() => File.CreateSymbolicLink(link, "/tmp"));
        Assert.False(File.Exists(link) || Directory.Exists(link));
    }

    /// <summary>Every directory one and two levels deep in each hierarchy (the top and /ctop/*, where a run would land).</summary>
    private static List<string> Listing(string[] controllers) =>
        controllers.SelectMany(c => Directory.GetDirectories(Path.Combine(RealCgroup.V1Root, c))
                .SelectMany(d => Directory.GetDirectories(d).Prepend(d)))
            // ctop-test-* cgroups come and go with tests running beside this one; no hostile input here names one.
            .Where(d => !d.Contains("ctop-test-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
}
