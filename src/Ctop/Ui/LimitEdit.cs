using System.Globalization;
using Ctop.Model;
using Ctop.Tuning;
using ProcFs.Cgroups;

namespace Ctop.Ui;

/// <summary>The limits the dashboard edits on the selected cgroup (c, m, H, p, w).</summary>
public enum LimitKind
{
    Cpu,
    Memory,
    MemoryHigh,
    Pids,
    Weight,
}

/// <summary>
/// The view-model of one limit dialog: what the limit is now on the cgroup, the effective (ancestor) limit and who sets it,
/// what the field accepts, and the typed text → <see cref="ChangeSet"/> through the same parsers as <c>ctop limit</c>.
/// Plain class: the overlay draws it, tests may use it directly.
/// </summary>
public sealed class LimitEditModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public LimitEditModel(LimitKind kind, CgroupView cgroup, Frame? frame)
    {
        Kind = kind;
        Cgroup = cgroup;
        Path = cgroup.Path;
        Frame = frame;
    }

    public LimitKind Kind { get; }
    public string Path { get; }
    public CgroupView Cgroup { get; private set; }
    public Frame? Frame { get; private set; }

    /// <summary>A newer frame: the current and effective values follow it while the dialog is open.</summary>
    public void Update(Frame frame)
    {
        Frame = frame;
        if (frame.Cgroups.FirstOrDefault(c => c.Path == Path) is { } c) Cgroup = c;
    }

    public string Title => Kind switch
    {
        LimitKind.Cpu => "CPU limit",
        LimitKind.Memory => "Memory limit",
        LimitKind.MemoryHigh => "memory.high",
        LimitKind.Pids => "Task limit",
        _ => "CPU weight",
    };

    /// <summary>The control files it writes, named for the user (v2 / v1).</summary>
    public string Files => Kind switch
    {
        LimitKind.Cpu => "cpu.max / cpu.cfs_quota_us",
        LimitKind.Memory => "memory.max / memory.limit_in_bytes",
        LimitKind.MemoryHigh => "memory.high, v2 only",
        LimitKind.Pids => "pids.max",
        _ => "cpu.weight / cpu.shares",
    };

    public string Accepts => Kind switch
    {
        LimitKind.Cpu => "cores 0.5, 2; % of one CPU 50%, 150%; max",
        LimitKind.Memory or LimitKind.MemoryHigh => "256M, 1.5G, 512K, bytes; max",
        LimitKind.Pids => "a number of tasks 100; max",
        _ => "1–10000, default 100",
    };

    /// <summary>The limit on the cgroup itself, as the last frame saw it.</summary>
    public string Current
    {
        get
        {
            var c = Cgroup;
            return Kind switch
            {
                LimitKind.Cpu => c.Cpu.QuotaUsec is { } q && c.Cpu.PeriodUsec is { } p && p > 0
                    ? $"{TuningValues.FormatCores(q, p)} cores (quota {q} µs per {p} µs)"
                    : "max (no quota)",
                LimitKind.Memory => Size(c.Memory.LimitBytes),
                LimitKind.MemoryHigh => Size(c.Memory.HighBytes),
                LimitKind.Pids => c.Pids.Max is { } m ? m.ToString(C) : "max",
                _ => c.Cpu.Weight is { } w ? w.ToString(C) + (w == 100 ? " (default)" : "") : Fmt.None,
            };
        }
    }

    /// <summary>What actually bounds the cgroup: the smallest limit along it and its ancestors, and which cgroup sets it.</summary>
    public string Effective
    {
        get
        {
            var c = Cgroup;
            switch (Kind)
            {
                case LimitKind.Cpu:
                    return SetBy(c.Effective.CpuLimitCores is { } cores ? Units.Cores(cores) + " cores" : null, c.Effective.CpuLimitSetBy);
                case LimitKind.Memory:
                    return SetBy(c.Effective.MemoryLimitBytes is { } b ? Units.Bytes(b) : null, c.Effective.MemoryLimitSetBy);
                case LimitKind.MemoryHigh:
                {
                    // The frame has no effective memory.high: the smallest along the ancestors in this frame.
                    var (v, by) = Smallest(x => x.Memory.HighBytes);
                    return SetBy(v is { } high ? Units.Bytes(high) : null, by);
                }
                case LimitKind.Pids:
                {
                    var (v, by) = Smallest(x => x.Pids.Max);
                    return SetBy(v?.ToString(C), by);
                }
                default:
                    // A weight is not a limit: it only divides the CPU among siblings when they compete.
                    return $"relative to its siblings under {TextEscape.Escape(CgroupPath.Parent(Path) ?? "/")}";
            }
        }
    }

    /// <summary>The field's starting text: the current value in the form the field accepts, so Enter alone changes nothing.</summary>
    public string Initial
    {
        get
        {
            var c = Cgroup;
            return Kind switch
            {
                LimitKind.Cpu => c.Cpu.QuotaUsec is { } q && c.Cpu.PeriodUsec is { } p && p > 0 ? TuningValues.FormatCores(q, p) : "max",
                LimitKind.Memory => c.Memory.LimitBytes is { } b ? TuningValues.FormatSize(b) : "max",
                LimitKind.MemoryHigh => c.Memory.HighBytes is { } h ? TuningValues.FormatSize(h) : "max",
                LimitKind.Pids => c.Pids.Max is { } m ? m.ToString(C) : "max",
                _ => (c.Cpu.Weight ?? 100).ToString(C),
            };
        }
    }

    /// <summary>The typed text as a change; throws <see cref="TuningUsageException"/> with the parser's message.</summary>
    public ChangeSet Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new TuningUsageException($"type a value: {Accepts}");
        return Kind switch
        {
            // As `ctop limit --cpus`: the quota at docker's 100 ms period.
            LimitKind.Cpu => new ChangeSet { CpuQuota = new Limit(TuningValues.ParseCpus(text, "CPU limit")), CpuPeriodUsec = TuningValues.DefaultPeriodUsec },
            LimitKind.Memory => new ChangeSet { MemoryMax = new Limit(TuningValues.ParseSize(text, "memory limit")) },
            LimitKind.MemoryHigh => new ChangeSet { MemoryHigh = new Limit(TuningValues.ParseSize(text, "memory.high")) },
            LimitKind.Pids => new ChangeSet { Pids = new Limit(TuningValues.ParsePids(text, "task limit")) },
            _ => new ChangeSet { CpuWeight = TuningValues.ParseWeight(text, "CPU weight") },
        };
    }

    private (long? Value, string? SetBy) Smallest(Func<CgroupView, long?> limit)
    {
        var byPath = Frame?.Cgroups.ToDictionary(x => x.Path) ?? new Dictionary<string, CgroupView> { [Path] = Cgroup };
        return CgroupPath.Smallest(Path, p => (p == Path ? Cgroup : byPath.GetValueOrDefault(p)) is { } x ? limit(x) : null);
    }

    private string SetBy(string? value, string? setBy) =>
        value is null || setBy is null ? "none: no limit on it or its ancestors"
        : setBy == Path ? value + " (its own)"
        : $"{value}, set by {TextEscape.Escape(setBy)}";

    private static string Size(long? bytes) => bytes is { } b ? $"{Units.Bytes(b)} ({b} bytes)" : "max";

    /// <summary>One line for the status bar and the log: "cpu.max max 100000 → 50000 100000", each file that changed.</summary>
    public static string Describe(Change change)
    {
        string who = TextEscape.Escape(change.Cgroup);
        var files = change.Knobs.SelectMany(k => k.Files.Where(f => f.Changed).Select(f => (k.Knob, f))).ToList();
        if (files.Count == 0)
            return $"{who}: unchanged, already {string.Join(", ", change.Files.Select(f => $"{FileName(f)} {f.After}"))}";
        return $"{who}: " + string.Join(", ", files.Select(x => FileChange(x.Knob, x.f)));
    }

    /// <summary>"cpu.max max 100000 → 50000 100000"; sizes also in human units ("→ 268435456 (256M)").</summary>
    public static string FileChange(Knob knob, WriteResult f) => $"{FileName(f)} {f.Before} → {f.After}{SizeHint(knob, f.After)}";

    private static string FileName(WriteResult f) => System.IO.Path.GetFileName(f.File);

    /// <summary>Bytes read as a size at a glance; v1's huge "unlimited" number gets none.</summary>
    private static string SizeHint(Knob knob, string text) =>
        knob is Knob.MemoryMax or Knob.MemoryHigh or Knob.MemorySwap
        && long.TryParse(text, NumberStyles.None, C, out long b) && b < 0x7FFF_FFFF_0000_0000
            ? $" ({Units.Bytes(b)})"
            : "";
}
