using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace Ctop.Ui;

/// <summary>
/// Runs the dashboard's side effects (cgroup reads and writes, config saves, signals) on a worker and posts each result
/// back through the UI scheduler, so a frozen cgroup or a slow disk cannot hang the screen. One worker thread, in order:
/// an undo runs after the change it undoes. Tests pass <see cref="Scheduler.Immediate"/> for both to stay synchronous.
/// </summary>
public sealed class UiWork(IScheduler worker, IScheduler ui) : IDisposable
{
    /// <summary>The dashboard's worker: one background thread for the session.</summary>
    public static IScheduler NewWorker() => new EventLoopScheduler(start => new Thread(start) { IsBackground = true, Name = "ctop worker" });

    private readonly List<string> _running = [];
    private readonly HashSet<IDisposable> _pending = [];
    private bool _stopped;
    private readonly ManualResetEventSlim _idle = new(true);
    private int _inFlight;

    /// <summary>What is running now, oldest first (read and changed on the UI thread only).</summary>
    public IReadOnlyList<string> Running => _running;

    /// <summary>Raised on the UI thread when work starts or ends: the status bar shows what runs.</summary>
    public event Action? Changed;

    /// <summary>
    /// Runs <paramref name="work"/> on the worker; <paramref name="done"/> or <paramref name="failed"/> then run on the UI
    /// thread. <paramref name="what"/> names it in the status bar while it runs. Disposing the result drops the outcome.
    /// </summary>
    public IDisposable Run<T>(string what, Func<T> work, Action<T> done, Action<Exception> failed)
    {
        _running.Add(what);
        Changed?.Invoke();
        bool ended = false;
        var outcome = new SingleAssignmentDisposable();
        IDisposable? handle = null;
        void End()
        {
            if (ended) return;
            ended = true;
            _pending.Remove(handle!);
            _running.Remove(what);
            if (!_stopped) Changed?.Invoke();
        }
        // Disposed (a check overtaken by newer text, the dashboard ending): the outcome is dropped and the line says no
        // more that it runs.
        handle = new CompositeDisposable(outcome, Disposable.Create(End));
        _pending.Add(handle);
        outcome.Disposable = Observable.Start(() => Counted(work), worker).ObserveOn(ui).Subscribe(
            r => { End(); done(r); },
            e => { End(); failed(e); });
        return handle;
    }

    private T Counted<T>(Func<T> work)
    {
        if (Interlocked.Increment(ref _inFlight) == 1) _idle.Reset();
        try
        {
            return work();
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0) _idle.Set();
        }
    }

    /// <summary>
    /// The dashboard ends: outcomes not yet shown are dropped (there is no screen left), work not yet started is not
    /// started, and a write in progress gets up to <paramref name="grace"/> to finish, so quitting right after a key does
    /// not cut a change between its files. A write blocked longer (a frozen cgroup) is left to the process's exit.
    /// </summary>
    public void Stop(TimeSpan grace)
    {
        _stopped = true;
        foreach (var p in _pending.ToArray()) p.Dispose();
        (worker as IDisposable)?.Dispose();
        _idle.Wait(grace);
    }

    public void Dispose() => Stop(TimeSpan.FromSeconds(5));
}
