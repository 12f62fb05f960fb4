using ProcFs.Parsing;
using Ctop.Model;

namespace Ctop.Output;

/// <summary>
/// docker ps's --filter for containers: name=TEXT (part of the name), id=PREFIX, image=IMAGE (also ancestor=; with or
/// without its tag, registry "docker.io/" and "localhost/" prefixes ignored), label=KEY or label=KEY=VALUE. As in
/// docker, several values of one key match any of them, except labels, which must all match; different keys must
/// all match. Only containers pass, so a filter also hides every plain cgroup.
/// </summary>
public sealed record ContainerFilter
{
    public static readonly IReadOnlyList<string> Keys = ["name", "id", "image", "ancestor", "label"];

    public IReadOnlyList<string> Names { get; init; } = [];
    public IReadOnlyList<string> Ids { get; init; } = [];
    public IReadOnlyList<string> Images { get; init; } = [];
    public IReadOnlyList<(string Key, string? Value)> Labels { get; init; } = [];

    /// <summary>Parses --filter values; <paramref name="error"/> says what was wrong with the first bad one.</summary>
    public static ContainerFilter? Parse(IEnumerable<string> filters, out string? error)
    {
        error = null;
        List<string> names = [], ids = [], images = [];
        List<(string, string?)> labels = [];
        foreach (var f in filters)
        {
            int eq = f.IndexOf('=');
            string key = eq < 0 ? f : f[..eq], value = eq < 0 ? "" : f[(eq + 1)..];
            string shown = Printable.Escape(f); // quoted in a one-line error: no control character may reach the terminal
            if (eq < 0 || !Keys.Contains(key))
            {
                error = $"Invalid --filter '{shown}': expected KEY=VALUE with KEY one of {string.Join(", ", Keys)} (e.g. name=web, label=app=x).";
                return null;
            }
            if (value.Length == 0 || value.Any(char.IsControl))
            {
                error = $"Invalid --filter '{shown}': {key}= needs a value.";
                return null;
            }
            switch (key)
            {
                case "name": names.Add(value); break;
                case "id": ids.Add(value.ToLowerInvariant()); break;
                case "image" or "ancestor": images.Add(value); break;
                default:
                    int leq = value.IndexOf('=');
                    if (leq == 0) { error = $"Invalid --filter '{shown}': a label filter is label=KEY or label=KEY=VALUE."; return null; }
                    labels.Add(leq < 0 ? (value, null) : (value[..leq], value[(leq + 1)..]));
                    break;
            }
        }
        return new ContainerFilter { Names = names, Ids = ids, Images = images, Labels = labels };
    }

    public bool Matches(ContainerId? c)
    {
        if (c is null) return false;
        if (Names.Count > 0 && !Names.Any(n => c.Name.Contains(n, StringComparison.Ordinal) || c.QualifiedName.Contains(n, StringComparison.Ordinal)))
            return false;
        if (Ids.Count > 0 && !Ids.Any(i => c.Id.StartsWith(i, StringComparison.OrdinalIgnoreCase))) return false;
        if (Images.Count > 0 && (c.Image is not { } image || !Images.Any(i => SameImage(i, image)))) return false;
        foreach (var (key, value) in Labels)
            if (c.Labels is null || !c.Labels.TryGetValue(key, out var v) || (value is not null && v != value)) return false;
        return true;
    }

    /// <summary>"busybox" names busybox:latest, docker.io/library/busybox:1.36 and localhost/busybox alike; a tag given must match.</summary>
    internal static bool SameImage(string wanted, string image)
    {
        string w = Normalize(wanted), i = Normalize(image);
        if (w == i) return true;
        return !HasTag(w) && HasTag(i) && i[..i.LastIndexOf(':')] == w;
    }

    private static bool HasTag(string image) => image.LastIndexOf(':') > image.LastIndexOf('/');

    private static string Normalize(string image)
    {
        int at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        foreach (var prefix in new[] { "docker.io/library/", "docker.io/", "localhost/" })
            if (image.StartsWith(prefix, StringComparison.Ordinal)) return image[prefix.Length..];
        return image;
    }
}
