using System.Globalization;
using System.Text;

namespace Ctop.Lxcfs;

/// <summary>
/// /proc/meminfo as lxcfs 5.0.3 serves it (<c>proc_meminfo_read()</c>): the host file as a template, with the memory
/// lines rewritten from the cgroup; every other line (Mlocked, KernelStack, Committed_AS, HugePages_*, …) is the host's.
/// </summary>
public static class MeminfoView
{
    public static string Render(string hostMeminfo, MemoryInputs m, LxcfsQuirks quirks)
    {
        ulong hostTotalKb = HostKb(hostMeminfo, "MemTotal:"), hostSwapKb = HostKb(hostMeminfo, "SwapTotal:");
        ulong totalKb = MemTotalKb(m, hostTotalKb);
        ulong usageKb = m.UsageBytes / 1024;
        ulong free = Subtract(totalKb, usageKb, quirks);
        var (swapTotal, swapUsed) = SwapKb(m, totalKb, hostSwapKb, addMemoryLimit: !m.IsV2);
        var s = m.Stat;
        var sb = new StringBuilder(hostMeminfo.Length);
        foreach (var line in Lines(hostMeminfo))
        {
            ulong? v = Key(line) switch
            {
                "MemTotal" => totalKb,
                "MemFree" => free,
                // 5.0.x: reclaimable = the page cache. 6.0.0–6.0.3 use active_file + inactive_file, 6.0.4+ add slab_reclaimable (v2).
                "MemAvailable" => free + s.Cache / 1024,
                "SwapTotal" => swapTotal,
                "SwapFree" => Subtract(swapTotal, swapUsed, quirks),
                "Buffers" or "SwapCached" or "Slab" or "SReclaimable" or "SUnreclaim" or "ShmemHugePages" or "ShmemPmdMapped" => 0,
                "Cached" => s.Cache / 1024,
                "Active" => (s.ActiveAnon + s.ActiveFile) / 1024,
                "Inactive" => (s.InactiveAnon + s.InactiveFile) / 1024,
                "Active(anon)" => s.ActiveAnon / 1024,
                "Inactive(anon)" => s.InactiveAnon / 1024,
                "Active(file)" => s.ActiveFile / 1024,
                "Inactive(file)" => s.InactiveFile / 1024,
                "Unevictable" => s.Unevictable / 1024,
                "Dirty" => s.Dirty / 1024,
                "Writeback" => s.Writeback / 1024,
                "AnonPages" => (s.ActiveAnon + s.InactiveAnon - Math.Min(s.Shmem, s.ActiveAnon + s.InactiveAnon)) / 1024,
                "Mapped" => s.Mapped / 1024,
                "Shmem" => s.Shmem / 1024,
                "AnonHugePages" => s.RssHuge / 1024,
                _ => null,
            };
            if (v is ulong kb) sb.Append(Line(Key(line) + ":", kb));
            else sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The limit in kB, or the host's MemTotal when there is none or it exceeds the host's RAM.</summary>
    public static ulong MemTotalKb(MemoryInputs m, ulong hostTotalKb) =>
        m.LimitBytes is ulong l && l / 1024 > 0 && l / 1024 < hostTotalKb ? l / 1024 : hostTotalKb;

    /// <summary>
    /// lxcfs's swap total and used, in kB (<c>get_swap_info()</c> then the SwapTotal rule): the total is capped by the host's
    /// swap, and on v1 it is the memory+swap limit (swap part + MemTotal), because the kernel may swap all of a v1 group's
    /// memory. Swappiness 0 pretends there is no room beyond what is already swapped.
    /// </summary>
    public static (ulong Total, ulong Used) SwapKb(MemoryInputs m, ulong memTotalKb, ulong hostSwapKb, bool addMemoryLimit)
    {
        ulong total = 0, used = 0;
        if (m.Swap is { } sw)
        {
            if (m.IsV2)
            {
                total = sw.LimitBytes is ulong l ? l / 1024 : ulong.MaxValue;
                used = sw.UsageBytes / 1024;
            }
            else
            {
                // memsw is memory + swap: the swap part is memsw − memory.
                ulong mem = m.LimitBytes ?? ulong.MaxValue;
                total = sw.LimitBytes is not ulong memsw ? ulong.MaxValue : memsw < mem ? 0 : (memsw - mem) / 1024;
                used = sw.UsageBytes < m.UsageBytes ? 0 : (sw.UsageBytes - m.UsageBytes) / 1024;
            }
        }
        if (addMemoryLimit) total = total > ulong.MaxValue - memTotalKb ? ulong.MaxValue : total + memTotalKb;
        if (hostSwapKb < total) total = hostSwapKb;
        if (m.Swap is { Swappiness: 0 }) total = used;
        return (total, used);
    }

    internal static ulong Subtract(ulong a, ulong b, LxcfsQuirks quirks) =>
        quirks.MemFreeWraps ? unchecked(a - b) : a - Math.Min(a, b);

    /// <summary>lxcfs prints the key padded to 16 columns, then the value right-aligned in 8: the kernel's own layout.</summary>
    internal static string Line(string key, ulong kb) =>
        key.PadRight(16) + kb.ToString(CultureInfo.InvariantCulture).PadLeft(8) + " kB\n";

    internal static ulong HostKb(string meminfo, string key)
    {
        foreach (var line in Lines(meminfo))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var parts = line[key.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        }
        return 0;
    }

    private static string Key(string line)
    {
        int colon = line.IndexOf(':');
        return colon < 0 ? "" : line[..colon];
    }

    internal static IEnumerable<string> Lines(string text)
    {
        var lines = text.Split('\n');
        int n = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < n; i++) yield return lines[i];
    }
}

/// <summary>/proc/swaps as lxcfs serves it (<c>proc_swaps_read()</c>): its own header, then one virtual device when there is swap.</summary>
public static class SwapsView
{
    public const string Header = "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n";

    public static string Render(string hostMeminfo, MemoryInputs m, LxcfsQuirks quirks)
    {
        ulong hostTotalKb = MeminfoView.HostKb(hostMeminfo, "MemTotal:"), hostSwapKb = MeminfoView.HostKb(hostMeminfo, "SwapTotal:");
        ulong memTotalKb = MeminfoView.MemTotalKb(m, hostTotalKb);
        // Quirk: 5.0.3 adds the memory limit on v2 too, so its swaps and meminfo disagree there. ctop (and 6.0) agree with meminfo.
        bool addLimit = !m.IsV2 || quirks.SwapsAddsMemoryLimitOnV2;
        var (total, used) = MeminfoView.SwapKb(m, memTotalKb, hostSwapKb, addLimit);
        if (total == 0) return Header;
        return Header + "none" + new string(' ', 36) + "virtual\t\t" + total.ToString(CultureInfo.InvariantCulture) + "\t" +
               used.ToString(CultureInfo.InvariantCulture) + "\t0\n";
    }
}
