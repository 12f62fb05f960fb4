using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Ctop.Config;
using Ctop.Model;
using Ctop.Store;
using Terminal.Gui.App;
using Terminal.Gui.Input;

namespace Ctop.Ui;

/// <summary>
/// `ctop replay`: the dashboard on recorded frames. The store is read on a background thread (the UI thread does no
/// I/O); keys move in time, and each frame reached goes to the same dashboard as live frames do. Nothing acts on the
/// live system: limit edits, kill and renice are not offered.
/// </summary>
public static class ReplayDashboard
{
    private const string RestoreKeypad = "\x1b[?1l\x1b>";
    private const int HistoryFrames = 60;

    public static readonly IReadOnlyList<(string Keys, string What)> Keys =
    [
        (", .", "replay: one sample back / forward"),
        ("{ }", "replay: a minute back / forward"),
        ("( )", "replay: an hour back / forward"),
        ("g", "replay: go to a time (ISO 8601 or HH:MM[:SS] today; 'end' for the newest)"),
        ("G", "replay: the newest sample (and follow it while playing)"),
        ("Space", "replay: play / pause at the recorded pace"),
        ("o", "replay: group the cgroup table by pod (g, which does it live, goes to a time here)"),
    ];

    public static int Run(string dir, DateTimeOffset? at, ConfigFile config)
    {
        var app = Application.Create();
        var idle = IdleLoop.Attach(app);
        Exception? error = null;
        try
        {
            app.Init();
            using var replay = new Replay(app, dir);
            using var view = replay.Open(at, config);
            app.Run(view);
            error = view.Error;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e;
        }
        finally
        {
            idle?.Stop();
            app.Dispose();
            idle?.Dispose();
            Console.Out.Write(RestoreKeypad);
            Console.Out.Flush();
        }
        if (error is null) return 0;
        Console.Error.WriteLine($"ctop: {error.Message}");
        return 1;
    }

    /// <summary>The replay session: the cursor on its thread, the frames it sends, and the keys that move it.</summary>
    public sealed class Replay : IDisposable
    {
        private readonly IApplication _app;
        private readonly EventLoopScheduler _loop = new(start => new Thread(start) { IsBackground = true, Name = "ctop-replay" });
        private readonly Subject<Frame> _frames = new();
        private readonly History _history = new();
        private readonly ReplayCursor _cursor;
        private DashboardView? _view;
        private volatile bool _playing;
        private long _playGeneration;

        public Replay(IApplication app, string dir)
        {
            _app = app;
            _cursor = new ReplayCursor(new StoreReader(dir, m => Say(m)));
        }

        public bool Playing => _playing;

        public DashboardView Open(DateTimeOffset? at, ConfigFile config)
        {
            // The first frame is found before the view exists, on the replay thread, so the interval is known.
            var first = _loop.AsObservable(() => at is { } t ? _cursor.GoTo(t) : _cursor.GoToEnd());
            var interval = TimeSpan.FromSeconds(Math.Clamp(first?.IntervalSeconds ?? 1, 0.05, 86_400));
            var view = new DashboardView(_app, _frames, new UiScheduler(_app), _history, interval, recording: true)
            {
                HeaderTag = f => "REPLAY " + (f is null ? "-" : f.Time.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))
                    + (_playing ? " ▶  " : " ⏸  "),
                ExtraKeys = HandleKey,
                ExtraHelp = Keys,
            };
            view.Configure(config.Config, config.Problem);
            _view = view;
            if (first is null) Say("no frame in this recording yet (a frame needs two samples of one run)");
            else Move(() => first, rebuild: true);
            return view;
        }

        public bool HandleKey(Key key)
        {
            if (key == KeyText.K('.')) Move(() => _cursor.Step(1), rebuild: false, pause: true);
            else if (key == KeyText.K(',')) Move(() => _cursor.Step(-1), rebuild: true, pause: true);
            else if (key == KeyText.K('}')) Move(() => _cursor.Jump(TimeSpan.FromMinutes(1)), rebuild: true);
            else if (key == KeyText.K('{')) Move(() => _cursor.Jump(TimeSpan.FromMinutes(-1)), rebuild: true);
            else if (key == KeyText.K(')')) Move(() => _cursor.Jump(TimeSpan.FromHours(1)), rebuild: true);
            else if (key == KeyText.K('(')) Move(() => _cursor.Jump(TimeSpan.FromHours(-1)), rebuild: true);
            else if (key == KeyText.K('G')) Move(_cursor.GoToEnd, rebuild: true);
            else if (key == Key.Space) TogglePlay();
            else if (key == KeyText.K('g')) AskTime();
            else return false;
            return true;
        }

        private void AskTime() =>
            _view?.ShowOverlay(new PromptOverlay("Go to (ISO 8601, HH:MM[:SS] today, or end): ", "",
                changed: _ => { },
                commit: text =>
                {
                    if (text.Trim() == "end") { Move(_cursor.GoToEnd, rebuild: true); return; }
                    if (TimeArgument.TryParse(text, DateTimeOffset.Now, out var t, out var why)) Move(() => _cursor.GoTo(t), rebuild: true);
                    else _view?.ShowStatus(TextEscape.Escape(why!));
                },
                cancel: () => { }));

        private void TogglePlay()
        {
            _playing = !_playing;
            long generation = Interlocked.Increment(ref _playGeneration);
            _view?.RefreshHeader();
            if (_playing) _loop.Schedule(TimeSpan.Zero, () => Tick(generation));
        }

        private void Tick(long generation)
        {
            if (!_playing || generation != Interlocked.Read(ref _playGeneration)) return;
            Frame? f;
            try { f = _cursor.Step(1); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Say(e.Message); f = null; }
            if (f is not null)
            {
                _history.Add(f);
                _frames.OnNext(f);
            }
            // At the end it waits for more (the store may be being recorded), at the recorded pace.
            double wait = Math.Clamp(f?.IntervalSeconds ?? _cursor.Frame?.IntervalSeconds ?? 1, 0.05, 60);
            _loop.Schedule(TimeSpan.FromSeconds(wait), () => Tick(generation));
        }

        /// <summary>Runs a move on the replay thread; the frame it reaches goes to the dashboard.</summary>
        private void Move(Func<Frame?> move, bool rebuild, bool pause = false)
        {
            if (pause && _playing) TogglePlay();
            _loop.Schedule(() =>
            {
                Frame? f;
                try { f = move(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Say(e.Message); return; }
                if (f is null) { Say("no recorded frame that way"); return; }
                if (rebuild)
                {
                    // The sparklines show the recorded minute before the frame reached.
                    _history.Clear();
                    foreach (var h in _cursor.FramesBefore(HistoryFrames)) _history.Add(h);
                }
                else _history.Add(f);
                _frames.OnNext(f);
            });
        }

        private void Say(string message) => _app.Invoke(() => _view?.ShowStatus(TextEscape.Escape(message)));

        public void Dispose()
        {
            _playing = false;
            _loop.Dispose();
            _frames.Dispose();
        }
    }

    /// <summary>Runs a function on the scheduler's thread and waits for its result.</summary>
    private static T AsObservable<T>(this IScheduler scheduler, Func<T> f) =>
        Observable.Start(f, scheduler).Wait();
}
