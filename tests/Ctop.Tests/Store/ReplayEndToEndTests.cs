using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Ctop.Store;
using Ctop.Tests.Model;
using Ctop.Tests.Reliability;
using ProcFs.Tests.Support;

namespace Ctop.Tests.Store;

/// <summary>
/// The real binary: `ctop record` of a quota'd ctop-test-* cgroup with a busy loop, then `ctop replay` in a real
/// terminal (tmux): the recorded cgroup shows with its limit, the header says REPLAY and its time, and the
/// time-travel keys move that time.
/// </summary>
[Collection(KernelCollection.Name)]
public class ReplayEndToEndTests
{
    private static string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(10_000);
        return output;
    }

    private static string WaitForScreen(string session, Func<string, bool> ready, string what)
    {
        string screen = "";
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            screen = Tmux("capture-pane", "-p", "-t", session);
            if (ready(screen)) return screen;
            Thread.Sleep(300);
        }
        throw new Xunit.Sdk.XunitException($"{what} did not appear:\n{screen}");
    }

    private static readonly Regex HeaderTime = new(@"REPLAY (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d)");

    private static DateTimeOffset TimeOn(string screen) =>
        DateTimeOffset.ParseExact(HeaderTime.Match(screen).Groups[1].Value, "yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    [KernelFact]
    public void ReplayShowsARecordedQuotadCgroupAndTheKeysMoveTheHeadersTime()
    {
        using var cg = new RealCgroup("cpu", "cpuacct", "memory", "pids");
        cg.Write("cpu", "cpu.cfs_quota_us", "20000"); // 0.2 CPU
        cg.StartBusyLoop();
        var dir = Directory.CreateTempSubdirectory("ctop-test-replay-").FullName;
        string session = $"ctop-e2e-replay-{Environment.ProcessId}";
        var config = Directory.CreateTempSubdirectory("ctop-e2e-config-").FullName;
        try
        {
            // Record a few seconds at 1 s: samples a second apart, so each step moves the time by about a second.
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in new[] { CtopBinary.Dll, "record", "--dir", dir, "-d", "1" }) psi.ArgumentList.Add(a);
            using (var rec = Process.Start(psi)!)
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (CountRecords(dir) < 6 && DateTime.UtcNow < deadline) Thread.Sleep(200);
                rec.Kill();
                rec.WaitForExit();
            }
            Assert.True(CountRecords(dir) >= 6, "the recorder wrote too little");

            Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", "env", "-u", "DisableRealDriverIO", "TERM=xterm-256color",
                $"XDG_CONFIG_HOME={config}", "dotnet", CtopBinary.Dll, "replay", "--dir", dir);
            var row = new Regex(@"0\.\d\d/0\.20\s.*" + Regex.Escape(cg.CgroupPath));
            var screen = WaitForScreen(session, s => HeaderTime.IsMatch(s) && row.IsMatch(s), "the recorded cgroup with its 0.20 limit");
            var newest = TimeOn(screen);

            Tmux("send-keys", "-t", session, ",");
            screen = WaitForScreen(session, s => HeaderTime.IsMatch(s) && TimeOn(s) < newest, "an earlier time after ','");
            var earlier = TimeOn(screen);
            Assert.InRange((newest - earlier).TotalSeconds, 0.5, 3.5);
            Assert.Matches(row, screen); // still the recorded row, at the earlier time

            Tmux("send-keys", "-t", session, ".");
            WaitForScreen(session, s => HeaderTime.IsMatch(s) && TimeOn(s) == newest, "the newest time again after '.'");

            Tmux("send-keys", "-t", session, "{");
            WaitForScreen(session, s => HeaderTime.IsMatch(s) && TimeOn(s) < earlier, "the first frame after '{' (a minute back, clamped)");

            Tmux("send-keys", "-t", session, "q");
            var quitBy = DateTime.UtcNow.AddSeconds(10);
            while (Tmux("list-sessions").Contains(session) && DateTime.UtcNow < quitBy) Thread.Sleep(200);
        }
        finally
        {
            Tmux("kill-session", "-t", session);
            Directory.Delete(dir, true);
            Directory.Delete(config, true);
        }
    }

    private static int CountRecords(string dir)
    {
        if (StoreFormat.ListShards(dir).Count == 0) return 0;
        int n = 0;
        var reader = new StoreReader(dir);
        for (var p = reader.First(); p is { } at; p = reader.Next(at)) n++;
        return n;
    }
}
