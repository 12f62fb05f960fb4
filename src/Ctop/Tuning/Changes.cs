using ProcFs.Cgroups;

namespace Ctop.Tuning;

/// <summary>A byte or count limit; <see cref="Value"/> null is unlimited ("max").</summary>
public readonly record struct Limit(long? Value)
{
    public static Limit Unlimited => new(null);
    public static Limit Of(long value) => new(value);
    public bool IsUnlimited => Value is null;
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "max";
}

/// <summary>
/// What to change on one cgroup; a null property is left as it is. CPU is quota and period separately so that
/// docker's --cpu-quota alone keeps the current period (and --cpus sets both, with the 100 ms period).
/// </summary>
public sealed record ChangeSet
{
    /// <summary>µs per period; <see cref="Limit.Unlimited"/> removes the quota.</summary>
    public Limit? CpuQuota { get; init; }
    public long? CpuPeriodUsec { get; init; }
    /// <summary>v2 scale 1–10000.</summary>
    public int? CpuWeight { get; init; }
    public Limit? MemoryMax { get; init; }
    public Limit? MemoryHigh { get; init; }
    /// <summary>Memory + swap in bytes, as docker's --memory-swap (equal to the memory limit = no swap).</summary>
    public Limit? MemorySwap { get; init; }
    public Limit? Pids { get; init; }

    public bool IsEmpty => CpuQuota is null && CpuPeriodUsec is null && CpuWeight is null && MemoryMax is null
        && MemoryHigh is null && MemorySwap is null && Pids is null;

    /// <summary>docker's --cpus: cores at the 100 ms period.</summary>
    public static ChangeSet Cpus(double cores) => new()
    {
        CpuQuota = Limit.Of((long)Math.Round(cores * TuningValues.DefaultPeriodUsec, MidpointRounding.AwayFromZero)),
        CpuPeriodUsec = TuningValues.DefaultPeriodUsec,
    };
}

public enum ChangeKind
{
    /// <summary>Written by <see cref="Tuner.Apply"/> or <see cref="Tuner.Step"/>.</summary>
    Applied,
    /// <summary>Written by <see cref="Tuner.Undo"/>: restores the before values of an earlier change.</summary>
    Undo,
    /// <summary>Validated only; <see cref="WriteResult.After"/> is the text that would be written. Not logged.</summary>
    DryRun,
}

/// <summary>One knob of a change: the files written, each before → after (after re-read from the kernel, which rounds).</summary>

/// <summary>One change to one cgroup (all its knobs applied together, or none).</summary>
public sealed record Change(int Id, string Cgroup, ChangeKind Kind, IReadOnlyList<KnobChange> Knobs, DateTimeOffset At)
{
    /// <summary>For an undo: the change it reverted.</summary>
    public int? Reverts { get; init; }

    public IEnumerable<WriteResult> Files => Knobs.SelectMany(k => k.Files);
}

/// <summary>
/// A change that was refused, by validation or by the kernel. <see cref="Refusal"/> names the file, value and rule;
/// <see cref="RolledBack"/> lists files of earlier knobs of the same change that had been written and were restored,
/// <see cref="NotRestored"/> those whose restore failed (the message says so). Nothing else was left changed.
/// </summary>
public sealed class TuningRefusedException : Exception
{
    public TuningRefusedException(string cgroup, CgroupWriteException refusal, IReadOnlyList<WriteResult> rolledBack, IReadOnlyList<string> notRestored)
        : base(Format(refusal, rolledBack, notRestored), refusal)
    {
        Cgroup = cgroup;
        Refusal = refusal;
        RolledBack = rolledBack;
        NotRestored = notRestored;
    }

    public string Cgroup { get; }
    public CgroupWriteException Refusal { get; }
    public IReadOnlyList<WriteResult> RolledBack { get; }
    public IReadOnlyList<string> NotRestored { get; }

    private static string Format(CgroupWriteException refusal, IReadOnlyList<WriteResult> rolledBack, IReadOnlyList<string> notRestored)
    {
        string msg = refusal.Message;
        if (rolledBack.Count > 0)
            msg += "; earlier changes of this request were restored: " +
                   string.Join(", ", rolledBack.Select(r => $"{Path.GetFileName(r.File)} back to {r.Before}"));
        if (notRestored.Count > 0)
            msg += "; NOT restored: " + string.Join("; ", notRestored);
        return msg;
    }
}
