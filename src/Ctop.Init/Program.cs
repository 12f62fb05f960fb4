namespace Ctop.Init;

public static class Program
{
    public static int Main(string[] args)
    {
        if (Launcher.InitProcess.TryRunInit(args, out int code)) return code;
        Console.Error.WriteLine("ctop-init: started by ctop run, exec and attach only; run ctop instead");
        return 2;
    }
}
