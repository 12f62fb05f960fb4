using System.Runtime.InteropServices;

namespace ProcFs.Tests.Proc;

/// <summary>
/// Permission checks as an unprivileged reader sees them. As root the body runs on a thread of its own without
/// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (capabilities are per thread), so a mode-000 file is refused to it as it is
/// to anyone else: the test runs for root too instead of skipping.
/// </summary>
public static class Unprivileged
{
    private const uint CapabilityVersion3 = 0x20080522;
    private const int CapDacOverride = 1, CapDacReadSearch = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct Header { public uint Version; public int Pid; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data { public uint Effective, Permitted, Inheritable; }

    public static void Run(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (geteuid() == 0) DropFileCapabilities();
                body();
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private static void DropFileCapabilities()
    {
        var header = new Header { Version = CapabilityVersion3, Pid = 0 }; // 0: the calling thread
        var data = new Data[2];
        if (capget(ref header, data) != 0) throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        data[0].Effective &= ~((1u << CapDacOverride) | (1u << CapDacReadSearch));
        if (capset(ref header, data) != 0) throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int capget(ref Header header, [In, Out] Data[] data);

    [DllImport("libc", SetLastError = true)]
    private static extern int capset(ref Header header, [In] Data[] data);

    [DllImport("libc")]
    private static extern uint geteuid();
}
