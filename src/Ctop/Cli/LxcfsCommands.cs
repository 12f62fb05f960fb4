using ProcFs.Proc;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

using Ctop.Lxcfs;

namespace Ctop.Cli;

/// <summary>`ctop proc FILE`: what lxcfs would serve to a container, computed without lxcfs.</summary>
public static class LxcfsCommands
{
    public static Command CreateProcCommand()
    {
        var file = new Argument<string>("FILE")
        {
            Description = "meminfo, cpuinfo, stat, uptime, loadavg, swaps or cpu-online (/sys/devices/system/cpu/online).",
        };
        file.AcceptOnlyFromAmong([.. LxcfsProc.Names.Keys]);
        var pid = new Option<int?>("--pid")
        {
            Description = "The reader: lxcfs answers for the init of its pid namespace (or for it, in the host's). Default: ctop itself.",
            HelpName = "PID",
        };
        var cgroup = new Option<string?>("--cgroup")
        {
            Description = "The container's cgroup path (e.g. /docker/ID), the same in every hierarchy.",
            HelpName = "PATH",
        };
        var cfs = new Option<bool>("--cfs") { Description = "Like lxcfs --enable-cfs: the CPU quota limits the CPUs shown." };
        var bugs = new Option<bool>("--lxcfs-bugs")
        {
            Description = "Reproduce lxcfs 5.0.3's known bugs too (see docs/lxcfs.md); by default ctop computes them right.",
        };
        var procRoot = new Option<string>("--proc-root") { Description = "Where proc is mounted.", HelpName = "DIR", DefaultValueFactory = _ => "/proc" };
        var cgroupRoot = new Option<string?>("--cgroup-root") { Description = "Where the cgroup filesystem is mounted.", HelpName = "DIR" };

        var command = new Command("proc", "Print a /proc file as lxcfs 5.0.3 would virtualize it for a container.");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { pid, cgroup, cfs, bugs, procRoot, cgroupRoot }) command.Options.Add(o);
        command.Validators.Add(r =>
        {
            if (r.GetResult(pid) is not null && r.GetResult(cgroup) is not null) r.AddError("--pid and --cgroup cannot be used together.");
        });
        pid.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0) r.AddError("--pid needs a process id greater than 0.");
        });

        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            try
            {
                var quirks = result.GetValue(bugs) ? LxcfsQuirks.Lxcfs503 : LxcfsQuirks.Ctop;
                var reader = new ContainerReader(result.GetValue(procRoot) ?? "/proc", result.GetValue(cgroupRoot));
                var target = result.GetValue(cgroup) is { } path ? reader.ForCgroup(path)
                    : reader.ForPid(result.GetValue(pid) ?? SelfPid(reader.ProcRoot), quirks);
                output.Write(LxcfsProc.Render(LxcfsProc.Names[result.GetValue(file)!], reader, target, result.GetValue(cfs), quirks));
                output.Flush();
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or ProcFs.Parsing.ProcFsFormatException)
            {
                result.InvocationConfiguration.Error.WriteLine("ctop proc: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>ctop's PID as the proc root numbers it (a container's /proc differs from the host's).</summary>
    private static int SelfPid(string procRoot) => new ProcReader(procRoot).ReadSelfPid() ?? Environment.ProcessId;
}
