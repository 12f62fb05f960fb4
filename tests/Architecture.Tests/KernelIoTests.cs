using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Architecture.Tests;

/// <summary>
/// ProcFs is the only place that reads or writes kernel files (/proc, /sys/fs/cgroup). The ctop assembly may use the
/// file-system APIs only in the types below, each for files that are not the kernel's: the config file, the store,
/// runtime records under /run/ctop, runtimes' own state, a --rootfs, and options that name a directory. Checked on the
/// IL (Mono.Cecil, which NetArchTest reads with): every call to File, Directory, FileInfo, DirectoryInfo or
/// FileSystemInfo, lambdas and iterators counted for the type that wrote them.
/// </summary>
public class KernelIoTests
{
    private static readonly string[] FileSystemTypes =
        ["System.IO.File", "System.IO.Directory", "System.IO.FileInfo", "System.IO.DirectoryInfo", "System.IO.FileSystemInfo"];

    /// <summary>Type → why its file-system use is not kernel I/O.</summary>
    private static readonly Dictionary<string, string> Allowed = new()
    {
        ["Ctop.Config.CtopConfig"] = "reads ~/.config/ctop/config.toml",
        ["Ctop.Config.ConfigWriter"] = "writes the config file (and follows its symbolic link)",
        ["Ctop.Store.StoreWriter"] = "the store's shards",
        ["Ctop.Store.StoreReader"] = "the store's shards",
        ["Ctop.Store.StoreFormat"] = "lists the store's shards",
        ["Ctop.Containers.DockerConfigStore"] = "dockerd's config.v2.json files",
        ["Ctop.Containers.PodmanStorage"] = "podman's containers.json",
        ["Ctop.Containers.EngineApiClient"] = "whether the runtime's socket exists",
        ["Ctop.Containers.GrpcSocket"] = "whether a gRPC runtime's socket (containerd, the CRI) exists",
        ["Ctop.Launcher.ContainerRecord"] = "the run records under /run/ctop",
        ["Ctop.Launcher.ContainerRun"] = "checks --rootfs",
        ["Ctop.Launcher.InitProcess"] = "prepares --rootfs (its /proc and /dev mount points, device nodes)",
        ["Ctop.Cli.CtopCommand"] = "checks that an option names a directory",
        ["Ctop.Serve.ServeCommand"] = "checks that an option names a directory",
        ["Ctop.Pipeline.HeapTrim"] = "CTOP_DEBUG_GC's report file, written once at exit (off the refresh path)",
    };

    [Fact]
    public void Only_ProcFs_touches_kernel_files()
    {
        string path = typeof(global::Ctop.Program).Assembly.Location;
        using var module = ModuleDefinition.ReadModule(path);
        var users = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
            foreach (var method in type.Methods.Where(m => m.HasBody))
                foreach (var ins in method.Body.Instructions)
                    if (ins.Operand is MethodReference called && FileSystemTypes.Contains(called.DeclaringType.FullName))
                    {
                        string owner = Outermost(type).FullName;
                        if (!users.TryGetValue(owner, out var set)) users[owner] = set = new(StringComparer.Ordinal);
                        set.Add($"{called.DeclaringType.Name}.{called.Name}");
                    }
        var wrong = users.Where(u => !Allowed.ContainsKey(u.Key)).Select(u => $"{u.Key}: {string.Join(", ", u.Value)}").ToList();
        Assert.True(wrong.Count == 0,
            "file-system calls outside ProcFs and the allow-list (kernel files belong in ProcFs; other files need a reason in KernelIoTests.Allowed):\n"
            + string.Join("\n", wrong));
        // An entry that no longer uses the file system is stale: the list shrinks with the code.
        var stale = Allowed.Keys.Where(k => !users.ContainsKey(k)).ToList();
        Assert.True(stale.Count == 0, "allow-list entries that no longer use the file system: " + string.Join(", ", stale));
    }

    private static TypeDefinition Outermost(TypeDefinition t)
    {
        while (t.DeclaringType is not null) t = t.DeclaringType;
        return t;
    }
}
