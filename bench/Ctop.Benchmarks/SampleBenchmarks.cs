using BenchmarkDotNet.Attributes;
using Ctop.Model;
using Ctop.Output;
using Ctop.Pipeline;
using Ctop.Ui;

namespace Ctop.Benchmarks;

/// <summary>
/// One refresh, piece by piece, on this host's real /proc and cgroup tree (run it beside bench/workload.c for a busy host):
/// a full sample as the batch mode and the dashboard take it (steady state: the sampler's caches are warm), its cgroup
/// and process halves, the frame of rates from two samples, the dashboard's two table models and the batch text writer.
/// Allocated bytes per sample should grow with the number of processes and cgroups only by the result objects.
/// </summary>
[MemoryDiagnoser]
public class SampleBenchmarks
{
    private Sampler _full = null!, _everyStat = null!, _cgroupsOnly = null!, _processesOnly = null!, _schedstat = null!;
    private Sample _a = null!, _b = null!;
    private Frame _frame = null!;
    private readonly CgroupTableModel _cgroupTable = new();
    private readonly ProcessTableModel _processTable = new();
    private readonly TextFrameWriter _text = new(TextWriter.Null);

    [GlobalSetup]
    public void Setup()
    {
        _full = new Sampler(new SamplingOptions());
        _everyStat = new Sampler(new SamplingOptions { SkipsQuietProcesses = false });
        _cgroupsOnly = new Sampler(new SamplingOptions { Processes = false });
        _processesOnly = new Sampler(new SamplingOptions { Cgroups = false });
        _schedstat = new Sampler(new SamplingOptions { Schedstat = true });
        _a = _full.Take();
        Thread.Sleep(200);
        _b = _full.Take();
        _frame = FrameBuilder.Build(_a, _b);
        foreach (var s in new[] { _everyStat, _cgroupsOnly, _processesOnly, _schedstat }) s.Take();
        Console.WriteLine($"// host: {_b.Processes.Count} processes, {_b.Cgroups.Count} cgroups");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in new[] { _full, _everyStat, _cgroupsOnly, _processesOnly, _schedstat }) s.Dispose();
    }

    /// <summary>What every refresh of ctop -b reads: host counters, every cgroup, every process.</summary>
    [Benchmark]
    public int Sample() => Count(_full.Take());

    /// <summary>As <see cref="Sample"/>, but every process's stat is read even where its cgroup's CPU counter stood still.</summary>
    [Benchmark]
    public int SampleEveryStat() => Count(_everyStat.Take());

    [Benchmark]
    public int SampleCgroupsOnly() => Count(_cgroupsOnly.Take());

    [Benchmark]
    public int SampleProcessesOnly() => Count(_processesOnly.Take());

    /// <summary>A first sample, as at start-up: every process's user, command line and cgroup are read too.</summary>
    [Benchmark]
    public int FirstSample()
    {
        using var sampler = new Sampler(new SamplingOptions());
        return Count(sampler.Take());
    }

    /// <summary>With every thread's run-queue wait, as the noisy-neighbours view and ctop diagnose sample.</summary>
    [Benchmark]
    public int SampleWithSchedstat() => Count(_schedstat.Take());

    /// <summary>Two samples into a frame of rates: deltas, effective limits, container names.</summary>
    [Benchmark]
    public int BuildFrame() => FrameBuilder.Build(_a, _b).Processes.Count;

    /// <summary>The dashboard's cgroup table: rows, attention markers, sort.</summary>
    [Benchmark]
    public int CgroupTable()
    {
        _cgroupTable.Update(_frame.Cgroups);
        return _cgroupTable.Rows.Count;
    }

    /// <summary>The dashboard's process table (all processes, by CPU%).</summary>
    [Benchmark]
    public int ProcessTable()
    {
        _processTable.Update(_frame.Processes);
        return _processTable.Rows.Count;
    }

    /// <summary>One frame of ctop -b text.</summary>
    [Benchmark]
    public int TextFrame()
    {
        _text.Write(_frame);
        return _frame.Cgroups.Count;
    }

    private static int Count(Sample s) => s.Processes.Count + s.Cgroups.Count;
}
