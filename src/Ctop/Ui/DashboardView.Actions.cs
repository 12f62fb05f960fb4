using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text;
using Ctop.Config;
using Ctop.Model;
using Ctop.Pipeline;
using Ctop.Tuning;
using Terminal.Gui.App;
using Terminal.Gui.Drawing;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using Attribute = Terminal.Gui.Drawing.Attribute;

namespace Ctop.Ui;

/// <summary>What the keys open: the dialogs of settings, tuning, kill, search and filters, wired to the controllers.</summary>
public sealed partial class DashboardView
{
    // ---------------------------------------------------------------- settings (F2)

    private void OpenSetup() => Open(new SetupOverlay(SettingsControl.NewSetup(), ConfigPath, SaveSettings));

    /// <summary>The settings chosen in F2: in effect at once, then saved on the worker. A failed save keeps them for the session and says why.</summary>
    private void SaveSettings(CtopConfig config)
    {
        Configure(config);
        var wanted = TimeSpan.FromSeconds(config.RefreshSeconds);
        string later = "";
        if (wanted != Interval)
        {
            if (Resample is { } resample)
            {
                _subscription.Dispose();
                SettingsControl.Interval = wanted;
                _subscription = resample(wanted).ObserveOn(_uiScheduler).Subscribe(OnFrame, OnError);
                RefreshAll();
            }
            else later = $" (the {SetupModel.Seconds(config.RefreshSeconds)} interval applies from the next start)";
        }
        SettingsControl.Save(config, later, Status, why => Open(new MessageOverlay("Settings not saved", why)));
    }

    // ---------------------------------------------------------------- tuning (limits of the selected cgroup)

    private void EditLimit(CgroupView c, LimitKind kind)
    {
        if (!Tuning.Available) { Open(new MessageOverlay("Tuning", TuningController.Unavailable)); return; }
        if (kind == LimitKind.MemoryHigh && Tuning.MemoryHighMissing)
        {
            Open(new MessageOverlay("memory.high", TuningController.MemoryHighOnV1));
            return;
        }
        string path = c.Path;
        var model = new LimitEditModel(kind, CgroupModel.Find(path) ?? c, State.Frame);
        Open(new LimitOverlay(model, (set, dry, done, failed) => Tuning.Apply(path, set, dry, done, failed),
            change => Status(LimitEditModel.Describe(change) + "  (u: undo)")));
    }

    private void StepCpu(CgroupView c, double cores) => Tuning.Step(c, cores, ShowOutcome);

    /// <summary>The change log's text: each change of this session with every file it wrote, before → after.</summary>
    public string ChangeLogText() => Tuning.ChangeLogText();

    private void OpenNeighbours()
    {
        if (_schedstat is not null) _schedstat.Wanted = true;
        Open(new NeighboursOverlay(State.Frame, LimitCulprit));
    }

    /// <summary>A culprit chosen in the neighbours view: select its row in the cgroup table and open its CPU-limit dialog.</summary>
    private void LimitCulprit(Diagnosis.Finding culprit)
    {
        int i = CgroupModel.IndexOf(culprit.Cgroup);
        if (i < 0 || CgroupModel.Find(culprit.Cgroup) is not { } c)
        {
            Status($"{TextEscape.Escape(culprit.Cgroup)} is not in the cgroup table");
            return;
        }
        Cgroups.View.SetFocus();
        Cgroups.Select(i);
        RefreshTitles();
        EditLimit(c, LimitKind.Cpu);
    }

    private void OpenKill(ProcessView p) =>
        Open(new KillOverlay(p, signal => ProcessController.Kill(p.Pid, signal, Status)));

    // ---------------------------------------------------------------- search and filters

    private void OpenSearch()
    {
        Processes.View.SetFocus();
        Search.BeginSearch(Processes.SelectedIndex);
        Open(new PromptOverlay("Search: ", Search.Search,
            changed: t => Jump(Search.SearchTyped(t)),
            commit: t =>
            {
                if (Search.CommitSearch(t) is { } message) Status(message);
                RefreshTitles();
            },
            cancel: () => { Search.CancelSearch(); RefreshTitles(); },
            next: NextMatch));
    }

    private void NextMatch() => Jump(Search.Next(Processes.SelectedIndex));

    private void Jump(SearchJump jump)
    {
        if (jump.Row >= 0) Processes.Select(jump.Row);
        if (jump.Message is { } m) Status(m);
        RefreshTitles();
    }

    private void OpenUserFilter(ProcessView selected)
    {
        Processes.View.SetFocus();
        Open(new PromptOverlay("User: ", Search.UserPromptStart(selected.User),
            changed: _ => { },
            commit: t => { Search.SetUser(t); Processes.Apply(); RefreshTitles(); },
            cancel: RefreshTitles));
    }

    private void OpenFilter()
    {
        Processes.View.SetFocus();
        Open(new PromptOverlay("Filter: ", Search.BeginFilter(),
            changed: t => { Search.FilterTyped(t); Processes.Apply(); RefreshTitles(); },
            commit: _ => RefreshTitles(),
            cancel: () => { Search.CancelFilter(); Processes.Apply(); RefreshTitles(); }));
    }
}
