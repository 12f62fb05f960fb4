using System.Text.Json;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Launcher;

/// <summary>ctop run inside a `ctop run` box sees the box, not the host: its scope is the box's limits and it sees only its own processes.</summary>
public class ScopeInsideBoxTests
{
    [KernelFact]
    public void BatchModeInsideABoxReportsTheBoxLimitsAsItsScope()
    {
        using var box = new TestBox();
        var r = LauncherHost.Run(["run", "--name", box.Name, "--cpus", "0.5", "--memory", "128M", "--",
            LauncherHost.FileName, "-b", "-n", "1", "-d", "0.3", "--json"], 60);
        Assert.True(r.ExitCode == 0, r.ToString());

        using var json = JsonDocument.Parse(r.Stdout);
        var scope = json.RootElement.GetProperty("scope");
        Assert.Equal("container", scope.GetProperty("kind").GetString());
        Assert.Equal(0.5, scope.GetProperty("cpus").GetDouble());
        Assert.Equal(128L << 20, scope.GetProperty("memoryBytes").GetInt64());
        Assert.Equal(box.Name, scope.GetProperty("name").GetString());
        Assert.Equal(box.CgroupPath, scope.GetProperty("cgroupPath").GetString());
        Assert.InRange(scope.GetProperty("uptimeSeconds").GetDouble(), 0, 30);
        // A fresh /proc in the box's pid namespace: ctop itself is PID 1 and the only process it sees is its own.
        var pids = json.RootElement.GetProperty("processes").EnumerateArray().Select(p => p.GetProperty("pid").GetInt32()).ToList();
        Assert.Equal([1], pids);
    }
}
