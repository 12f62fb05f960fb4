using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ctop.Lxcfs;

/// <summary>
/// /proc/cpuinfo as lxcfs serves it (<c>proc_cpuinfo_read()</c>): the host's processor blocks for CPUs in the cpuset,
/// renumbered from 0 (other lines, core id, apicid, … stay the host's); with --enable-cfs it stops after
/// max_cpu_count() blocks. (s390x's different layout is not handled.)
/// </summary>
public static partial class CpuinfoView
{
    [GeneratedRegex(@"^processor\s*:\s*(\d+)")]
    private static partial Regex ProcessorLine();

    public static string Render(string hostCpuinfo, CpuInputs cpu, bool cfs)
    {
        int maxCpus = cfs ? cpu.MaxCpus : 0;
        var sb = new StringBuilder();
        bool printing = false;
        int current = -1;
        foreach (var line in MeminfoView.Lines(hostCpuinfo))
        {
            var m = ProcessorLine().Match(line);
            if (m.Success)
            {
                if (maxCpus > 0 && current + 1 == maxCpus) break;
                printing = int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && cpu.Cpuset.Contains(n);
                if (printing) sb.Append("processor\t: ").Append((++current).ToString(CultureInfo.InvariantCulture)).Append('\n');
                continue;
            }
            if (printing) sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The number of processor blocks a cpuinfo text has (what nproc-like tools count).</summary>
    public static int CountProcessors(string cpuinfo) => MeminfoView.Lines(cpuinfo).Count(l => ProcessorLine().IsMatch(l));
}

/// <summary>
/// /sys/devices/system/cpu/online as lxcfs serves it (<c>do_cpuset_read()</c>): the cpuset as written; with
/// --enable-cfs "0-(N−1)" for N = max_cpu_count().
/// </summary>
public static class CpuOnlineView
{
    public static string Render(CpuInputs cpu, bool cfs)
    {
        if (!cfs) return cpu.Cpuset + "\n";
        int n = cpu.MaxCpus;
        return n > 1 ? "0-" + (n - 1).ToString(CultureInfo.InvariantCulture) + "\n" : "0\n";
    }
}
