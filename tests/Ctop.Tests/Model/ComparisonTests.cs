using System.Diagnostics;
using System.Globalization;
using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// ctop's numbers against the tools people already trust, on the same steady workload: a busy loop held at 0.3 CPU by a
/// quota. systemd-cgtop's cgroup %CPU (Δusage / Δwall, 100% = one CPU) must match ctop's cores × 100, and top's process
/// %CPU must match ctop's, each within 2 percentage points.
/// </summary>
[Collection(KernelCollection.Name)]
public class ComparisonTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [KernelFact]
    public void CgroupCpuAgreesWithSystemdCgtopAndProcessCpuWithTop()
    {
        using var cg = new RealCgroup("cpu", "cpuacct");
        cg.Write("cpu", "cpu.cfs_quota_us", "30000");
        var loop = cg.StartBusyLoop();
        Thread.Sleep(500);

        var cgtop = Run("systemd-cgtop", "-b", "-n", "4", "-d", "1s", "-r", "--depth=5");
        var top = Run("top", "-b", "-n", "4", "-d", "1", "-p", loop.Id.ToString(CultureInfo.InvariantCulture));
        // Both tools print at 0, 1, 2, 3 s; their three rates cover the same 3 s as ctop's one window.
        var sampler = new Sampler(new SamplingOptions());
        var a = sampler.Take();
        Thread.Sleep(3000);
        var frame = FrameBuilder.Build(a, sampler.Take());
        var cgtopOut = Finish(cgtop);
        var topOut = Finish(top);

        double ctopCgroup = frame.Cgroups.Single(c => c.Path == cg.CgroupPath).Cpu.UsedCores!.Value * 100;
        double ctopProcess = frame.Processes.Single(p => p.Pid == loop.Id).CpuPercent;

        // systemd-cgtop -r: "PATH TASKS %CPU MEMORY IN/s OUT/s"; the first iteration has no rate yet.
        var cgtopRows = cgtopOut.Split('\n').Where(l => l.StartsWith(cg.CgroupPath + " ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]).Where(v => v != "-").ToList();
        Assert.True(cgtopRows.Count >= 2, "systemd-cgtop printed no rate for the cgroup:\n" + cgtopOut);
        double cgtopCpu = cgtopRows.Average(v => double.Parse(v, CultureInfo.InvariantCulture));

        // top -b: "PID USER PR NI VIRT RES SHR S %CPU ...".
        // The first iteration is the average since the process started: leave it out.
        var topRows = topOut.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 8 && f[0] == loop.Id.ToString(CultureInfo.InvariantCulture)).Skip(1).ToList();
        Assert.True(topRows.Count >= 2, "top printed no row for the process:\n" + topOut);
        double topCpu = topRows.Average(f => double.Parse(f[8], CultureInfo.InvariantCulture));

        output.WriteLine($"cgroup %CPU: ctop {ctopCgroup:F1}, systemd-cgtop {cgtopCpu:F1}; process %CPU: ctop {ctopProcess:F1}, top {topCpu:F1}");
        Assert.True(Math.Abs(ctopCgroup - cgtopCpu) <= 2, $"ctop {ctopCgroup:F1}% vs systemd-cgtop {cgtopCpu:F1}%");
        Assert.True(Math.Abs(ctopProcess - topCpu) <= 2, $"ctop {ctopProcess:F1}% vs top {topCpu:F1}%");
    }

    private static Process Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        return Process.Start(psi)!;
    }

    private static string Finish(Process p)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(20_000)) { p.Kill(); throw new TimeoutException(p.StartInfo.FileName + " did not finish"); }
        var text = output.Result;
        p.Dispose();
        return text;
    }
}
