using System.Diagnostics;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Proc;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Parsing;

/// <summary>Kernel files kept open between reads: fresh text by pread, and let go when what they name is gone.</summary>
public class HeldFilesTests
{
    /// <summary>
    /// This process's descriptors open on <paramref name="path"/>, from their /proc/self/fd links. Only the file in
    /// question is counted: other tests run beside these and open and close files of their own all the time.
    /// </summary>
    private static int DescriptorsOn(string path)
    {
        int n = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try { if (new FileInfo(fd).LinkTarget == path) n++; }
            catch (IOException) { } // closed between the listing and the readlink
        }
        return n;
    }

    /// <summary>A child of this test alone, so the /proc files it names are this test's and nobody else's.</summary>
    private static Process Child(string script) =>
        Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script]) { UseShellExecute = false })!;

    private static void Stop(Process p)
    {
        try { p.Kill(); } catch (InvalidOperationException) { }
        p.WaitForExit();
    }

    [Fact]
    public void A_held_proc_file_reads_fresh_text_with_no_new_descriptor()
    {
        // A busy child: its counters move while the test reads its stat through the one held descriptor.
        using var child = Child("while :; do :; done");
        try
        {
            string stat = $"/proc/{child.Id}/stat";
            using var held = new HeldFiles(16);
            var reader = new ProcReader("/proc", held);
            ulong before = Ticks(reader, child.Id);
            Assert.Equal(1, held.Count);
            Assert.Equal(1, DescriptorsOn(stat));
            var sw = Stopwatch.StartNew();
            ulong after = before;
            while (after == before && sw.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(50);
                after = Ticks(reader, child.Id);
            }
            Assert.True(after > before, $"utime+stime of the busy child stayed at {before}");
            Assert.Equal(1, DescriptorsOn(stat)); // the same descriptor, re-read: none opened, none leaked
            Assert.Equal(1, held.Count);
        }
        finally { Stop(child); }
    }

    private static ulong Ticks(ProcReader reader, int pid)
    {
        Assert.True(reader.TryReadStat(pid, out var s));
        return s.UTime + s.STime;
    }

    [Fact]
    public void Plain_files_are_read_but_not_held()
    {
        using var t = new TempTree();
        var path = t.Write("proc/1/stat", "1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 10 20 0 0 20 0 1 0 5 1000 100 18446744073709551615\n");
        using var held = new HeldFiles(16);
        var file = new KernelFile();
        Assert.Equal(ReadStatus.Ok, file.TryRead(path, held));
        Assert.Equal(0, held.Count);
        // A fixture rewritten by replacing the file must be seen as it is now, which a held descriptor would not.
        File.Delete(path);
        File.WriteAllText(path, "new");
        Assert.Equal(ReadStatus.Ok, file.TryRead(path, held));
        Assert.Equal("new"u8.ToArray(), file.Data.ToArray());
    }

    [Fact]
    public void An_exited_process_reads_as_missing_and_its_descriptor_is_closed()
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;
        using var held = new HeldFiles(16);
        var reader = new ProcReader("/proc", held);
        Assert.True(reader.TryReadStat(p.Id, out var s));
        // Just started, it may still be running, sleeping or in a disk wait (CI saw D while it paged in): alive is what matters.
        Assert.Contains(s.State, "SRD");
        Assert.Equal(1, held.Count);
        p.Kill();
        p.WaitForExit();
        Assert.False(reader.TryReadStat(p.Id, out _));
        Assert.Equal(ReadStatus.Missing, reader.LastStatus);
        Assert.Equal(0, held.Count);
    }

    [Fact]
    public void Sweep_closes_what_was_not_read_since_the_last_sweep()
    {
        using var held = new HeldFiles(16);
        var file = new KernelFile();
        file.TryRead("/proc/self/stat", held);
        file.TryRead("/proc/self/statm", held);
        held.Sweep();
        Assert.Equal(2, held.Count); // both read in the first round
        file.TryRead("/proc/self/stat", held);
        held.Sweep();
        Assert.Equal(1, held.Count); // statm was not read in the second
        held.Sweep();
        Assert.Equal(0, held.Count);
    }

    [Fact]
    public void A_file_read_every_N_samples_stays_held_through_N_sweeps()
    {
        using var held = new HeldFiles(16);
        var file = new KernelFile();
        file.TryRead("/proc/self/stat", held, oneRecord: true, heldSweeps: 3);
        held.Sweep();
        held.Sweep();
        held.Sweep();
        Assert.Equal(1, held.Count); // open for the read three samples on
        held.Sweep();
        Assert.Equal(0, held.Count);
    }

    [Fact]
    public void A_kept_file_stays_held_through_the_sweep_without_a_read()
    {
        using var held = new HeldFiles(16);
        var file = new KernelFile();
        file.TryRead("/proc/self/stat", held);
        held.Sweep();
        held.Keep("/proc/self/stat");
        held.Keep("/proc/self/statm"); // not held: nothing happens
        held.Sweep();
        Assert.Equal(1, held.Count);
        held.Sweep();
        Assert.Equal(0, held.Count);
    }

    [Fact]
    public void Beyond_its_capacity_files_are_read_the_ordinary_way()
    {
        using var child = Child("exec sleep 60");
        try
        {
            string stat = $"/proc/{child.Id}/stat", statm = $"/proc/{child.Id}/statm";
            using var held = new HeldFiles(1);
            var file = new KernelFile();
            Assert.Equal(ReadStatus.Ok, file.TryRead(stat, held));
            Assert.Equal(ReadStatus.Ok, file.TryRead(statm, held));
            Assert.False(file.Data.IsEmpty);
            Assert.Equal(1, held.Count);
            Assert.Equal(1, DescriptorsOn(stat)); // held
            Assert.Equal(0, DescriptorsOn(statm)); // read and closed: the budget was spent
        }
        finally { Stop(child); }
    }

    [Theory]
    [InlineData(1024UL, 768)]
    [InlineData(20000UL, 15000)]
    [InlineData(256UL, 0)]
    [InlineData(100UL, 0)]
    [InlineData(1048576UL, 65536)]
    public void The_capacity_leaves_a_quarter_of_the_limit_and_at_least_256(ulong limit, int capacity) =>
        Assert.Equal(capacity, HeldFiles.CapacityUnder(limit));

    [KernelFact]
    public void A_removed_and_recreated_cgroup_is_read_afresh()
    {
        string name = $"ctop-test-held-{Environment.ProcessId}";
        string dir = Path.Combine(RealCgroup.V1Root, "cpu", name);
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), "50000");
            using var held = new HeldFiles(16);
            var reader = new CgroupFileReader(new KernelFile(), held);
            Assert.Equal(50000, reader.ReadCfsBandwidth(dir)!.Value.QuotaUsec);
            Assert.Equal(2, held.Count);
            File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), "20000");
            Assert.Equal(20000, reader.ReadCfsBandwidth(dir)!.Value.QuotaUsec); // a write shows through the held descriptor
            Directory.Delete(dir);
            Assert.Null(reader.ReadCfsBandwidth(dir));
            Assert.Equal(ReadStatus.Missing, reader.LastStatus);
            Directory.CreateDirectory(dir); // a new cgroup at the same path: unlimited again
            Assert.Null(reader.ReadCfsBandwidth(dir)!.Value.QuotaUsec);
        }
        finally { RealCgroup.RemoveTree(dir); }
    }
}
