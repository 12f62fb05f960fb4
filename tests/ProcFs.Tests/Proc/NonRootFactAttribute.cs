namespace ProcFs.Tests.Proc;

/// <summary>Permission checks cannot be provoked as root (it reads mode-000 files), so such tests skip there.</summary>
public sealed class NonRootFactAttribute : FactAttribute
{
    public NonRootFactAttribute()
    {
        if (geteuid() == 0) Skip = "root bypasses file permissions";
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
