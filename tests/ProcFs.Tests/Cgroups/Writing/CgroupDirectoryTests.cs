using System.Diagnostics;
using System.Globalization;
using ProcFs.Cgroups;

namespace ProcFs.Tests.Cgroups.Writing;

public class CgroupDirectoryTests
{
    [Fact]
    public void The_inode_is_the_directorys_and_null_for_a_file_or_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("ctop-inode-").FullName;
        try
        {
            var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", dir]) { RedirectStandardOutput = true })!;
            ulong expected = ulong.Parse(stat.StandardOutput.ReadToEnd().Trim(), CultureInfo.InvariantCulture);
            stat.WaitForExit();
            Assert.Equal(expected, CgroupDirectory.Inode(dir));
            File.WriteAllText(Path.Combine(dir, "f"), "");
            Assert.Null(CgroupDirectory.Inode(Path.Combine(dir, "f")));
            Assert.Null(CgroupDirectory.Inode(Path.Combine(dir, "gone")));
            Assert.True(CgroupDirectory.HasFile(dir, "f"));
            Assert.Equal([], CgroupDirectory.Pids(dir)); // no cgroup.procs: no PIDs
            Assert.False(CgroupDirectory.Kill(dir)); // no cgroup.kill
        }
        finally { Directory.Delete(dir, true); }
    }
}
