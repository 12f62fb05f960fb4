using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// The sampler takes over a process's stat from the last sample while its cgroup's CPU counter does not move, and still
/// sees what can change without CPU time within the bound (<see cref="Sampler.QuietRereadSamples"/>), new processes at
/// once, and a reused PID at once. Fixture host: a counter moves only when the test writes it.
/// </summary>
public class QuietCgroupFixtureTests
{
    private const int Pid = 1000;
    private const string Box = "/ctop/box";

    private static string Stat(int pid, ulong utime, ulong rssPages, ulong start = 5000) =>
        $"{pid} (worker) S 1 {pid} {pid} 0 -1 4194304 100 0 0 0 {utime} 0 0 0 20 0 1 0 {start} 10000000 {rssPages} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    private static TempTree Host()
    {
        var t = HostFixtures.HybridHost().WithProc((Pid, "worker", 10, 0), (Pid + 1, "other", 10, 0));
        t.Write($"proc/{Pid}/stat", Stat(Pid, 10, 256));
        foreach (int pid in new[] { Pid, Pid + 1 })
            t.Write($"proc/{pid}/cgroup", "9:name=systemd:/\n8:pids:" + Box + "\n4:memory:" + Box + "\n2:cpuacct:" + Box + "\n1:cpu:" + Box + "\n0::" + Box + "\n");
        t.Write("sys/fs/cgroup/cpu" + Box + "/cgroup.procs", $"{Pid}\n{Pid + 1}\n");
        t.Write("sys/fs/cgroup/cpuacct" + Box + "/cgroup.procs", $"{Pid}\n{Pid + 1}\n");
        return t;
    }

    private static Sampler SamplerOf(TempTree t) =>
        new(new SamplingOptions { ProcRoot = t.ProcRoot(), CgroupRoot = t.CgroupRoot() }) { ReusedPids = new HashSet<int>() };

    private static void MoveCounter(TempTree t, ulong ns) => t.Write("sys/fs/cgroup/cpuacct" + Box + "/cpuacct.usage", ns + "\n");

    [Fact]
    public void A_process_in_a_quiet_cgroup_is_not_reread_and_one_whose_counter_moved_is()
    {
        using var t = Host();
        using var sampler = SamplerOf(t);
        sampler.Take();
        // The stat changes but the counter does not (a fixture can do what the kernel cannot): the old value shows.
        t.Write($"proc/{Pid}/stat", Stat(Pid, 50, 256));
        var quiet = TakeUntilReused(sampler, Pid);
        Assert.Equal(10UL, quiet.Processes[Pid].CpuTicks);
        // The counter moves: the very next sample reads the process again.
        MoveCounter(t, 2_000_000_000);
        sampler.ReusedPids!.Clear();
        var moved = sampler.Take();
        Assert.DoesNotContain(Pid, sampler.ReusedPids);
        Assert.Equal(50UL, moved.Processes[Pid].CpuTicks);
    }

    [Fact]
    public void What_changes_without_cpu_time_shows_within_the_bound()
    {
        using var t = Host();
        using var sampler = SamplerOf(t);
        sampler.Take();
        t.Write($"proc/{Pid}/stat", Stat(Pid, 10, 25600)); // RSS given back or grown without the counter moving
        long expected = 25600L * ProcFs.Proc.SystemConf.PageSize;
        int samples = 0;
        Sample s;
        do
        {
            s = sampler.Take();
            samples++;
        } while (s.Processes[Pid].RssBytes != expected && samples <= Sampler.QuietRereadSamples);
        Assert.Equal(expected, s.Processes[Pid].RssBytes);
        Assert.InRange(samples, 1, Sampler.QuietRereadSamples);
    }

    [Fact]
    public void A_reused_pid_and_a_new_process_are_read_at_once_and_an_exit_is_dropped()
    {
        using var t = Host();
        using var sampler = SamplerOf(t);
        sampler.Take();
        TakeUntilReused(sampler, Pid);
        // The process exits and a new one takes its PID; the counter stays (the fixture's cannot move by itself). The
        // old directory is kept aside so that the new one cannot get its inode number.
        Directory.Move(t.Path($"proc/{Pid}"), t.Path($"old-{Pid}"));
        t.Write($"proc/{Pid}/stat", Stat(Pid, 3, 100, start: 9000));
        t.Write($"proc/{Pid}/status", $"Name:\tnewcomer\nUid:\t0\t0\t0\t0\n");
        t.Write($"proc/{Pid}/cmdline", "newcomer\0");
        t.Write($"proc/{Pid}/cgroup", "1:cpu:" + Box + "\n2:cpuacct:" + Box + "\n");
        t.Write($"proc/{Pid + 2}/stat", Stat(Pid + 2, 7, 100, start: 9001));
        t.Write($"proc/{Pid + 2}/cgroup", "1:cpu:" + Box + "\n2:cpuacct:" + Box + "\n");
        Directory.Delete(t.Path($"proc/{Pid + 1}"), recursive: true);
        sampler.ReusedPids!.Clear();

        var s = sampler.Take();
        Assert.DoesNotContain(Pid, sampler.ReusedPids);
        Assert.Equal(9000UL, s.Processes[Pid].StartTime);
        Assert.Equal(3UL, s.Processes[Pid].CpuTicks);
        Assert.Equal("newcomer", s.Processes[Pid].Info.Command);
        Assert.Equal(7UL, s.Processes[Pid + 2].CpuTicks);
        Assert.False(s.Processes.ContainsKey(Pid + 1));
    }

    /// <summary>Samples until the process's stat was taken over (the round-robin re-read may come first).</summary>
    private static Sample TakeUntilReused(Sampler sampler, int pid)
    {
        for (int i = 0; i < 3; i++)
        {
            sampler.ReusedPids!.Clear();
            var s = sampler.Take();
            if (sampler.ReusedPids.Contains(pid)) return s;
        }
        throw new Xunit.Sdk.XunitException($"PID {pid} in a quiet cgroup was read in 3 samples in a row");
    }
}
