namespace ProcFs.Cgroups;

/// <summary>Which cgroup filesystem a controller (or a file) lives on.</summary>
public enum CgroupVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>Controller names as the kernel spells them in /proc/cgroups and mount options.</summary>
public static class Controllers
{
    public const string Cpu = "cpu";
    public const string Cpuacct = "cpuacct";
    public const string Cpuset = "cpuset";
    public const string Memory = "memory";
    public const string Pids = "pids";
    public const string Io = "io";
    /// <summary>v1's name for the io controller.</summary>
    public const string Blkio = "blkio";
}
