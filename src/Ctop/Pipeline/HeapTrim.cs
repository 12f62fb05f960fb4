namespace Ctop.Pipeline;

/// <summary>
/// Gives back, between samples, memory a long-running top holds but does not use (docs/performance.md, "Resident
/// memory"): with regions, memory once allocated into stays committed and resident after the objects in it died (the
/// GC kept 35-40 MB committed for a live heap of 11-16 MB). An aggressive collection compacts and decommits what is
/// free; with a live set of a few MB it costs a few ms. It runs on the sampling thread after a sample was consumed
/// (the frame written, the record appended), when the least is alive.
/// (Dropping the executable's read-only pages with madvise(MADV_DONTNEED) was tried and removed: it also discards
/// pages the runtime wrote after start-up, such as the stack-cookie value, and a thread that slept across it failed
/// fast on return.)
/// </summary>
public sealed class HeapTrim
{
    private readonly int _collectEvery;
    private readonly Action _collect;
    private readonly long _minAllocated;
    private readonly Func<long> _allocated;
    private long _samples, _allocatedAtLast;

    /// <param name="minAllocated">A due collection waits until this many bytes were allocated since the last one.</param>
    /// <param name="allocated">Bytes allocated by the process so far (tests pass a counter of their own).</param>
    internal HeapTrim(int collectEvery, Action collect, long minAllocated = 0, Func<long>? allocated = null)
    {
        _collectEvery = collectEvery;
        _collect = collect;
        _minAllocated = minAllocated;
        _allocated = allocated ?? (() => GC.GetTotalAllocatedBytes(precise: false));
    }

    /// <summary>
    /// The trim of a live sampler: every 4 samples, not in the first frame's two samples (`ctop -b -n 1` exits after
    /// them). Every sample cost ~7% more CPU in `ctop -b` at ~4,100 processes for 2-4 MB less RSS than every 4, which
    /// cost no measurable CPU (its collections stand in for gen0 ones). A due collection waits until 2 MiB were
    /// allocated since the last one: a busy host allocates that within 4 samples, so nothing changes there, but a quiet
    /// one allocates a few hundred KB a sample, and there the compaction and the re-committing of the pages it gave back
    /// (fresh pages faulted in and zeroed) were a good part of the dashboard's cost for nothing to give back. 8 MiB
    /// saved as much on a quiet host but cost the dashboard at 2,000 processes 4 MB of RSS (collections every 8 samples).
    /// </summary>
    public static HeapTrim Create() => new(collectEvery: 4, Collect, minAllocated: 2 << 20);

    /// <summary>
    /// The recorder's: every 4 samples once 1 MiB was allocated. It runs for days, so its heap is kept near its floor
    /// (its RSS target is 30 MB; with the dashboard's 2 MiB it stood at 30.3 at 2,000 processes), but at a few hundred
    /// processes a collection every 4 samples was a tenth of its CPU for nothing to give back.
    /// </summary>
    public static HeapTrim CreateForRecorder() => new(collectEvery: 4, Collect, minAllocated: 1 << 20);

    /// <summary>Called after each sample was consumed.</summary>
    public void AfterSample()
    {
        _samples++;
        if (_collectEvery <= 0 || _samples <= 2 || _samples % _collectEvery != 0) return;
        if (_minAllocated > 0)
        {
            long now = _allocated();
            if (now - _allocatedAtLast < _minAllocated) return;
            _allocatedAtLast = now;
        }
        _collect();
    }

    /// <summary>
    /// Aggressive: compacts and decommits the free regions and the ends of regions, which a forced or gen1 collection
    /// leaves committed (and resident). Measured at ~4,100 processes: 23-28 MB RSS against 34 (forced) and 40 (gen1).
    /// </summary>
    private static void Collect() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// CTOP_DEBUG_GC=FILE: at exit, the GC's view of the heap, to find where the memory goes (the NativeAOT build has
    /// no dotnet-counters or gcdump). The process's own totals are in /proc/PID/smaps_rollup.
    /// </summary>
    public static void Report()
    {
        if (Environment.GetEnvironmentVariable("CTOP_DEBUG_GC") is not { Length: > 0 } path) return;
        var info = GC.GetGCMemoryInfo();
        var sb = new System.Text.StringBuilder();
        sb.Append($"heap {info.HeapSizeBytes / 1024} KiB, committed {info.TotalCommittedBytes / 1024} KiB, fragmented {info.FragmentedBytes / 1024} KiB, ");
        sb.Append($"live {GC.GetTotalMemory(false) / 1024} KiB, allocated {GC.GetTotalAllocatedBytes() / 1024} KiB, ");
        sb.Append($"gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, ");
        sb.Append($"paused {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms\n");
        string[] gens = ["gen0", "gen1", "gen2", "loh", "poh"];
        for (int g = 0; g < info.GenerationInfo.Length && g < gens.Length; g++)
            sb.Append($"{gens[g]}: before {info.GenerationInfo[g].SizeBeforeBytes / 1024} KiB, after {info.GenerationInfo[g].SizeAfterBytes / 1024} KiB\n");
        File.WriteAllText(path, sb.ToString());
    }
}
