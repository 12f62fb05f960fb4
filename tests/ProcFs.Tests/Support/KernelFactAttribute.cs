namespace ProcFs.Tests.Support;

/// <summary>
/// A test that needs the real kernel as root (it creates ctop-test-* cgroups). It skips when not root
/// on a developer's machine, but with CTOP_KERNEL_TESTS=require (CI) it runs and fails instead, so CI
/// can never pass by skipping the kernel tier.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (KernelTestEnvironment.SkipReason is { } why) Skip = why;
    }
}

/// <summary>
/// A test that runs a program from a Debian package (zsh, man, groff): skipped with the package's name when it is missing
/// on a developer's machine; run (and failing) under CTOP_KERNEL_TESTS=require, as ./test.sh installs the packages.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string program, string package)
    {
        if (KernelTestEnvironment.ToolSkipReason(program, package) is { } why) Skip = why;
    }
}

public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(string program, string package)
    {
        if (KernelTestEnvironment.ToolSkipReason(program, package) is { } why) Skip = why;
    }
}

/// <summary>
/// A real-kernel test of a hybrid host's controller-less cgroup2 (mounted at /sys/fs/cgroup/unified, none of the
/// controllers ctop enables offered, so creating a cgroup there writes nothing to the root's subtree_control). Root is required as for
/// <see cref="KernelFactAttribute"/>; a host without such a tree (pure v1, pure v2: the v2 tier covers that) skips
/// with that reason, since no package can give a host another cgroup layout.
/// </summary>
public sealed class UnifiedKernelFactAttribute : FactAttribute
{
    public const string Unified = "/sys/fs/cgroup/unified";

    public UnifiedKernelFactAttribute()
    {
        if (KernelTestEnvironment.SkipReason is { } why) Skip = why;
        else if (!File.Exists(Path.Combine(Unified, "cgroup.controllers")))
            Skip = $"this host has no cgroup2 at {Unified} (not a hybrid host)";
        else if (File.ReadAllText(Path.Combine(Unified, "cgroup.controllers")).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries)
                 .Intersect(ProcFs.Cgroups.CgroupLifecycle.WantedV2Controllers).Any())
            Skip = $"{Unified} offers controllers ctop would enable: that is the host's business, not a test's";
    }
}

/// <summary>
/// A test that reads this machine's cgroup filesystem (no writes, no root). It skips with the reason on a host with
/// nothing at /sys/fs/cgroup, unless CTOP_KERNEL_TESTS=require, where that is a failure.
/// </summary>
public sealed class CgroupFsFactAttribute : FactAttribute
{
    public CgroupFsFactAttribute()
    {
        if (!KernelTestEnvironment.Required && !Directory.Exists("/sys/fs/cgroup")) Skip = "no cgroup filesystem at /sys/fs/cgroup";
    }
}

public static class KernelTestEnvironment
{
    public static bool Required => Environment.GetEnvironmentVariable("CTOP_KERNEL_TESTS") == "require";

    public static bool IsRoot => Environment.UserName == "root" || Mono_GetEuid() == 0;

    public static bool HasV1Cpu => Directory.Exists("/sys/fs/cgroup/cpu") && File.Exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");

    public static string? SkipReason =>
        TierOff("kernel")
        ?? (Required ? null
        : !IsRoot ? "needs root (set CTOP_KERNEL_TESTS=require to fail instead of skipping)"
        : !HasV1Cpu ? "needs the v1 cpu controller at /sys/fs/cgroup/cpu"
        : null);

    /// <summary>
    /// Why a tier is left out: ./test.sh found it cannot run on this machine (not root, no apt, no kernel for the VM),
    /// said so in one line and named it in CTOP_TIERS_OFF (kernel, v2, containers, tools). Null when the tier runs,
    /// and then, under CTOP_KERNEL_TESTS=require, it runs or fails.
    /// </summary>
    public static string? TierOff(string tier) =>
        (Environment.GetEnvironmentVariable("CTOP_TIERS_OFF") ?? "").Split(',', StringSplitOptions.TrimEntries).Contains(tier)
            ? $"the {tier} tier cannot run on this machine (./test.sh said why in its output)"
            : null;

    public static string? ToolSkipReason(string program, string package) =>
        TierOff("tools")
        ?? (Required || OnPath(program) ? null : $"{program} is not installed (apt-get install {package}; ./test.sh installs it)");

    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Mono_GetEuid();
}
