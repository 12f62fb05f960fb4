using ProcFs.Cgroups;
using static ProcFs.Tests.Cgroups.Files.CgroupFixture;

namespace ProcFs.Tests.Cgroups.Files;

public class MemoryStatTests
{
    // v2, as printed by a 6.x kernel (abridged in the middle, order kept).
    internal const string V2 = """
        anon 1662976
        file 4096000
        kernel 2072576
        kernel_stack 65536
        pagetables 217088
        sec_pagetables 0
        percpu 1088
        sock 0
        vmalloc 0
        shmem 8192
        zswap 0
        zswapped 0
        file_mapped 2564096
        file_dirty 4096
        file_writeback 0
        swapcached 0
        anon_thp 0
        file_thp 0
        shmem_thp 0
        inactive_anon 1634304
        active_anon 28672
        inactive_file 2002944
        active_file 2093056
        unevictable 0
        slab_reclaimable 1230504
        slab_unreclaimable 451040
        slab 1681544
        workingset_refault_anon 0
        workingset_refault_file 7
        workingset_activate_anon 0
        workingset_nodereclaim 0
        pgscan 0
        pgsteal 0
        pgfault 2840
        pgmajfault 36
        thp_fault_alloc 0

        """;

    // v1, observed on the 6.18 hybrid test host (root memory cgroup).
    internal const string V1 = """
        cache 9981952
        rss 3227648
        rss_huge 0
        shmem 9166848
        mapped_file 7065600
        dirty 24576
        writeback 0
        workingset_refault_anon 0
        workingset_refault_file 76
        swap 0
        swapcached 0
        pgpgin 17314
        pgpgout 14127
        pgfault 14837
        pgmajfault 0
        inactive_anon 0
        active_anon 1531904
        inactive_file 200704
        active_file 614400
        unevictable 10862592
        hierarchical_memory_limit 9223372036854771712
        hierarchical_memsw_limit 9223372036854771712
        total_cache 378732544
        total_rss 8355840
        total_rss_huge 0
        total_shmem 9166848
        total_mapped_file 10387456
        total_dirty 159744
        total_writeback 0
        total_workingset_refault_anon 0
        total_workingset_refault_file 66897
        total_swap 0
        total_swapcached 0
        total_pgpgin 1146946
        total_pgpgout 1073929
        total_pgfault 1391626
        total_pgmajfault 710
        total_inactive_anon 4997120
        total_active_anon 1564672
        total_inactive_file 178778112
        total_active_file 190787584
        total_unevictable 10862592

        """;

    [Fact]
    public void V2_typed_accessors()
    {
        using var f = new CgroupFixture();
        f.Write("memory.stat", V2);
        var s = f.Reader.ReadMemoryStat(f.Dir)!;
        Assert.Equal(1662976UL, s.AnonBytes);
        Assert.Equal(4096000UL, s.FileBytes);
        Assert.Equal(2072576UL, s.KernelBytes);
        Assert.Equal(65536UL, s.KernelStackBytes);
        Assert.Equal(8192UL, s.ShmemBytes);
        Assert.Equal(2564096UL, s.FileMappedBytes);
        Assert.Equal(4096UL, s.FileDirtyBytes);
        Assert.Equal(1634304UL, s.InactiveAnonBytes);
        Assert.Equal(28672UL, s.ActiveAnonBytes);
        Assert.Equal(2093056UL, s.ActiveFileBytes);
        Assert.Equal(1230504UL, s.SlabReclaimableBytes);
        Assert.Equal(451040UL, s.SlabUnreclaimableBytes);
        Assert.Equal(1681544UL, s.SlabBytes);
        Assert.Equal(2840UL, s.Pgfault);
        Assert.Equal(36UL, s.Pgmajfault);
        Assert.Equal(7UL, s.WorkingsetRefaultFile);
        Assert.Equal(2002944UL, s.InactiveFileBytes(CgroupVersion.V2));
        // v1-only keys are absent, not zero.
        Assert.Null(s.CacheBytes);
        Assert.Null(s.TotalInactiveFileBytes);
        Assert.Null(s.InactiveFileBytes(CgroupVersion.V1));
        Assert.True(s.HierarchicalMemoryLimitBytes.IsMissing);
    }

    [Fact]
    public void V1_typed_accessors_and_unlimited_hierarchical_limits()
    {
        using var f = new CgroupFixture();
        f.Write("memory.stat", V1);
        var s = f.Reader.ReadMemoryStat(f.Dir)!;
        Assert.Equal(9981952UL, s.CacheBytes);
        Assert.Equal(3227648UL, s.RssBytes);
        Assert.Equal(0UL, s.RssHugeBytes);
        Assert.Equal(9166848UL, s.ShmemBytes);
        Assert.Equal(7065600UL, s.MappedFileBytes);
        Assert.Equal(24576UL, s.DirtyBytes);
        Assert.Equal(0UL, s.SwapBytes);
        Assert.Equal(378732544UL, s.TotalCacheBytes);
        Assert.Equal(8355840UL, s.TotalRssBytes);
        Assert.Equal(10387456UL, s.TotalMappedFileBytes);
        Assert.Equal(4997120UL, s.TotalInactiveAnonBytes);
        Assert.Equal(1564672UL, s.TotalActiveAnonBytes);
        Assert.Equal(178778112UL, s.TotalInactiveFileBytes);
        Assert.Equal(190787584UL, s.TotalActiveFileBytes);
        Assert.Equal(1391626UL, s.TotalPgfault);
        Assert.Equal(710UL, s.TotalPgmajfault);
        Assert.True(s.HierarchicalMemoryLimitBytes.IsUnlimited);
        Assert.True(s.HierarchicalMemswLimitBytes.IsUnlimited);
        Assert.Null(s.AnonBytes);
    }

    [Fact]
    public void Inactive_file_for_working_set_is_total_on_v1_and_plain_on_v2()
    {
        var v1 = MemoryStat.Parse(B(V1), "memory.stat");
        Assert.Equal(178778112UL, v1.InactiveFileBytes(CgroupVersion.V1)); // total_inactive_file, not inactive_file (200704)
        Assert.Equal(200704UL, v1.InactiveFileBytes(CgroupVersion.V2));
        Assert.Equal(200_000_000UL - 178778112UL, v1.WorkingSetBytes(200_000_000, CgroupVersion.V1));
        Assert.Equal(0UL, v1.WorkingSetBytes(1000, CgroupVersion.V1)); // floored at 0
        var noKey = MemoryStat.Parse(B("anon 5\n"), "memory.stat");
        Assert.Equal(1000UL, noKey.WorkingSetBytes(1000, CgroupVersion.V2));
    }

    [Fact]
    public void Finite_hierarchical_limit_is_a_value()
    {
        var s = MemoryStat.Parse(B("cache 0\nhierarchical_memory_limit 67108864\n"), "memory.stat");
        Assert.Equal(LimitRead.Of(67108864), s.HierarchicalMemoryLimitBytes);
        Assert.True(s.HierarchicalMemswLimitBytes.IsMissing);
    }

    [Fact]
    public void TryGet_reaches_any_key_including_unknown_ones()
    {
        var s = MemoryStat.Parse(B(V2 + "brand_new_key 42\n"), "memory.stat");
        Assert.True(s.TryGet("workingset_nodereclaim", out var v) && v == 0);
        Assert.True(s.TryGet("thp_fault_alloc", out _));
        Assert.True(s.TryGet("brand_new_key", out v) && v == 42);
        Assert.True(s.TryGet("anon", out v) && v == 1662976);
        Assert.False(s.TryGet("cache", out _));
        Assert.False(s.TryGet("no_such_key", out _));
        Assert.Equal(37, s.Entries().Count());
        Assert.Equal(KeyValuePair.Create("anon", 1662976UL), s.Entries().First());
    }

    [Fact]
    public void CRLF_trailing_spaces_and_blank_lines_are_tolerated()
    {
        var s = MemoryStat.Parse(B("anon 5 \r\n\r\ninactive_file 7\r\n\r\n"), "memory.stat");
        Assert.Equal(5UL, s.AnonBytes);
        Assert.Equal(7UL, s.InactiveFileBytes(CgroupVersion.V2));
    }

    [Theory]
    [InlineData("anon 1\nfile\n", 2)]          // truncated mid-line
    [InlineData("anon 1\nfile 12a\n", 2)]
    [InlineData("anon 1\nfile -5\n", 2)]
    [InlineData("anon 1\r\nfile 2\r\nsome_new_key x\r\n", 3)]
    [InlineData("", 1)]
    [InlineData("\n\n", 1)]
    public void Malformed_lines_name_file_and_line(string content, int line)
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.stat", content);
        AssertFormatError(() => f.Reader.ReadMemoryStat(f.Dir), path, line);
    }
}

public class MemoryEventsTests
{
    [Fact]
    public void Parses_memory_events()
    {
        using var f = new CgroupFixture();
        f.Write("memory.events", "low 0\nhigh 4\nmax 12\noom 3\noom_kill 2\noom_group_kill 1\nsock_throttled 0\n");
        Assert.Equal(new MemoryEvents(0, 4, 12, 3, 2, 1), f.Reader.ReadMemoryEvents(f.Dir));
    }

    [Fact]
    public void Local_file_and_kernels_without_oom_group_kill()
    {
        using var f = new CgroupFixture();
        f.Write("memory.events.local", "low 1\nhigh 2\nmax 3\noom 4\noom_kill 5\n");
        Assert.Equal(new MemoryEvents(1, 2, 3, 4, 5, null), f.Reader.ReadMemoryEvents(f.Dir, local: true));
        Assert.Null(f.Reader.ReadMemoryEvents(f.Dir));
    }

    [Fact]
    public void Truncated_events_name_the_line()
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.events", "low 0\nhigh 0\nmax 0\n");
        var e = AssertFormatError(() => f.Reader.ReadMemoryEvents(f.Dir), path, 4);
        Assert.Contains("'oom'", e.Reason);
        path = f.Write("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_ki");
        AssertFormatError(() => f.Reader.ReadMemoryEvents(f.Dir), path, 5);
    }

    [Fact]
    public void Parses_v1_oom_control()
    {
        using var f = new CgroupFixture();
        f.Write("memory.oom_control", "oom_kill_disable 0\nunder_oom 1\noom_kill 7\n");
        Assert.Equal(new MemoryOomControl(false, true, 7), f.Reader.ReadMemoryOomControl(f.Dir));
        Assert.Equal(new MemoryOomControl(true, false, null), MemoryOomControl.Parse(B("oom_kill_disable 1\r\nunder_oom 0\r\n"), "x"));
    }

    [Fact]
    public void Oom_control_rejects_non_flags()
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.oom_control", "oom_kill_disable 0\nunder_oom 2\noom_kill 0\n");
        AssertFormatError(() => f.Reader.ReadMemoryOomControl(f.Dir), path, 2);
    }
}

public class CgroupValueTests
{
    [Theory]
    [InlineData("max\n", null)]
    [InlineData("max", null)]
    [InlineData("-1\n", null)]
    [InlineData("-9223372036854775808\n", null)]
    [InlineData("9223372036854771712\n", null)]     // v1 unlimited, 4 KiB pages
    [InlineData("9223372036854759424\n", null)]     // 16 KiB pages
    [InlineData("9223372036854710272\n", null)]     // 64 KiB pages
    [InlineData("18446744073709551615\n", null)]
    [InlineData("67108864\n", 67108864UL)]
    [InlineData("0\n", 0UL)]
    [InlineData("4096 \r\n", 4096UL)]
    public void ParseLimit_maps_every_unlimited_spelling_to_null(string content, ulong? expected) =>
        Assert.Equal(expected, CgroupValue.ParseLimit(B(content), "memory.max"));

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("Max\n")]
    [InlineData("unlimited\n")]
    [InlineData("-\n")]
    [InlineData("-x\n")]
    [InlineData("10M\n")]
    [InlineData("1.5\n")]
    public void ParseLimit_rejects_garbage(string content)
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.max", content);
        AssertFormatError(() => f.Reader.ReadLimit(f.Dir, "memory.max"), path, 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1\n")]
    [InlineData("max\n")]
    [InlineData("18446744073709551616\n")]
    [InlineData("12 13\n")]
    public void ParseCounter_rejects_non_u64(string content)
    {
        using var f = new CgroupFixture();
        var path = f.Write("memory.current", content);
        AssertFormatError(() => f.Reader.ReadCounter(f.Dir, "memory.current"), path, 1);
    }

    [Fact]
    public void Reader_distinguishes_missing_unlimited_and_value()
    {
        using var f = new CgroupFixture();
        f.Write("memory.max", "max\n");
        f.Write("memory.limit_in_bytes", "9223372036854771712\n");
        f.Write("pids.max", "50\n");
        f.Write("memory.current", "18446744073709551615\n");
        Assert.Equal(LimitRead.Unlimited, f.Reader.ReadLimit(f.Dir, "memory.max"));
        Assert.Equal(LimitRead.Unlimited, f.Reader.ReadLimit(f.Dir, "memory.limit_in_bytes"));
        Assert.Equal(LimitRead.Of(50), f.Reader.ReadLimit(f.Dir, "pids.max"));
        Assert.Equal(50UL, f.Reader.ReadLimit(f.Dir, "pids.max").Limit);
        var missing = f.Reader.ReadLimit(f.Dir, "memory.swap.max");
        Assert.True(missing.IsMissing);
        Assert.Null(missing.Limit);
        Assert.Equal(LimitRead.Missing, missing);
        Assert.Equal(ulong.MaxValue, f.Reader.ReadCounter(f.Dir, "memory.current"));
        Assert.Null(f.Reader.ReadCounter(f.Dir, "memory.peak"));
    }

    [Fact]
    public void LimitRead_ToString()
    {
        Assert.Equal("max", LimitRead.Unlimited.ToString());
        Assert.Equal("missing", LimitRead.Missing.ToString());
        Assert.Equal("42", LimitRead.Of(42).ToString());
    }
}

public class MemoryStatKeyTableTests
{
    [Fact]
    public void Known_keys_are_the_kernel_spellings()
    {
        var keys = MemoryStat.KnownKeyNames.ToHashSet();
        foreach (var k in new[] { "anon", "kernel_stack", "inactive_file", "anon_thp", "slab_reclaimable", "workingset_refault_anon",
                                  "hierarchical_memsw_limit", "total_inactive_file", "total_rss_huge", "pgmajfault" })
            Assert.Contains(k, keys);
        Assert.DoesNotContain("count", keys);
        Assert.Equal(50, keys.Count);
    }

    [Fact]
    public void Every_accessor_reads_its_own_key()
    {
        // Give each known key a distinct value and check a sample of accessors, including rarely used ones.
        var keys = MemoryStat.KnownKeyNames.ToArray();
        var text = string.Concat(keys.Select((k, i) => $"{k} {1000 + i}\n"));
        var s = MemoryStat.Parse(CgroupFixture.B(text), "memory.stat");
        ulong V(string key) => (ulong)(1000 + Array.IndexOf(keys, key));
        Assert.Equal(V("pagetables"), s.PagetablesBytes);
        Assert.Equal(V("percpu"), s.PercpuBytes);
        Assert.Equal(V("sock"), s.SockBytes);
        Assert.Equal(V("vmalloc"), s.VmallocBytes);
        Assert.Equal(V("file_writeback"), s.FileWritebackBytes);
        Assert.Equal(V("swapcached"), s.SwapcachedBytes);
        Assert.Equal(V("anon_thp"), s.AnonThpBytes);
        Assert.Equal(V("unevictable"), s.UnevictableBytes);
        Assert.Equal(V("workingset_refault_anon"), s.WorkingsetRefaultAnon);
        Assert.Equal(V("writeback"), s.WritebackBytes);
        Assert.Equal(V("total_rss_huge"), s.TotalRssHugeBytes);
        Assert.Equal(V("total_shmem"), s.TotalShmemBytes);
        Assert.Equal(V("total_dirty"), s.TotalDirtyBytes);
        Assert.Equal(V("total_writeback"), s.TotalWritebackBytes);
        Assert.Equal(V("total_swap"), s.TotalSwapBytes);
        Assert.Equal(V("total_unevictable"), s.TotalUnevictableBytes);
        Assert.Equal(V("inactive_file"), s.InactiveFileBytes(CgroupVersion.V2));
        Assert.Equal(V("total_inactive_file"), s.InactiveFileBytes(CgroupVersion.V1));
        Assert.Equal(LimitRead.Of(V("hierarchical_memory_limit")), s.HierarchicalMemoryLimitBytes);
        foreach (var k in keys) Assert.True(s.TryGet(k, out var v) && v == V(k), k);
    }
}
