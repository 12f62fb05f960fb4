using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using Terminal.Gui.App;

namespace Ctop.Ui;

/// <summary>
/// An Rx scheduler that runs work on Terminal.Gui's UI thread via <see cref="IApplication.Invoke(Action)"/>, so a pipeline
/// can end in <c>.ObserveOn(new UiScheduler(app))</c> and every frame is handled on the UI thread, never reading /proc there.
/// </summary>
public sealed class UiScheduler(IApplication app) : LocalScheduler
{
    public override IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        var result = new SingleAssignmentDisposable();
        void Run()
        {
            if (!result.IsDisposed) result.Disposable = action(this, state);
        }
        if (dueTime <= TimeSpan.Zero) Post(Run);
        // AddTimeout is called on the UI thread, where the timer list is owned.
        else Post(() => app.AddTimeout(dueTime, () => { Run(); return false; }));
        return result;
    }

    /// <summary>
    /// Onto the UI loop; once the app has ended there is no screen to show anything on, so the work is dropped rather than
    /// thrown on the posting thread (a worker's result arriving after q, a frame sampled during the shutdown).
    /// </summary>
    private void Post(Action action)
    {
        try
        {
            app.Invoke(action);
        }
        catch (NotInitializedException)
        {
            // ended between the check and the post
        }
    }
}
