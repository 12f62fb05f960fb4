using ProcFs.Cgroups;
using static ProcFs.Tests.Cgroups.Files.CgroupFixture;

namespace ProcFs.Tests.Cgroups.Files;

public class CpuListTests
{
    [Theory]
    [InlineData("0-3,5,7-8\n", "0-3,5,7-8", 7)]
    [InlineData("0-1\n", "0-1", 2)]
    [InlineData("0\n", "0", 1)]
    [InlineData("0-4,6,8-10", "0-4,6,8-10", 9)]
    [InlineData("\n", "", 0)]
    [InlineData("", "", 0)]
    [InlineData("8-10,0-4 \r\n", "0-4,8-10", 8)]      // unordered, as a person might write it
    [InlineData("0-3,2-5,6", "0-6", 7)]               // overlapping and adjacent ranges merge
    [InlineData("1,2,3", "1-3", 3)]
    public void Parses_to_the_canonical_form(string content, string canonical, int count)
    {
        using var f = new CgroupFixture();
        f.Write("cpuset.cpus.effective", content);
        var list = f.Reader.ReadCpuList(f.Dir, "cpuset.cpus.effective")!;
        Assert.Equal(canonical, list.ToString());
        Assert.Equal(count, list.Count);
        Assert.Equal(count, list.Count());
        Assert.Equal(count == 0, list.IsEmpty);
    }

    [Fact]
    public void Contains_checks_membership()
    {
        var list = CpuList.Parse(B("0-3,5,7-8\n"), "cpuset.cpus");
        int[] members = [0, 1, 2, 3, 5, 7, 8];
        for (int c = 0; c < 12; c++) Assert.Equal(members.Contains(c), list.Contains(c));
        Assert.False(list.Contains(-1));
        Assert.Equal(members, list.ToArray());
        Assert.Equal(new[] { new CpuRange(0, 3), new CpuRange(5, 5), new CpuRange(7, 8) }, list.Ranges);
    }

    [Fact]
    public void Equality_is_by_set()
    {
        Assert.Equal(CpuList.Parse(B("0-2"), "a"), CpuList.FromCpus([2, 0, 1]));
        Assert.Equal(CpuList.Parse(B("0-2"), "a").GetHashCode(), CpuList.FromCpus([2, 0, 1]).GetHashCode());
        Assert.NotEqual(CpuList.Parse(B("0-2"), "a"), CpuList.Parse(B("0-3"), "a"));
        Assert.Same(CpuList.Empty, CpuList.Parse(B(""), "a"));
    }

    [Theory]
    [InlineData("0-3,,5", "empty element")]
    [InlineData("0-3,", "empty element")]
    [InlineData(",1", "empty element")]
    [InlineData("3-1", "descending")]
    [InlineData("a-b", "not a CPU number")]
    [InlineData("0-", "not a CPU number")]
    [InlineData("-3", "not a CPU number")]
    [InlineData("+1", "not a CPU number")]
    [InlineData("0 - 3", "not a CPU number")]
    [InlineData("0-9:2/5", "not a CPU number")]
    [InlineData("99999999999", "out of range")]
    [InlineData("garbage", "not a CPU number")]
    public void Rejects_garbage_with_a_clear_reason(string content, string reason)
    {
        using var f = new CgroupFixture();
        var path = f.Write("cpuset.cpus", content);
        var e = AssertFormatError(() => f.Reader.ReadCpuList(f.Dir, "cpuset.cpus"), path, 1);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void A_second_line_is_rejected_with_its_number()
    {
        using var f = new CgroupFixture();
        var path = f.Write("cpuset.mems", "0\n1\n");
        AssertFormatError(() => f.Reader.ReadCpuList(f.Dir, "cpuset.mems"), path, 2);
    }

    [Fact]
    public void FromCpus_rejects_negative_numbers() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuList.FromCpus([-1]));
}
