using System.Globalization;
using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// Skipping the stat of processes in quiet cgroups, against the real kernel (ctop-test-* cgroups, processes this test
/// starts): a process that starts to spin after samples that took its stat over shows the CPU the kernel counted on the
/// next sample, a process that grows shows its RSS, and one that exits is gone.
/// </summary>
[Collection(KernelCollection.Name)]
public class QuietCgroupKernelTests
{
    private static (ulong Ticks, long RssPages) KernelStat(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // After the comm: state is field 3, utime 14, stime 15, rss 24 (1-based in proc(5)); f[0] is field 3.
        return (ulong.Parse(f[11], CultureInfo.InvariantCulture) + ulong.Parse(f[12], CultureInfo.InvariantCulture),
            long.Parse(f[21], CultureInfo.InvariantCulture));
    }

    private static Sampler NewSampler() => new(new SamplingOptions()) { ReusedPids = new HashSet<int>() };

    /// <summary>Samples 0.2 s apart until the process's stat was taken over from the sample before.</summary>
    private static Sample TakeUntilReused(Sampler sampler, int pid)
    {
        for (int i = 0; i < 4; i++)
        {
            Thread.Sleep(200);
            sampler.ReusedPids!.Clear();
            var s = sampler.Take();
            if (sampler.ReusedPids.Contains(pid)) return s;
        }
        throw new Xunit.Sdk.XunitException($"PID {pid}, asleep in its own cgroup, was read in 4 samples in a row");
    }

    [KernelFact]
    public void A_process_that_starts_to_spin_in_a_quiet_cgroup_shows_the_kernels_cpu_on_the_next_sample()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        var p = cg.Start("read _spin; while :; do :; done");
        Thread.Sleep(300);
        using var sampler = NewSampler();
        sampler.Take();
        var quiet = TakeUntilReused(sampler, p.Id);

        p.StandardInput.WriteLine("spin");
        p.StandardInput.Flush();
        Thread.Sleep(1000);
        sampler.ReusedPids!.Clear();
        var before = KernelStat(p.Id);
        var busy = sampler.Take();
        var after = KernelStat(p.Id);

        Assert.DoesNotContain(p.Id, sampler.ReusedPids);
        var mine = busy.Processes[p.Id];
        // What ctop read is what the kernel counted at that moment: between a read just before its sample and one after.
        Assert.InRange(mine.CpuTicks, before.Ticks, after.Ticks);
        var frame = FrameBuilder.Build(quiet, busy);
        var proc = Assert.Single(frame.Processes, x => x.Pid == p.Id);
        var row = Assert.Single(frame.Cgroups, c => c.Path == cg.CgroupPath);
        // The process is the cgroup's only task: its %CPU is the cgroup's (cpuacct) within rounding and timing.
        Assert.True(proc.CpuPercent > 10, $"{proc.CpuPercent}% CPU after a second of spinning");
        Assert.InRange(proc.CpuPercent, row.Cpu.UsedCores!.Value * 100 - 5, row.Cpu.UsedCores!.Value * 100 + 5);
    }

    [KernelFact]
    public void Rss_growth_shows_within_the_bound_and_an_exit_is_dropped()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        // 64 MiB written (not just reserved), so it is resident.
        var p = cg.Start("read _grow; x=$(head -c 67108864 /dev/zero | tr '\\0' a); read _end");
        Thread.Sleep(300);
        using var sampler = NewSampler();
        sampler.Take();
        var before = TakeUntilReused(sampler, p.Id).Processes[p.Id].RssBytes;

        p.StandardInput.WriteLine("grow");
        p.StandardInput.Flush();
        long pageSize = ProcFs.Proc.SystemConf.PageSize;
        // The kernel's count first (the shell takes its time on a loaded machine), then ctop's within the bound.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (KernelStat(p.Id).RssPages * pageSize - before < 64L << 20 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        long kernel = KernelStat(p.Id).RssPages * pageSize;
        Assert.True(kernel - before >= 64L << 20, $"the shell grew to {kernel >> 20} MiB only");
        // The shell still reallocates its string for a moment after it passes 64 MiB: compare once its RSS stands still.
        for (long last = -1; kernel != last && DateTime.UtcNow < deadline; kernel = KernelStat(p.Id).RssPages * pageSize)
        {
            last = kernel;
            Thread.Sleep(300);
        }
        int samples = 0;
        long seen;
        do
        {
            Thread.Sleep(200);
            seen = sampler.Take().Processes[p.Id].RssBytes;
            kernel = KernelStat(p.Id).RssPages * pageSize;
            samples++;
        } while (Math.Abs(seen - kernel) > 1 << 20 && samples < Sampler.QuietRereadSamples);
        Assert.True(Math.Abs(seen - kernel) <= 1 << 20, $"RSS {seen >> 20} MiB after {samples} samples, the kernel's {kernel >> 20} MiB");

        p.Kill();
        p.WaitForExit(5000);
        Assert.False(sampler.Take().Processes.ContainsKey(p.Id));
    }
}
