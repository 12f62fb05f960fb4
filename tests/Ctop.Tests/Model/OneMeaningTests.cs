using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;
using Ctop.Tests.Reliability;
using Ctop.Ui;
using ProcFs.Cgroups;
using ProcFs.Proc;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// One question, one answer: a parent with a CPU quota and a memory limit and an unlimited child doing the work show the
/// same CPU% and MEM% (of the effective limit) in batch text, JSON and the dashboard's table, and the child's limits are
/// marked as set by an ancestor.
/// </summary>
public static class OneMeaning
{
    public const double Points = 3;

    public record struct Percents(double Cpu, double Mem);

    /// <summary>%LIM and %MEM of the text table's row whose NAME is <paramref name="name"/> (in the last frame of the text).</summary>
    public static Percents FromText(string text, Func<string, bool> name, out string[] cells)
    {
        var frames = text.TrimEnd('\n').Split("\n\n");
        var row = frames[^1].Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(c => c.Length == 9 && c[0] != "NAME" && name(c[0]));
        cells = row;
        return new Percents(Number(row[3]), Number(row[7]));
    }

    public static Percents FromJson(JsonElement frame, string path, out JsonElement cgroup)
    {
        cgroup = frame.GetProperty("cgroups").EnumerateArray().Single(c => c.GetProperty("path").GetString() == path);
        return new Percents(cgroup.GetProperty("cpu").GetProperty("percentOfEffectiveLimit").GetDouble(),
            cgroup.GetProperty("memory").GetProperty("percentOfEffectiveLimit").GetDouble());
    }

    /// <summary>The dashboard's CPU% ("99% |||||") and MEM% ("12%") cells, as the view-model renders them.</summary>
    public static Percents FromDashboard(CgroupTableModel m, string path, out string coresCell, out string memCell)
    {
        int i = m.IndexOf(path);
        Assert.True(i >= 0, path);
        coresCell = m.Cell(i, CgroupTableModel.CoresColumn);
        memCell = m.Cell(i, CgroupTableModel.MemoryColumn);
        string cpu = m.Cell(i, CgroupTableModel.CpuPercentColumn).Trim().Split(' ')[0];
        return new Percents(Number(cpu), Number(m.Cell(i, CgroupTableModel.MemoryPercentColumn)));
    }

    private static double Number(string cell) => double.Parse(cell.Trim().TrimEnd('%'), CultureInfo.InvariantCulture);

    public static void Same(Percents parent, Percents child, string surface)
    {
        Assert.True(Math.Abs(parent.Cpu - child.Cpu) <= Points, $"{surface}: CPU% parent {parent.Cpu} child {child.Cpu}");
        Assert.True(Math.Abs(parent.Mem - child.Mem) <= Points, $"{surface}: MEM% parent {parent.Mem} child {child.Mem}");
    }

    public static string Text(Frame f)
    {
        var sw = new StringWriter();
        new TextFrameWriter(sw, showProcesses: false).Write(f);
        return sw.ToString();
    }

    public static JsonElement Json(Frame f)
    {
        var sw = new StringWriter();
        new JsonFrameWriter(sw).Write(f);
        return JsonDocument.Parse(sw.ToString()).RootElement.Clone();
    }
}

public class OneMeaningFixtureTests
{
    private static readonly long Second = Stopwatch.Frequency;

    private static CgroupStats Cg(string path, ulong usageNs, long? quota, ulong mem, ulong? memLimit, ulong inactiveFile) =>
        new(path, new CgroupCpu(usageNs, quota, 100_000, 100, 1024, 10, 9, 1_000_000),
            new CgroupMemory(mem, memLimit, null, inactiveFile, null, null, 0, 0, null), new CgroupPids(1, null), null, null, null);

    private static Sample At(double seconds, params CgroupStats[] cgroups) => new()
    {
        Timestamp = (long)(seconds * Second),
        ProcessTimestamp = (long)(seconds * Second),
        Time = DateTimeOffset.UnixEpoch.AddSeconds(seconds),
        Host = new HostSample(default, 2, 8UL << 30, null, new LoadAvg(), new Uptime(1000 + seconds, 0)),
        Scope = new Scope(ScopeKind.Host, 2, 8L << 30),
        Processes = new Dictionary<int, ProcessSample>(),
        Cgroups = cgroups.ToDictionary(c => c.Path),
    };

    [Fact]
    public void AParentsLimitsGiveTheUnlimitedChildTheSamePercentsInTextJsonAndDashboard()
    {
        // /box: 0.5 CPU, 256M. /box/busy: unlimited, does all the work (0.49 cores) and holds the memory: 100M of usage of
        // which 36M is inactive file cache, so a working set of 64M (25% of 256M). The parent's counters include the child's.
        ulong M = 1 << 20;
        var a = At(0, Cg("/", 0, null, 0, null, 0), Cg("/box", 1_000_000_000, 50_000, 101 * M, 256 * M, 36 * M),
            Cg("/box/busy", 900_000_000, null, 100 * M, null, 36 * M));
        var b = At(2, Cg("/", 0, null, 0, null, 0), Cg("/box", 1_990_000_000, 50_000, 101 * M, 256 * M, 36 * M),
            Cg("/box/busy", 1_880_000_000, null, 100 * M, null, 36 * M));
        var f = FrameBuilder.Build(a, b);

        var parent = f.Cgroups.Single(c => c.Path == "/box");
        var child = f.Cgroups.Single(c => c.Path == "/box/busy");
        Assert.Equal(99, parent.CpuPercentOfEffectiveLimit!.Value, 6);
        Assert.Equal(98, child.CpuPercentOfEffectiveLimit!.Value, 6);
        Assert.Equal(25, child.MemoryPercentOfEffectiveLimit!.Value, 6);
        Assert.Equal(MemoryBasis.WorkingSet, child.MemoryBasis);
        Assert.True(child.CpuLimitInherited && child.MemoryLimitInherited);
        Assert.False(parent.CpuLimitInherited || parent.MemoryLimitInherited);
        // The own-limit figures keep their meaning: the child has no limit of its own.
        Assert.Null(child.Cpu.PercentOfLimit);
        Assert.Null(child.Memory.PercentOfLimit);

        var text = OneMeaning.Text(f);
        var tp = OneMeaning.FromText(text, n => n == "/box", out var parentCells);
        var tc = OneMeaning.FromText(text, n => n == "/box/busy", out var childCells);
        OneMeaning.Same(tp, tc, "ctop -b");
        Assert.Equal(["0.50", "256M"], [parentCells[2], parentCells[6]]);
        Assert.Equal(["0.50^", "256M^", "64M"], [childCells[2], childCells[6], childCells[5]]);

        var json = OneMeaning.Json(f);
        var jp = OneMeaning.FromJson(json, "/box", out _);
        var jc = OneMeaning.FromJson(json, "/box/busy", out var jchild);
        OneMeaning.Same(jp, jc, "--json");
        Assert.Equal("workingSet", jchild.GetProperty("memory").GetProperty("basis").GetString());
        Assert.Equal(JsonValueKind.Null, jchild.GetProperty("cpu").GetProperty("percentOfLimit").ValueKind);
        Assert.Equal("/box", jchild.GetProperty("effective").GetProperty("cpuLimitSetBy").GetString());

        var m = new CgroupTableModel();
        m.Update(f.Cgroups);
        var dp = OneMeaning.FromDashboard(m, "/box", out _, out _);
        var dc = OneMeaning.FromDashboard(m, "/box/busy", out var cores, out var mem);
        OneMeaning.Same(dp, dc, "dashboard");
        Assert.Equal("0.49/0.50^", cores);
        Assert.Equal("64M/256M^", mem);

        // Every surface prints the one figure: 98% CPU and 25% memory for the child.
        foreach (var (cpu, memPct) in new[] { (tc.Cpu, tc.Mem), (jc.Cpu, jc.Mem), (dc.Cpu, dc.Mem) })
        {
            Assert.Equal(98, cpu, 0);
            Assert.Equal(25, memPct, 0);
        }
    }
}

/// <summary>The same on the real kernel: ctop-test-* cgroups made here, a busy loop started and killed here.</summary>
[Collection(KernelCollection.Name)]
public sealed class OneMeaningKernelTests : IDisposable
{
    [KernelFact]
    public void AParentsLimitsGiveABusyUnlimitedChildTheSamePercentsInTextJsonAndDashboard()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "50000"); // 0.5 CPU at the default 100 ms period
        cg.Write("memory", "memory.limit_in_bytes", (128L << 20).ToString(CultureInfo.InvariantCulture));
        string child = cg.CreateChild("busy");
        // About 16 MiB of anonymous memory held in a shell variable, then a busy loop: the child's working set is a
        // visible share of the parent's 128M, and its CPU is held at the parent's quota.
        cg.Start("x=$(head -c 16000000 /dev/zero | tr '\\0' a); echo > " + Ready + "; while :; do :; done", "busy");
        var sw = Stopwatch.StartNew();
        while (!File.Exists(Ready) && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(100);
        Assert.True(File.Exists(Ready), "the child did not fill its memory");
        Thread.Sleep(1000);

        // In process: one frame, formatted by the batch text, the JSON and the dashboard's table.
        var sampler = new Sampler(new SamplingOptions());
        var first = sampler.Take();
        Thread.Sleep(2000);
        var f = FrameBuilder.Build(first, sampler.Take());
        var parentView = f.Cgroups.Single(c => c.Path == cg.CgroupPath);
        var childView = f.Cgroups.Single(c => c.Path == child);
        Assert.Equal(0.5, childView.EffectiveCpuLimitCores!.Value, 6);
        Assert.Equal(cg.CgroupPath, childView.Effective.CpuLimitSetBy);
        Assert.Equal(128L << 20, childView.EffectiveMemoryLimitBytes);
        Assert.Null(childView.Cpu.PercentOfLimit); // own limit: none, as before
        Assert.True(childView.MemoryPercentOfEffectiveLimit > 5, $"child MEM% {childView.MemoryPercentOfEffectiveLimit}");
        // Of the parent's 0.5 cores (the loop gets at most that; less when the machine is loaded).
        Assert.Equal(childView.Cpu.UsedCores!.Value / 0.5 * 100, childView.CpuPercentOfEffectiveLimit!.Value, 6);
        Assert.True(childView.Cpu.UsedCores > 0.02, $"the loop ran: {childView.Cpu.UsedCores} cores");

        var text = OneMeaning.Text(f);
        OneMeaning.Same(OneMeaning.FromText(text, n => !n.EndsWith("/busy", StringComparison.Ordinal) && n.Length > 1 && Matches(n, cg.CgroupPath), out _),
            OneMeaning.FromText(text, n => n.EndsWith("/busy", StringComparison.Ordinal) && Matches(n, child), out var childCells), "text");
        Assert.EndsWith("^", childCells[2]);
        Assert.EndsWith("^", childCells[6]);
        var json = OneMeaning.Json(f);
        OneMeaning.Same(OneMeaning.FromJson(json, cg.CgroupPath, out _), OneMeaning.FromJson(json, child, out _), "json");
        var m = new CgroupTableModel();
        m.Update(f.Cgroups);
        var dc = OneMeaning.FromDashboard(m, child, out var coresCell, out _);
        OneMeaning.Same(OneMeaning.FromDashboard(m, cg.CgroupPath, out _, out _), dc, "dashboard");
        Assert.EndsWith("/0.50^", coresCell);
        // One frame, three surfaces: the figures differ only by their rounding.
        Assert.Equal(childView.CpuPercentOfEffectiveLimit!.Value, dc.Cpu, 0);

        // The real binary: ctop -b and ctop -b --json (their own frames), parent and child agreeing in each.
        var r = CtopBinary.Run(["-b", "-n", "3", "-d", "1", "--cgroups-only", "--cgroup", cg.CgroupPath]);
        Assert.True(r.Code == 0, r.Stderr);
        var bp = OneMeaning.FromText(r.Text, n => !n.EndsWith("/busy", StringComparison.Ordinal), out _);
        var bc = OneMeaning.FromText(r.Text, n => n.EndsWith("/busy", StringComparison.Ordinal), out var bcells);
        OneMeaning.Same(bp, bc, "ctop -b");
        Assert.Equal("0.50^", bcells[2]);
        // %LIM is CORES of the effective 0.50 (to the text's rounding).
        Assert.InRange(bc.Cpu, double.Parse(bcells[1], CultureInfo.InvariantCulture) * 200 - 2, double.Parse(bcells[1], CultureInfo.InvariantCulture) * 200 + 2);
        Assert.True(bc.Mem > 5, $"ctop -b child %MEM {bc.Mem}");

        var j = CtopBinary.Run(["-b", "--json", "-n", "3", "-d", "1", "--cgroups-only", "--cgroup", cg.CgroupPath]);
        Assert.True(j.Code == 0, j.Stderr);
        var last = JsonDocument.Parse(j.Text.TrimEnd('\n').Split('\n')[^1]).RootElement;
        var jp = OneMeaning.FromJson(last, cg.CgroupPath, out _);
        var jc = OneMeaning.FromJson(last, child, out var jchild);
        OneMeaning.Same(jp, jc, "ctop -b --json");
        // usedCores has 4 decimals (±0.01 once × 200), the percent 2: rounding both to whole numbers failed when they
        // fell either side of a .5.
        double ofCores = jchild.GetProperty("cpu").GetProperty("usedCores").GetDouble() * 200;
        Assert.InRange(jc.Cpu, ofCores - 0.05, ofCores + 0.05);
        Assert.True(jc.Mem > 5, $"--json child MEM% {jc.Mem}");
        Assert.Equal(JsonValueKind.Null, jchild.GetProperty("cpu").GetProperty("percentOfLimit").ValueKind);
        Assert.Equal("workingSet", jchild.GetProperty("memory").GetProperty("basis").GetString());
    }

    private readonly string Ready = Path.Combine(Path.GetTempPath(), $"ctop-test-ready-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(Ready);

    /// <summary>A NAME cell is the path, or its end after "..." when it was cut to fit.</summary>
    private static bool Matches(string name, string path) =>
        name == path || (name.StartsWith("...", StringComparison.Ordinal) && path.EndsWith(name[3..], StringComparison.Ordinal));
}
