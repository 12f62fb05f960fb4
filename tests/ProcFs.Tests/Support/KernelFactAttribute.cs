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

public static class KernelTestEnvironment
{
    public static bool Required => Environment.GetEnvironmentVariable("CTOP_KERNEL_TESTS") == "require";

    public static bool IsRoot => Environment.UserName == "root" || Mono_GetEuid() == 0;

    public static bool HasV1Cpu => Directory.Exists("/sys/fs/cgroup/cpu") && File.Exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");

    public static string? SkipReason =>
        Required ? null
        : !IsRoot ? "needs root (set CTOP_KERNEL_TESTS=require to fail instead of skipping)"
        : !HasV1Cpu ? "needs the v1 cpu controller at /sys/fs/cgroup/cpu"
        : null;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Mono_GetEuid();
}
