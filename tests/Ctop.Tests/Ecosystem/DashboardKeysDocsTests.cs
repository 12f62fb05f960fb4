using System.Text.RegularExpressions;
using Ctop.Tests.Ui;

namespace Ctop.Tests.Ecosystem;

/// <summary>
/// Every key the dashboard binds (the same table its help is generated from) is documented in the man page and in
/// docs/usage.md, under the table it acts on: a new key cannot ship undocumented.
/// </summary>
[Collection(UiCollection.Name)]
public class DashboardKeysDocsTests
{
    /// <summary>The keys of the dashboard, by where they act, as the key table spells them ("S-Tab" written out).</summary>
    private static Dictionary<string, List<string>> DashboardKeys()
    {
        using var h = new Harness(80, 24);
        static IEnumerable<string> Split(string keys) => keys.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(k => k == "S-Tab" ? "Shift-Tab" : k);
        return new()
        {
            ["everywhere"] = h.View.Commands.SelectMany(c => Split(c.Keys)).ToList(),
            ["cgroup table"] = h.View.CgroupActions.SelectMany(a => Split(a.Keys)).ToList(),
            ["process table"] = h.View.ProcessActions.SelectMany(a => Split(a.Keys)).ToList(),
        };
    }

    /// <summary>The arguments of a man macro line: quoted strings or bare words.</summary>
    private static List<string> MacroArgs(string line) =>
        Regex.Matches(line, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Skip(1).ToList();

    private static string Unroff(string s) => s.Replace("\\-", "-").Replace("\\e", "\\");

    [Fact]
    public void Every_key_is_in_the_man_page_under_its_table()
    {
        var man = File.ReadAllText(Tools.ManPage);
        int start = man.IndexOf(".SH DASHBOARD KEYS", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/ctop.1 has no DASHBOARD KEYS section");
        int end = man.IndexOf("\n.SH ", start + 1, StringComparison.Ordinal);
        var lines = man[start..end].Split('\n');

        // Under each .SS, the tags of .TP entries: every bold argument of the line after .TP.
        var documented = new Dictionary<string, HashSet<string>>();
        string section = "";
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(".SS ", StringComparison.Ordinal)) section = lines[i][4..].Trim('"', ' ').ToLowerInvariant();
            if (!lines[i].StartsWith(".TP", StringComparison.Ordinal) || i + 1 >= lines.Length) continue;
            var tag = lines[i + 1];
            var args = MacroArgs(tag);
            var bold = tag.StartsWith(".BR ", StringComparison.Ordinal) ? args.Where((_, k) => k % 2 == 0)
                : tag.StartsWith(".B ", StringComparison.Ordinal) ? args : [];
            if (!documented.TryGetValue(section, out var set)) documented[section] = set = new();
            foreach (var b in bold) set.Add(Unroff(b));
        }

        var missing = DashboardKeys()
            .SelectMany(t => t.Value.Where(k => !documented.GetValueOrDefault(t.Key, []).Contains(k)).Select(k => $"{k} ({t.Key})"))
            .ToList();
        Assert.True(missing.Count == 0, "not in docs/ctop.1 DASHBOARD KEYS: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_key_is_in_the_usage_key_table_under_its_table()
    {
        var usage = File.ReadAllText(Path.Combine(Tools.RepoRoot, "docs", "usage.md"));
        int start = usage.IndexOf("## The dashboard", StringComparison.Ordinal);
        int end = usage.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        var rows = usage[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split(" | "))
            .Select(c => (Keys: Regex.Matches(c[0], "`([^`]+)`").Select(m => m.Groups[1].Value).ToHashSet(), Where: c[1].Trim()))
            .ToList();

        var missing = DashboardKeys()
            .SelectMany(t => t.Value.Where(k => !rows.Any(r => r.Where.StartsWith(t.Key, StringComparison.Ordinal) && r.Keys.Contains(k)))
                .Select(k => $"{k} ({t.Key})"))
            .ToList();
        Assert.True(missing.Count == 0, "not in docs/usage.md's key table: " + string.Join(", ", missing));
    }
}
