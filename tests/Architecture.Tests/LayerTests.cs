using System.Reflection;
using System.Text;
using System.Xml.Linq;
using NetArchTest.Rules;

namespace Architecture.Tests;

/// <summary>
/// The direction of the layers, checked on the compiled IL (NetArchTest reads type references in signatures, fields,
/// attributes and method bodies). Constants are inlined by the compiler and so invisible here; the table's acyclic
/// order keeps the source honest for them too.
/// </summary>
public class LayerTests
{
    private static readonly Assembly Ctop = typeof(global::Ctop.Program).Assembly;
    private static readonly Assembly ProcFsAssembly = typeof(global::ProcFs.Proc.ProcReader).Assembly;

    private static IEnumerable<string> CtopNamespaces() =>
        Ctop.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n == "Ctop" || n.StartsWith("Ctop.", StringComparison.Ordinal)).Distinct().Order();

    [Fact]
    public void Every_namespace_is_a_layer()
    {
        var unknown = CtopNamespaces().Where(n => Layers.LayerOf(n) is null).ToList();
        Assert.True(unknown.Count == 0,
            $"namespaces with no row in the layer table (tests/Architecture.Tests/Layers.cs and docs/architecture.md): {string.Join(", ", unknown)}");
    }

    [Fact]
    public void The_table_is_ordered_lowest_first_so_it_has_no_cycles()
    {
        var seen = new List<string>();
        foreach (var (layer, mayUse) in Layers.Table)
        {
            foreach (var used in mayUse)
            {
                if (used.StartsWith("Ctop", StringComparison.Ordinal))
                    Assert.True(seen.Contains(used), $"{layer} may use {used}, which is not a layer below it: a cycle or a typo");
                else
                    Assert.Contains(used, Layers.Confined);
            }
            seen.Add(layer);
        }
        // NetArchTest matches dependencies by prefix: no layer may be a prefix of another but its own sub-namespaces.
        foreach (var a in Layers.Names)
            foreach (var b in Layers.Names)
                if (a != b && a != "Ctop" && b.StartsWith(a, StringComparison.Ordinal))
                    Assert.StartsWith(a + ".", b);
    }

    [Fact]
    public void Each_layer_uses_only_what_the_table_allows()
    {
        // The root (Program) is every layer's prefix, so it is forbidden by its types' full names.
        string[] root = Ctop.GetTypes().Where(t => t.Namespace == "Ctop" && !t.IsNested).Select(t => t.FullName!).ToArray();
        var problems = new StringBuilder();
        foreach (var (layer, mayUse) in Layers.Table)
        {
            var forbidden = Layers.Names.Where(l => l != layer && l != "Ctop" && !mayUse.Contains(l))
                .Concat(Layers.Confined.Where(c => !mayUse.Contains(c)))
                .Concat(layer == "Ctop" ? [] : root)
                .ToArray();
            if (forbidden.Length == 0) continue;
            if (InLayer(layer).ShouldNot().HaveDependencyOnAny(forbidden).GetResult().IsSuccessful) continue;
            // Say which dependency is wrong and where.
            foreach (var target in forbidden)
            {
                var result = InLayer(layer).ShouldNot().HaveDependencyOn(target).GetResult();
                if (!result.IsSuccessful)
                    problems.AppendLine($"{layer} → {target} (not in its row): {string.Join(", ", result.FailingTypeNames ?? [])}");
            }
        }
        Assert.True(problems.Length == 0, "wrong-way references:\n" + problems);
    }

    [Fact]
    public void ProcFs_knows_nothing_of_ctop()
    {
        var refs = ProcFsAssembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(refs, r => Assert.True(r.StartsWith("System", StringComparison.Ordinal) || r is "netstandard" or "mscorlib"
            || r.StartsWith("Microsoft.", StringComparison.Ordinal), $"ProcFs references {r}: it may use the BCL only"));
        var result = Types.InAssembly(ProcFsAssembly).ShouldNot()
            .HaveDependencyOnAny("Ctop", Layers.TerminalGui, Layers.CommandLine, Layers.Reactive, Layers.MonoUnix).GetResult();
        Assert.True(result.IsSuccessful, "ProcFs types that use ctop or its packages: " + string.Join(", ", result.FailingTypeNames ?? []));
        // A reference that is declared but not (yet) used never reaches the IL: read the project too.
        var project = XDocument.Load(Path.Combine(RepoRoot(), "src", "ProcFs", "ProcFs.csproj"));
        var declared = project.Descendants().Where(e => e.Name.LocalName is "ProjectReference" or "PackageReference" or "Reference")
            .Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.True(declared.Count == 0, "src/ProcFs/ProcFs.csproj references " + string.Join(", ", declared) + ": ProcFs uses the BCL only");
    }

    [Fact]
    public void Only_the_ui_layer_references_Terminal_Gui()
    {
        var result = Types.InAssembly(Ctop).That().DoNotResideInNamespace("Ctop.Ui")
            .ShouldNot().HaveDependencyOn(Layers.TerminalGui).GetResult();
        Assert.True(result.IsSuccessful, "Terminal.Gui used outside Ctop.Ui: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    private static PredicateList InLayer(string layer) =>
        Types.InAssembly(Ctop).That().ResideInNamespaceMatching(
            layer == "Ctop" ? "^Ctop$" : "^" + layer.Replace(".", "\\.", StringComparison.Ordinal) + "(\\..*)?$");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ctop.sln"))) return dir.FullName;
        throw new InvalidOperationException("Ctop.sln not found above " + AppContext.BaseDirectory);
    }
}
