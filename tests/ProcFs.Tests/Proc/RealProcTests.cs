using System.Diagnostics;
using ProcFs.Parsing;
using ProcFs.Proc;

namespace ProcFs.Tests.Proc;

/// <summary>Against this machine's /proc: the test process itself, a child it starts, and a full scan.</summary>
public class RealProcTests
{
    private static readonly int Self = Environment.ProcessId;

    [Fact]
    public void Reads_own_stat_status_and_cmdline()
    {
        var r = new ProcReader();
        Assert.True(r.TryReadStat(Self, out var stat));
        Assert.True(r.TryReadStatus(Self, out var status));
        Assert.True(r.TryReadCmdline(Self, out var cmd));

        string comm = File.ReadAllText($"/proc/{Self}/comm").TrimEnd('\n');
        Assert.Equal(Self, stat.Pid);
        Assert.Equal(comm, stat.GetComm());
        Assert.Equal(comm, status.Name);
        Assert.Equal(Self, status.Pid);
        Assert.Equal(Self, status.Tgid);
        Assert.Equal(Self, status.NSpid[^1]);

        Assert.True(stat.Ppid > 0);
        Assert.Equal(stat.Ppid, status.PPid);
        Assert.True(Directory.Exists($"/proc/{stat.Ppid}"));

        Assert.True(stat.NumThreads > 1); // the CLR always runs several threads
        Assert.True(status.Threads > 1);
        Assert.False(stat.IsKernelThread);
        Assert.True(stat.Rss > 0);
        Assert.True(status.VmRss > 0);
        Assert.InRange(stat.Processor, 0, 65535);

        // Our own cmdline ends with the arguments .NET reports (it prefixes host paths).
        var args = Environment.GetCommandLineArgs();
        Assert.Equal(args[1..], cmd.Args.Skip(cmd.Args.Count - (args.Length - 1)));
        Assert.Contains(cmd.Args, a => a.EndsWith(Path.GetFileName(args[0]), StringComparison.Ordinal));

        // Uid: agrees with the kernel's answer for this process.
        Assert.Equal(geteuid(), status.Uid!.Value.Effective);

        Assert.True(r.TryReadSchedstat(Self, out var sched));
        Assert.True(sched.RunTimeNs > 0);
    }

    [Fact]
    public void Cpu_ticks_of_own_process_grow_with_work()
    {
        var r = new ProcReader();
        Assert.True(r.TryReadStat(Self, out var before));
        var sw = Stopwatch.StartNew();
        double x = 0;
        while (sw.ElapsedMilliseconds < 300) x += Math.Sqrt(sw.ElapsedTicks);
        Assert.True(x > 0);
        Assert.True(r.TryReadStat(Self, out var after));
        Assert.True(after.UTime + after.STime > before.UTime + before.STime, "300 ms of spinning should add ticks");
    }

    [Fact]
    public void Reads_a_child_with_spaces_and_unicode_in_its_arguments_then_sees_it_vanish()
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "read _x", "arg with spaces", "grüße €" }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var r = new ProcReader();
        try
        {
            // Process.Start returns once the exec is past its point of no return, a moment before the kernel sets the new
            // argument area: until then the cmdline reads empty (CI saw it).
            var deadline = Stopwatch.StartNew();
            ProcCmdline? cmd;
            while (true)
            {
                Assert.True(r.TryReadCmdline(child.Id, out cmd));
                if (cmd.Args.Count > 0 || deadline.Elapsed > TimeSpan.FromSeconds(10)) break;
                Thread.Sleep(10);
            }
            Assert.Equal(["/bin/sh", "-c", "read _x", "arg with spaces", "grüße €"], cmd.Args);
            Assert.Equal("/bin/sh -c read _x arg with spaces grüße €", cmd.DisplayString);
            Assert.True(r.TryReadStat(child.Id, out var stat));
            Assert.Equal(Self, stat.Ppid);
            Assert.Equal(1, stat.NumThreads);
            Assert.True(r.TryReadStatus(child.Id, out var status));
            Assert.Equal(Self, status.PPid);
        }
        finally
        {
            child.StandardInput.WriteLine();
            child.StandardInput.Close();
            child.WaitForExit(5000);
        }
        Assert.True(child.HasExited);
        Assert.False(r.TryReadStat(child.Id, out _));
        Assert.Equal(ReadStatus.Missing, r.LastStatus);
        Assert.False(r.TryReadStatus(child.Id, out _));
        Assert.False(r.TryReadCmdline(child.Id, out _));
    }

    [Fact]
    public void The_listing_gives_each_pid_its_proc_directorys_inode()
    {
        var r = new ProcReader();
        var pids = new List<int>();
        var inodes = new List<ulong>();
        r.ListPids(pids, inodes);
        Assert.Equal(pids.Count, inodes.Count);
        int i = pids.IndexOf(Self);
        Assert.True(i >= 0);
        Assert.Equal(StatInode($"/proc/{Self}"), inodes[i]);
        // A live process keeps its inode from one listing to the next.
        r.ListPids(pids, inodes);
        Assert.Equal(StatInode($"/proc/{Self}"), inodes[pids.IndexOf(Self)]);
    }

    private static ulong StatInode(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return ulong.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void A_full_scan_reads_every_pid_without_throwing()
    {
        var r = new ProcReader();
        var pids = new List<int>();
        int n = r.ListPids(pids);
        Assert.Equal(n, pids.Count);
        Assert.Contains(Self, pids);
        Assert.Contains(1, pids);
        Assert.Equal(pids.Count, pids.Distinct().Count());

        int stats = 0, statuses = 0, cmdlines = 0, kernelThreads = 0;
        foreach (int pid in pids)
        {
            if (r.TryReadStat(pid, out var s))
            {
                stats++;
                Assert.Equal(pid, s.Pid);
                if (s.IsKernelThread) kernelThreads++;
                Assert.NotEmpty(s.GetComm(r.Comms));
            }
            if (r.TryReadStatus(pid, out var st))
            {
                statuses++;
                Assert.Equal(pid, st.Pid);
            }
            if (r.TryReadCmdline(pid, out _)) cmdlines++;
            r.TryReadSchedstat(pid, out _);
        }
        // Processes may exit during the scan, but most are still there.
        Assert.True(stats > pids.Count / 2, $"{stats} of {pids.Count}");
        Assert.True(statuses > pids.Count / 2);
        Assert.True(cmdlines > pids.Count / 2);
        // Kernel threads are only visible from the host PID namespace, where kthreadd is PID 2.
        if (File.Exists("/proc/2/stat") && File.ReadAllText("/proc/2/stat").StartsWith("2 (kthreadd)", StringComparison.Ordinal))
            Assert.True(kernelThreads > 0);
    }

    [Fact]
    public void Reads_the_system_files()
    {
        var r = new ProcReader();
        var stat = r.ReadSystemStat();
        Assert.NotEmpty(stat.Cpus);
        Assert.True(stat.Cpu.Total > 0);
        Assert.True(stat.Cpu.Total >= stat.Cpu.Busy);
        Assert.True(stat.BootTime > 1_000_000_000);
        Assert.True(stat.Processes > 0);

        var mem = r.ReadMemInfo();
        Assert.True(mem.MemTotal > mem.MemFree);
        Assert.NotNull(mem.MemAvailable);

        var load = r.ReadLoadAvg();
        Assert.True(load.Total >= 1);
        Assert.True(load.Running >= 1); // we are running

        var up = r.ReadUptime();
        Assert.True(up.UptimeSeconds > 0);
        // btime + uptime ≈ now (both from the kernel clock; allow for rounding and suspend).
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(stat.BootTime + up.UptimeSeconds, now - 5, now + 5);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
