using V2.Tests.Support;

namespace V2.Tests;

/// <summary>
/// `ctop limit` (src/Ctop/Tuning → CgroupWriter) on the v2 guest: what it wrote, read back by the payload with cat,
/// and that refusals and --dry-run leave the files alone. /ctop-v2/tune is an empty leaf; the payload copies its
/// files after each phase into tune/before, tune/set and tune/after-refusals.
/// </summary>
[Collection(V2Collection.Name)]
public sealed class TuningOnV2Tests(V2Run vm)
{
    private string File(string phase, string name) => vm.Text($"tune/{phase}/{name}").Trim();

    private string Rc(string step) => vm.Facts[$"limit_{step}_rc"];

    [V2Fact]
    public void Limit_writes_cpu_max_memory_max_high_pids_max_and_weight()
    {
        Assert.True(Rc("set") == "0", vm.Text("limit-set.err"));
        Assert.Equal("max 100000", File("before", "cpu.max"));
        Assert.Equal("max", File("before", "memory.max"));
        Assert.Equal("25000 100000", File("set", "cpu.max"));  // --cpus 0.25
        Assert.Equal("67108864", File("set", "memory.max"));   // 64M
        Assert.Equal("50331648", File("set", "memory.high"));  // 48M
        Assert.Equal("20", File("set", "pids.max"));
        Assert.Equal("200", File("set", "cpu.weight"));
        // Each file is printed before → after, with its v2 path.
        var printed = vm.Text("limit-set.out");
        Assert.Contains("/sys/fs/cgroup/ctop-v2/tune/cpu.max", printed);
        Assert.Contains("max → 67108864", printed);
        Assert.Contains("100 → 200", printed);
    }

    [V2Fact]
    public void Refusals_and_dry_run_leave_every_file_unchanged()
    {
        // Below 1 ms, and below one page beside a valid --cpus: ctop's validation refuses before writing (1).
        Assert.Equal("1", Rc("quota999"));
        Assert.Contains("1000", vm.Text("limit-quota999.err"));
        Assert.Equal("1", Rc("page"));
        // No values at all: usage errors (2).
        Assert.Equal("2", Rc("garbage"));
        Assert.Equal("2", Rc("negative"));
        Assert.Equal("2", Rc("zero"));
        // A dry run is valid (0), says what it would write, and writes nothing.
        Assert.Equal("0", Rc("dry"));
        Assert.Contains("dry run", vm.Text("limit-dry.out"));
        Assert.Contains("25000 100000 → 75000 100000", vm.Text("limit-dry.out"));
        foreach (var f in new[] { "cpu.max", "memory.max", "memory.high", "pids.max", "cpu.weight" })
            Assert.Equal(File("set", f), File("after-refusals", f));
    }

    [V2Fact]
    public void Memory_max_below_usage_is_taken_on_v2()
    {
        // v1 refuses with EBUSY; v2 reclaims, then OOM-kills, and keeps the limit even when neither frees anything
        // (8 MiB of tmpfs pages, no swap, no process left in the cgroup).
        Assert.True(Rc("shrink") == "0", vm.Text("limit-shrink.err"));
        Assert.Equal("4194304", vm.Text("shrink/memory.max").Trim());
        Assert.True(ulong.Parse(vm.Text("shrink.current.before").Trim()) >= 8 << 20, vm.Text("shrink.current.before"));
        Assert.True(ulong.Parse(vm.Text("shrink/memory.current").Trim()) > 4 << 20, vm.Text("shrink/memory.current"));
        Assert.True(Raw.KeyValues(vm.Text("shrink/memory.events"))["oom"] >= 1, vm.Text("shrink/memory.events"));
    }
}
