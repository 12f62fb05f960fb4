using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// A first sample with many processes reads their facts (status, cmdline) on two cores: every process still gets its
/// own user and command, kernel threads their bracketed name, and one whose status is gone the unknown user.
/// </summary>
public class SamplerFactsTests
{
    [Fact]
    public void Facts_read_in_two_halves_belong_to_their_processes()
    {
        const int count = Sampler.ParallelFactsFrom * 2 + 7;
        var procs = Enumerable.Range(0, count).Select(i => (Pid: 2000 + i, Comm: $"p{i}", UTime: 1UL, STime: 0UL)).ToArray();
        using var t = HostFixtures.HybridHost().WithProc(procs);
        foreach (var (pid, comm, _, _) in procs)
        {
            int i = pid - 2000;
            if (i % 5 == 0) t.Write($"proc/{pid}/cmdline", ""); // a kernel thread
            else t.Write($"proc/{pid}/cmdline", $"/bin/{comm}\0--n\0{i}\0");
            if (i % 7 == 0) File.Delete(Path.Combine(t.ProcRoot(), pid.ToString(), "status"));
            else t.Write($"proc/{pid}/status", $"Name:\t{comm}\nUid:\t{(i % 2 == 0 ? 0 : 4_000_000 + i)}\t0\t0\t0\nThreads:\t1\n");
        }
        using var sampler = new Sampler(new SamplingOptions { ProcRoot = t.ProcRoot(), CgroupRoot = t.CgroupRoot() });

        var sample = sampler.Take();

        Assert.Equal(count, sample.Processes.Count);
        foreach (var (pid, comm, _, _) in procs)
        {
            int i = pid - 2000;
            var info = sample.Processes[pid].Info;
            Assert.Equal(i % 5 == 0 ? $"[{comm}]" : $"/bin/{comm} --n {i}", info.Command);
            Assert.Equal(i % 7 == 0 ? "?" : i % 2 == 0 ? "root" : (4_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), info.User);
        }
    }
}
