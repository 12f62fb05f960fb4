using Ctop.Model;
using Ctop.Ui;
using Terminal.Gui.Input;
using Xunit.Abstractions;

namespace Ctop.Tests.Ui;

[Collection(UiCollection.Name)]
public class DashboardViewTests(ITestOutputHelper output)
{
    private static Frame Sample(int second = 0) => F.Frame(
        [
            F.Cg("/", cores: 1.2, mem: 3L << 30, pids: 200),
            F.Cg("/system.slice", cores: 0.2, mem: 500L << 20, pids: 40),
            F.Cg("/system.slice/nginx.service", cores: 0.05, mem: 60L << 20, pids: 5),
            F.Cg("/ctop/busy", cores: 0.3, limit: 0.3, throttled: 0.9, mem: 10L << 20, memLimit: 256L << 20, pids: 2),
            F.Cg("/ctop/fat", cores: 0.01, limit: 1, mem: 240L << 20, memLimit: 256L << 20, pids: 1, oom: 2),
        ],
        [
            F.P(1, "/sbin/init", "/", cpu: 0.1, rss: 8 << 20, ppid: 0, seconds: 100),
            F.P(100, "nginx: master", "/system.slice/nginx.service", cpu: 1, rss: 20 << 20),
            F.P(101, "nginx: worker", "/system.slice/nginx.service", cpu: 4, rss: 30 << 20, ppid: 100),
            F.P(200, "sh -c while :; do :; done", "/ctop/busy", cpu: 30, rss: 2 << 20),
            F.P(300, "python3 hog.py", "/ctop/fat", cpu: 0.5, rss: 230L << 20),
        ], second);

    [Fact]
    public void Smoke()
    {
        using var h = new Harness(100, 30);
        h.Feed(Sample());
        output.WriteLine(h.Screen);
        h.Key(Key.Tab);
        h.Key(new Key('a'));
        output.WriteLine(h.Screen);
    }
}
