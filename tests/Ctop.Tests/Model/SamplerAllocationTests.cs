using Ctop.Model;
using Ctop.Pipeline;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Model;

/// <summary>
/// A steady-state sample allocates, per process, only its result: the entry of the sample's process table. Reading
/// and parsing the files (stat, the cached facts) allocates nothing per process.
/// </summary>
public class SamplerAllocationTests
{
    // Dictionary<int, ProcessSample>: an 80-byte entry and a 4-byte bucket, times the growth to the next prime (1,103
    // slots for 1,001 processes): 93 bytes. Measured: 110. A string per process (30 bytes or more) would cross the line.
    private const double ResultBytesPerProcess = 120;

    private static long BytesPerSample(int processes)
    {
        using var t = HostFixtures.HybridHost()
            .WithProc(Enumerable.Range(1000, processes).Select(pid => (pid, "worker-" + pid % 7, (ulong)pid, 5UL)).ToArray());
        using var sampler = new Sampler(new SamplingOptions { ProcRoot = t.ProcRoot(), CgroupRoot = t.CgroupRoot() });
        Assert.Equal(processes, sampler.Take().Processes.Count);
        sampler.Take();
        const int Samples = 5;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Samples; i++) sampler.Take();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Samples;
    }

    [Fact]
    public void Bytes_per_sample_grow_with_the_processes_only_by_their_results()
    {
        long few = BytesPerSample(100), many = BytesPerSample(1000);
        double perProcess = (many - few) / 900.0;
        Assert.True(perProcess <= ResultBytesPerProcess,
            $"{few} bytes per sample with 100 processes, {many} with 1000: {perProcess:0} bytes per process");
    }
}
