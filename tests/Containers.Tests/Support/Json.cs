using System.Text.Json;

namespace Containers.Tests.Support;

/// <summary>Reading ctop's JSON lines: a cgroup by path, nested values by dotted name.</summary>
public static class Json
{
    public static IReadOnlyList<JsonElement> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    public static JsonElement Cgroup(this JsonElement frame, string path)
    {
        foreach (var c in frame.GetProperty("cgroups").EnumerateArray())
            if (c.GetProperty("path").GetString() == path) return c;
        throw new Xunit.Sdk.XunitException($"ctop's frame has no cgroup {path}; it has: " +
            string.Join(", ", frame.GetProperty("cgroups").EnumerateArray().Select(c => c.GetProperty("path").GetString())));
    }

    public static JsonElement At(this JsonElement e, string dotted)
    {
        foreach (var name in dotted.Split('.')) e = e.GetProperty(name);
        return e;
    }

    public static string? Str(this JsonElement e, string dotted) => e.At(dotted) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static double? Num(this JsonElement e, string dotted) => e.At(dotted) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
}
