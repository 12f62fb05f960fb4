using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using Ctop.Model;
using Ctop.Ui;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;

namespace Ctop.Tests.Ui;

internal static class UiTestInit
{
    /// <summary>Headless: Terminal.Gui must not probe or paint the terminal the tests run from.</summary>
    [ModuleInitializer]
    internal static void DisableRealDriverIO() => Environment.SetEnvironmentVariable("DisableRealDriverIO", "1");
}

/// <summary>Terminal.Gui keeps some process-wide state; the UI tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UiCollection
{
    public const string Name = "terminal-gui";
}

/// <summary>Frames built by hand.</summary>
internal static class F
{
    public static CgroupView Cg(string path, double? cores = null, double? limit = null, double? throttled = null, long? mem = null,
        long? memLimit = null, long? pids = null, long? oom = null, double? psi = null, string? memSetBy = null, string? cpuSetBy = null)
    {
        var container = ContainerNames.FromPath(path);
        return new CgroupView(path, container?.Name ?? path, container,
            new CpuView(cores, limit, cores is double c && limit is double l ? c / l * 100 : null, throttled, throttled is null ? null : throttled * 0.1,
                null, limit is double q ? (long)(q * 100_000) : null, limit is null ? null : 100_000, 100),
            new MemoryView(mem, mem, memLimit, mem is long m && memLimit is long ml ? m * 100.0 / ml : null, null, oom),
            new PidsView(pids, null),
            new EffectiveLimits(limit, limit is null ? null : cpuSetBy ?? path, memLimit, memLimit is null ? null : memSetBy ?? path),
            null, psi is null ? null : new PressureView(psi, null, null));
    }

    public static ProcessView P(int pid, string command, string? cgroup = "/", double cpu = 0, long rss = 1 << 20, int ppid = 1,
        string user = "root", double seconds = 1, long capacity = 8L << 30) =>
        new(pid, ppid, user, 'S', cpu, rss, 1, cgroup, cgroup is null ? null : ContainerNames.FromPath(cgroup), command, seconds)
        {
            MemoryPercent = Units.PercentOf(rss, capacity),
        };

    public static Frame Frame(IEnumerable<CgroupView> cgroups, IEnumerable<ProcessView> processes, int second = 0) =>
        new(DateTimeOffset.UnixEpoch.AddSeconds(second), 1, new Scope(ScopeKind.Host, 2, 8L << 30), cgroups.ToList(), processes.ToList(),
            new HostView(0.5, 0.4, 0.3, 3 * 86400 + 4 * 3600 + 12 * 60, 2, 1.0, 8L << 30, 6L << 30));
}

/// <summary>
/// A UI thread's queue for tests: what is scheduled waits until the test thread pumps it, as Terminal.Gui's loop runs
/// what <c>app.Invoke</c> queued. Work posted back from a worker thus runs on the test thread, in order.
/// </summary>
internal sealed class PumpScheduler : LocalScheduler
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Action> _queue = new();

    public int Pending => _queue.Count;

    public override IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        var result = new System.Reactive.Disposables.SingleAssignmentDisposable();
        _queue.Enqueue(() => { if (!result.IsDisposed) result.Disposable = action(this, state); });
        return result;
    }

    public void Pump()
    {
        while (_queue.TryDequeue(out var run)) run();
    }

    /// <summary>Waits (bounded) until something was posted, then runs it on the calling thread.</summary>
    public bool PumpWhenPosted(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_queue.IsEmpty && DateTime.UtcNow < deadline) Thread.Sleep(10);
        bool posted = !_queue.IsEmpty;
        Pump();
        return posted;
    }
}

/// <summary>The real dashboard on Terminal.Gui's ANSI driver at a fixed size, fed by hand, driven by injected keys.</summary>
internal sealed class Harness : IDisposable
{
    private readonly SessionToken? _token;

    /// <param name="worker">Where the dashboard's writes and signals run; null: inline, so a key's outcome shows at once.</param>
    /// <param name="ui">The UI thread's queue, pumped by <see cref="Feed"/> and <see cref="Key"/>; null: inline.</param>
    public Harness(int width = 120, int height = 30, History? history = null, Ctop.Tuning.Tuner? tuner = null, IScheduler? worker = null,
        PumpScheduler? ui = null)
    {
        Ui = ui;
        App = Application.Create();
        App.Init(DriverRegistry.Names.ANSI);
        App.Driver!.SetScreenSize(width, height);
        View = new DashboardView(App, Frames, (IScheduler?)ui ?? Scheduler.Immediate, history, TimeSpan.FromSeconds(1), tuner,
            worker: worker ?? Scheduler.Immediate);
        _token = App.Begin(View);
        Draw();
    }

    public IApplication App { get; }
    public PumpScheduler? Ui { get; }
    public Subject<Frame> Frames { get; } = new();
    public DashboardView View { get; }

    public void Feed(Frame frame)
    {
        Frames.OnNext(frame);
        Draw();
    }

    public void Key(Key key)
    {
        App.InjectKey(key);
        Draw();
    }

    public void Type(string text)
    {
        foreach (var c in text) App.InjectKey(new Key(c));
        Draw();
    }

    public void Draw()
    {
        Ui?.Pump();
        App.LayoutAndDraw(true);
    }

    public string Screen => App.Driver!.ToString() ?? "";

    /// <summary>One string per screen row (the driver's text ends with a newline, which is not a row).</summary>
    public string[] Lines => Screen.Split('\n').Select(l => l.TrimEnd('\r')).Take(App.Driver!.Rows).ToArray();

    /// <summary>The screen line that contains <paramref name="text"/>, for asserting on a row.</summary>
    public string LineWith(string text) => Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"'{text}' is not on the screen:\n{Screen}");

    public int RowOf(string text) => Array.FindIndex(Lines, l => l.Contains(text, StringComparison.Ordinal));

    public void Dispose()
    {
        if (_token is not null) App.End(_token);
        View.Dispose();
        App.Dispose();
    }
}
