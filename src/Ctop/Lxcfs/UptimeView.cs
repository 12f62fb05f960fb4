using System.Globalization;

namespace Ctop.Lxcfs;

/// <summary>
/// /proc/uptime as lxcfs serves it (<c>proc_uptime_read()</c>): the age of the container's init on CLOCK_BOOTTIME,
/// and as "idle" that age minus the init's cgroup's CPU time (a single-CPU-style number, unlike the host's, which sums
/// idle over all CPUs); idle = age when the cgroup used more than its age, or cpuacct is missing (pure v2).
/// </summary>
public static class UptimeView
{
    public static string Render(UptimeInputs u) => Format(Age(u), Idle(u));

    /// <summary>lxcfs truncates boot time to whole milliseconds before subtracting the init's start.</summary>
    public static double Age(UptimeInputs u)
    {
        double start = (double)u.InitStartTicks / u.UserHz;
        double nowMs = Math.Floor(u.BootTimeSeconds * 1000);
        return (nowMs - start * 1000) / 1000;
    }

    public static double Idle(UptimeInputs u)
    {
        double age = Age(u), busy = u.BusyNs is ulong ns ? ns / 1e9 : 0;
        return age >= busy ? age - busy : age;
    }

    public static string Format(double age, double idle) =>
        age.ToString("0.00", CultureInfo.InvariantCulture) + " " + idle.ToString("0.00", CultureInfo.InvariantCulture) + "\n";
}

/// <summary>CLOCK_BOOTTIME now, the init's start time (field 22 of its stat, in ticks), USER_HZ, and the busy ns of its cpuacct cgroup.</summary>
public sealed record UptimeInputs(double BootTimeSeconds, ulong InitStartTicks, long UserHz, ulong? BusyNs);

/// <summary>
/// /proc/loadavg as lxcfs -l serves it (<c>proc_loadavg_read()</c>): averages of running tasks kept in the kernel's
/// fixed point by a 5 s refresh thread, then "running/total last_pid" of the cgroup's threads.
/// </summary>
public static class LoadavgView
{
    public static string Render(LoadAverage load, TaskCount tasks)
    {
        static string F(ulong x)
        {
            x += LoadAverage.Fixed1 / 200; // the kernel's rounding to two decimals
            return (x >> LoadAverage.FShift).ToString(CultureInfo.InvariantCulture) + "." +
                   (((x & (LoadAverage.Fixed1 - 1)) * 100) >> LoadAverage.FShift).ToString("00", CultureInfo.InvariantCulture);
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{F(load.Avenrun1)} {F(load.Avenrun5)} {F(load.Avenrun15)} {tasks.Running}/{tasks.Total} {tasks.LastPid}\n");
    }

    /// <summary>What a fresh lxcfs -l prints on the first read of a cgroup: no history yet, and a placeholder count.</summary>
    public static string FirstRead(int initPid) => Render(new LoadAverage(), new TaskCount(0, 1, initPid));
}

/// <summary>Threads of a cgroup as lxcfs's load thread counts them: running = state R or D; last = the largest TID.</summary>
public readonly record struct TaskCount(int Running, int Total, int LastPid);

/// <summary>
/// The kernel's (and lxcfs's <c>calc_load()</c>) exponentially damped averages in 11-bit fixed point, ticked every 5 s.
/// </summary>
public sealed class LoadAverage
{
    public const int FShift = 11;
    public const ulong Fixed1 = 1UL << FShift;
    public const ulong Exp1 = 1884, Exp5 = 2014, Exp15 = 2037;
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public ulong Avenrun1 { get; private set; }
    public ulong Avenrun5 { get; private set; }
    public ulong Avenrun15 { get; private set; }

    public double Load1 => (double)Avenrun1 / Fixed1;
    public double Load5 => (double)Avenrun5 / Fixed1;
    public double Load15 => (double)Avenrun15 / Fixed1;

    /// <summary>One 5 s tick with <paramref name="running"/> runnable tasks.</summary>
    public void Tick(int running)
    {
        Avenrun1 = Calc(Avenrun1, Exp1, running);
        Avenrun5 = Calc(Avenrun5, Exp5, running);
        Avenrun15 = Calc(Avenrun15, Exp15, running);
    }

    private static ulong Calc(ulong load, ulong exp, int running)
    {
        ulong active = running > 0 ? (ulong)running * Fixed1 : 0;
        ulong next = load * exp + active * (Fixed1 - exp);
        if (active >= load) next += Fixed1 - 1;
        return next / Fixed1;
    }
}
