using System.Text;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Tests.Support;

namespace ProcFs.Tests.Cgroups.Files;

/// <summary>A fake cgroup directory in a TempTree plus a reader, and assertions for format errors.</summary>
internal sealed class CgroupFixture : IDisposable
{
    private readonly TempTree _tree = new();

    public CgroupFixture() => Directory.CreateDirectory(Dir);

    public string Dir => _tree.Path("cg");
    public CgroupFileReader Reader { get; } = new(new KernelFile(16)); // tiny buffer: exercises growth

    /// <summary>Writes a file into the cgroup directory and returns its full path.</summary>
    public string Write(string file, string content) => _tree.Write("cg/" + file, content);

    public (byte[] Data, string Path) File(string file, string content) => (Encoding.UTF8.GetBytes(content), Write(file, content));

    public void Dispose() => _tree.Dispose();

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Asserts a ProcFsFormatException naming <paramref name="path"/> and <paramref name="line"/>, in its properties and message.</summary>
    public static ProcFsFormatException AssertFormatError(Action parse, string path, int line)
    {
        var e = Assert.Throws<ProcFsFormatException>(parse);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(line, e.LineNumber);
        Assert.StartsWith($"{path}:{line}: ", e.Message);
        return e;
    }
}
