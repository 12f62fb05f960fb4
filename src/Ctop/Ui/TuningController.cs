using System.Globalization;
using System.Text;
using Ctop.Model;
using Ctop.Tuning;
using ProcFs.Cgroups;

namespace Ctop.Ui;

/// <summary>What a tuning key came to: a line for the status bar, or a box that needs reading (a refusal, a failure).</summary>
public sealed record TuningOutcome(string? Status, string? BoxTitle = null, string? BoxMessage = null);

/// <summary>
/// The tuning keys of the cgroup table (c m H p w, + -, u) and the change log (L), without a terminal: every read and
/// write of cgroupfs goes through <see cref="Tuner"/> on the worker of <see cref="UiWork"/>, and the outcome comes back on
/// the UI thread as a <see cref="TuningOutcome"/>. Null tuner: every key says tuning is unavailable.
/// </summary>
public sealed class TuningController(Tuner? tuner, UiWork work)
{
    public const string Unavailable = "changing limits is not available in this session (no cgroup layout was given).";

    public bool Available => tuner is not null;

    /// <summary>memory.high exists only on v2; a v1 memory controller has no throttling threshold.</summary>
    public bool MemoryHighMissing => tuner?.Layout.VersionOf(Controllers.Memory) == CgroupVersion.V1;

    public const string MemoryHighOnV1 =
        "memory.high exists only on cgroup v2; on this host the memory controller is on cgroup v1, which has no "
        + "throttling threshold. m sets the hard limit (memory.limit_in_bytes). Nothing was changed.";

    /// <summary>+ and -: the CPU limit by <paramref name="cores"/> at the current period (reads cpu.max first, on the worker).</summary>
    public void Step(CgroupView c, double cores, Action<TuningOutcome> done)
    {
        string what = $"CPU limit {(cores > 0 ? "+" : "−")}{Math.Abs(cores):0.0} core";
        string path = c.Path;
        bool unlimited = c.Cpu.QuotaUsec is null;
        Write(what, path, t => t.Step(path, cores), change => change is not null
            ? LimitEditModel.Describe(change) + "  (u: undo)"
            : unlimited && cores > 0
                ? $"{TextEscape.Escape(path)} has no CPU limit: + has nothing to raise (c or - sets one)"
                : $"{TextEscape.Escape(path)}: the CPU quota is already at the kernel's minimum (1 ms per period)", done);
    }

    /// <summary>u: restores exactly the values before the last change of this cgroup.</summary>
    public void Undo(CgroupView c, Action<TuningOutcome> done)
    {
        string path = c.Path;
        Write("undo", path, t => t.Undo(path), change => change is not null
            ? "undone: " + LimitEditModel.Describe(change)
            : $"nothing to undo on {TextEscape.Escape(path)}: no limit of it was changed in this session", done);
    }

    /// <summary>
    /// The limit dialog's apply (and its dry run as the value is typed): on the worker, since a dry run reads the files'
    /// values and checks write access. Throws nothing: a refusal or a bad value arrives in <paramref name="failed"/>.
    /// </summary>
    public IDisposable Apply(string path, ChangeSet set, bool dryRun, Action<Change> done, Action<Exception> failed)
    {
        if (tuner is not { } t)
        {
            failed(new InvalidOperationException(Unavailable));
            return System.Reactive.Disposables.Disposable.Empty;
        }
        return work.Run(dryRun ? $"checking {TextEscape.Escape(path)}" : $"writing {TextEscape.Escape(path)}",
            () => t.Apply(path, set, dryRun), done, failed);
    }

    /// <summary>Runs a write; success is a status line, a refusal or failure a box that says what was refused and why.</summary>
    private void Write(string what, string path, Func<Tuner, Change?> write, Func<Change?, string> describe, Action<TuningOutcome> done)
    {
        if (tuner is not { } t)
        {
            done(new TuningOutcome(null, "Tuning", Unavailable));
            return;
        }
        work.Run($"{what} on {TextEscape.Escape(path)}…", () => write(t),
            change => done(new TuningOutcome(describe(change))),
            ex => done(ex switch
            {
                TuningRefusedException r => new TuningOutcome(null, "Refused",
                    $"{what} on {TextEscape.Escape(path)} refused: {r.Message}" + (r.NotRestored.Count == 0 ? ". Nothing was changed." : "")),
                // A dashboard must outlive a failed write (an unreadable file, a cgroup gone mid-way): say it, keep running.
                _ => new TuningOutcome(null, "Failed", $"{what} on {TextEscape.Escape(path)} failed: {ex.Message}"),
            }));
    }

    /// <summary>The change log's text (L): each change of this session with every file it wrote, before → after.</summary>
    public string ChangeLogText()
    {
        var log = tuner?.Log ?? [];
        var sb = new StringBuilder();
        if (log.Count == 0)
        {
            sb.AppendLine("No limits were changed in this session.");
            sb.AppendLine("On the cgroup table: c CPU, + - CPU by 0.1 core, m memory, H memory.high, p tasks, w CPU weight; u undoes.");
            return sb.ToString();
        }
        sb.AppendLine("Limit changes in this session, oldest first (u on a cgroup undoes its last change):");
        foreach (var change in log)
        {
            string kind = change.Kind == ChangeKind.Undo ? $"  undo of #{change.Reverts}" : "";
            sb.AppendLine($"#{change.Id} {change.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {TextEscape.Escape(change.Cgroup)}{kind}");
            foreach (var k in change.Knobs)
                foreach (var f in k.Files)
                    sb.AppendLine($"    {TuningCommands.Label(k.Knob),-12} {(f.Changed ? LimitEditModel.FileChange(k.Knob, f) : $"{Path.GetFileName(f.File)} {f.Before} (unchanged)")}");
        }
        return sb.ToString();
    }
}
