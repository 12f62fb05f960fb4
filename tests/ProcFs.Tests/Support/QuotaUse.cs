using System.Diagnostics;
using System.Globalization;

namespace ProcFs.Tests.Support;

/// <summary>
/// What a quota'd busy loop used over a window, straight from its v1 cgroup's files, and how to judge it on a busy
/// host. A quota only caps: a top-level v1 cgroup weighs as much as one task of the root, so when the machine is busy
/// (CI, a build) the loop may get less than its quota. It then is not throttled in every period, and its use says
/// nothing about the quota.
/// </summary>
public readonly record struct QuotaUse(double Cores, double ThrottledShare)
{
    public static QuotaUse Measure(string cpuDir, string cpuacctDir, TimeSpan window)
    {
        var (p0, t0) = Periods(cpuDir);
        ulong u0 = Usage(cpuacctDir);
        long s0 = Stopwatch.GetTimestamp();
        Thread.Sleep(window);
        ulong u1 = Usage(cpuacctDir);
        double seconds = Stopwatch.GetElapsedTime(s0).TotalSeconds;
        var (p1, t1) = Periods(cpuDir);
        return new((u1 - u0) / 1e9 / seconds, p1 > p0 ? (double)(t1 - t0) / (p1 - p0) : 0);
    }

    /// <summary>Never above the quota; at it, within the tolerance, whenever the loop was throttled in nearly every period.</summary>
    public void AssertHoldsAt(double quotaCores, double tolerance)
    {
        Assert.True(Cores <= quotaCores + tolerance, $"{this}: above the quota of {quotaCores}");
        if (ThrottledShare >= 0.9) Assert.True(Cores >= quotaCores - tolerance, $"{this}: throttled, yet under the quota of {quotaCores}");
        else Assert.True(Cores > 0, $"{this}: the loop did not run");
    }

    private static ulong Usage(string cpuacctDir) =>
        ulong.Parse(File.ReadAllText(Path.Combine(cpuacctDir, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture);

    private static (ulong Periods, ulong Throttled) Periods(string cpuDir)
    {
        ulong periods = 0, throttled = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(cpuDir, "cpu.stat")))
        {
            var f = line.Split(' ');
            if (f[0] == "nr_periods") periods = ulong.Parse(f[1], CultureInfo.InvariantCulture);
            else if (f[0] == "nr_throttled") throttled = ulong.Parse(f[1], CultureInfo.InvariantCulture);
        }
        return (periods, throttled);
    }
}
