namespace Ctop;

public static class Program
{
    public static int Main(string[] args)
    {
        if (Ctop.Launcher.InitProcess.TryRunInit(args, out var code)) return code;
        return 0;
    }
}
