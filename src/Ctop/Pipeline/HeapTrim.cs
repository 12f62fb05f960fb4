using System.Runtime.InteropServices;
using Ctop.Posix;

namespace Ctop.Pipeline;

/// <summary>
/// Gives back, between samples, memory a long-running top holds but does not use (docs/performance.md, "Resident
/// memory"). Two parts, each on its own count of samples, run on the sampling thread after a sample was consumed (the
/// frame written, the record appended), when the least is alive:
/// <list type="bullet">
/// <item>The GC's free space: with regions, memory once allocated into stays committed and resident after the objects
/// in it died (the GC keeps 35-40 MB committed for a live heap of 11-16 MB). An aggressive collection compacts and
/// decommits what is free; with a live set of a few MB it costs a few ms.</item>
/// <item>The executable's read-only pages (code, read-only data): ~14 MB are resident after the start, most of them
/// touched once (start-up, option parsing, the first sample's paths). madvise(MADV_DONTNEED) drops them from the
/// process's page tables (they stay in the page cache); the pages in use fault back in from it.</item>
/// </list>
/// </summary>
public sealed class HeapTrim
{
    private readonly int _collectEvery, _codeEvery, _firstCode;
    private readonly Action _collect, _trimCode;
    private long _samples;

    internal HeapTrim(int collectEvery, int codeEvery, int firstCode, Action collect, Action trimCode)
    {
        _collectEvery = collectEvery;
        _codeEvery = codeEvery;
        _firstCode = firstCode;
        _collect = collect;
        _trimCode = trimCode;
    }

    /// <summary>
    /// The trim of a live sampler: the GC's free space every 4 samples (not in the first frame's two samples:
    /// `ctop -b -n 1` exits after them), the executable's pages after the third sample (the start-up is over) and every
    /// 60 samples after (what an overlay or a rare path touched since). Every sample cost ~7% more CPU in `ctop -b` at
    /// ~4,100 processes for 2-4 MB less RSS than every 4, which cost no measurable CPU (its collections stand in for
    /// gen0 ones).
    /// </summary>
    public static HeapTrim Create() => new(collectEvery: 4, codeEvery: 60, firstCode: 3, Collect, TrimCode);

    /// <summary>Called after each sample was consumed.</summary>
    public void AfterSample()
    {
        _samples++;
        if (_collectEvery > 0 && _samples > 2 && _samples % _collectEvery == 0) _collect();
        if (_codeEvery > 0 && (_samples == _firstCode || _samples % _codeEvery == 0)) _trimCode();
    }

    /// <summary>
    /// Aggressive: compacts and decommits the free regions and the ends of regions, which a forced or gen1 collection
    /// leaves committed (and resident). Measured at ~4,100 processes: 23-28 MB RSS against 34 (forced) and 40 (gen1).
    /// </summary>
    private static void Collect() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// Drops the resident pages of the executable's segments that are never written (no PF_W: code and read-only data,
    /// not the RELRO part of the writable segment), found from the program headers the loader mapped (getauxval).
    /// </summary>
    internal static void TrimCode()
    {
        foreach (var (start, length) in ReadOnlySegments())
            Native.Madvise(start, length, Native.MADV_DONTNEED);
    }

    /// <summary>The executable's loaded segments that are never written, page-aligned inwards.</summary>
    internal static unsafe List<(nint Start, nuint Length)> ReadOnlySegments()
    {
        const uint PT_LOAD = 1, PT_PHDR = 6, PF_W = 2;
        var result = new List<(nint, nuint)>();
        var phdrs = (Elf64Phdr*)Native.GetAuxVal(Native.AT_PHDR);
        int count = (int)Native.GetAuxVal(Native.AT_PHNUM);
        if (phdrs is null || count <= 0 || sizeof(nint) != 8) return result;
        // A PIE is loaded at a base: the PT_PHDR entry says where the headers are in the file's addresses.
        nuint loadBias = 0;
        for (int i = 0; i < count; i++)
            if (phdrs[i].Type == PT_PHDR) loadBias = (nuint)phdrs - (nuint)phdrs[i].VAddr;
        nuint page = (nuint)Environment.SystemPageSize;
        for (int i = 0; i < count; i++)
        {
            ref var p = ref phdrs[i];
            if (p.Type != PT_LOAD || (p.Flags & PF_W) != 0) continue;
            nuint start = (loadBias + (nuint)p.VAddr + page - 1) & ~(page - 1);
            nuint end = (loadBias + (nuint)p.VAddr + (nuint)p.MemSz) & ~(page - 1);
            if (end > start) result.Add(((nint)start, end - start));
        }
        return result;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Elf64Phdr
    {
        public uint Type, Flags;
        public ulong Offset, VAddr, PAddr, FileSz, MemSz, Align;
    }

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
