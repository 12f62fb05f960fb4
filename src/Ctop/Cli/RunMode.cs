namespace Ctop.Cli;

public enum RunMode { Batch, Dashboard }

public static class RunModes
{
    /// <summary>Like top: -b, or output that is not a terminal (a pipe, a file), means batch; else the dashboard.</summary>
    public static RunMode Choose(bool batchFlag, bool outputRedirected) =>
        batchFlag || outputRedirected ? RunMode.Batch : RunMode.Dashboard;
}
