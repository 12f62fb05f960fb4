using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace Ctop.Ui;

/// <summary>
/// Runs the dashboard's side effects (cgroup reads and writes, config saves, signals) on a worker and posts each result
/// back through the UI scheduler, so a frozen cgroup or a slow disk cannot hang the screen. One worker thread, in order:
/// an undo runs after the change it undoes. Tests pass <see cref="Scheduler.Immediate"/> for both to stay synchronous.
/// </summary>
public sealed class UiWork(IScheduler worker, IScheduler ui)
{
    /// <summary>The dashboard's worker: one background thread for the session.</summary>
    public static IScheduler NewWorker() => new EventLoopScheduler(start => new Thread(start) { IsBackground = true, Name = "ctop worker" });

    private readonly List<string> _running = [];

    /// <summary>What is running now, oldest first (read and changed on the UI thread only).</summary>
    public IReadOnlyList<string> Running => _running;

    /// <summary>Raised on the UI thread when work starts or ends: the status bar shows what runs.</summary>
    public event Action? Changed;

    /// <summary>
    /// Runs <paramref name="work"/> on the worker; <paramref name="done"/> or <paramref name="failed"/> then run on the UI
    /// thread. <paramref name="what"/> names it in the status bar while it runs.
    /// </summary>
    public IDisposable Run<T>(string what, Func<T> work, Action<T> done, Action<Exception> failed)
    {
        _running.Add(what);
        Changed?.Invoke();
        void End()
        {
            _running.Remove(what);
            Changed?.Invoke();
        }
        return Observable.Start(work, worker).ObserveOn(ui).Subscribe(
            r => { End(); done(r); },
            e => { End(); failed(e); });
    }
}
