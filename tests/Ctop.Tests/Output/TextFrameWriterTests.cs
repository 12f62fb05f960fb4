using Ctop.Model;
using Ctop.Output;
using static Ctop.Tests.Support.Frames;

namespace Ctop.Tests.Output;

public class TextFrameWriterTests
{
    private static string Render(bool cgroups = true, bool processes = true, params Frame[] frames)
    {
        var sw = new StringWriter();
        var writer = new TextFrameWriter(sw, cgroups, processes);
        foreach (var f in frames) writer.Write(f);
        return sw.ToString();
    }

    private static string[] Lines(string s) => s.Split('\n');

    [Fact]
    public void Header_line_carries_time_interval_scope_cpus_and_memory()
    {
        var header = Lines(Render(frames: Frame()))[0];
        Assert.Equal("ctop - 2026-11-26 10:00:01  interval 1.0s  scope: host  CPUs: 8.00  Mem: 16G", header);
    }

    [Fact]
    public void Container_scope_is_named()
    {
        var f = Frame(scope: new Scope(ScopeKind.Container, 1.5, 512L << 20, "web", "/docker/abc"));
        Assert.Contains("scope: container web  CPUs: 1.50  Mem: 512M", Lines(Render(frames: f))[0]);
    }

    [Fact]
    public void Cgroup_row_shows_usage_against_limits()
    {
        var text = Render(frames: Frame([Cgroup("/docker/" + new string('a', 64), container: Web)]));
        var lines = Lines(text);
        Assert.Equal(["NAME", "CORES", "LIMIT", "%LIM", "THR%", "MEM", "MEMLIM", "%MEM", "PIDS"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["web", "0.25", "2.00", "13", "3.1", "12.3M", "256M", "4.8", "12/100"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Unknown_and_unlimited_are_dashes()
    {
        var line = Lines(Render(frames: Frame([Unknown("/system.slice")])))[2];
        Assert.Equal(["/system.slice", "-", "-", "-", "-", "-", "-", "-", "-/-"], line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Memory_falls_back_to_usage_without_a_working_set()
    {
        var line = Lines(Render(frames: Frame([Cgroup("/a", workingSet: null, usage: 2048)])))[2];
        Assert.Contains(" 2K ", line);
    }

    [Fact]
    public void Columns_line_up_across_rows_and_frames()
    {
        var cgroups = new[] { Cgroup("/a"), Cgroup("/kubepods.slice/" + new string('x', 80)), Unknown("/b") };
        var text = Render(frames: [Frame(cgroups), Frame([Cgroup("/c", usedCores: 12.5, limitCores: null)])]);
        var rows = Lines(text).Where(l => l.Length > 0 && !l.StartsWith("ctop -", StringComparison.Ordinal)
            && !l.TrimStart().StartsWith("PID", StringComparison.Ordinal)).ToList();
        // Every cgroup row (and its header) has the same length, so the numbers sit in the same columns.
        Assert.Single(rows.Select(r => r.Length).Distinct());
    }

    [Fact]
    public void Long_paths_keep_their_end_and_long_names_their_start()
    {
        var path = "/kubepods.slice/kubepods-burstable.slice/very-long-leaf-name.scope";
        var line = Lines(Render(frames: Frame([Cgroup(path)])))[2];
        Assert.StartsWith("...", line);
        Assert.Contains("very-long-leaf-name.scope ", line);

        var named = new ContainerId("containerd", "abc", "abcdef123456 (pod 12345678) and more text");
        line = Lines(Render(frames: Frame([Cgroup("/x", container: named)])))[2];
        Assert.StartsWith("abcdef123456 (pod 12345678) a... ", line);
    }

    [Fact]
    public void Process_row_shows_the_columns_of_top()
    {
        var text = Render(frames: Frame(processes: [Process(1234, container: Web)]));
        var lines = Lines(text);
        var header = Array.FindIndex(lines, l => l.TrimStart().StartsWith("PID", StringComparison.Ordinal));
        Assert.Equal("", lines[header - 1]); // a blank line between the tables
        Assert.Equal(["PID", "USER", "S", "%CPU", "RSS", "THR", "CONTAINER", "COMMAND"], lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1234", "root", "S", "12.5", "45.6M", "12", "web", "nginx:", "master", "process"], lines[header + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Process_without_container_and_long_user_and_command()
    {
        var text = Render(frames: Frame(processes: [Process(7, command: new string('c', 500), container: null, user: "verylongusername")]));
        var row = Lines(text).Single(l => l.TrimStart().StartsWith("7 ", StringComparison.Ordinal));
        Assert.Contains(" verylon+ ", row);
        Assert.Contains(" - ", row);
        Assert.EndsWith(new string('c', TextFrameWriter.CommandWidth - 3) + "...", row);
    }

    [Fact]
    public void Control_characters_in_commands_names_and_paths_are_never_written_raw()
    {
        var hostile = "evil\u001b[2J\a\nforged\u001b]0;pwned\u0007";
        var container = new ContainerId("docker", "x", "c\u001b[31m");
        var text = Render(frames: Frame(
            [Cgroup("/bad\u001b[2J/path\n"), Cgroup("/c", container: container)],
            [Process(1, command: hostile, container: container, user: "u\a", state: '\u001b')],
            new Scope(ScopeKind.Container, 1, 1, "n\u001b", null)));

        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\a', text);
        Assert.Contains("evil\\x1b[2J\\x07\\nforged\\x1b]0;pwned\\x07", text);
        Assert.Contains("/bad\\x1b[2J/path\\n", text);
        // Only the table structure produces line breaks: header, 2 cgroup rows + header, blank, process header + row.
        Assert.Equal(7, text.Count(c => c == '\n'));
    }

    [Fact]
    public void Frames_are_separated_by_one_blank_line()
    {
        var text = Render(frames: [Frame(), Frame(time: Time.AddSeconds(1))]);
        Assert.Contains("\n\nctop - 2026-11-26 10:00:02", text);
        Assert.StartsWith("ctop - ", text);
        Assert.EndsWith("COMMAND\n", text);
    }

    [Fact]
    public void Cgroups_only_and_processes_only_print_one_table()
    {
        var f = Frame([Cgroup("/a")], [Process(1)]);
        var cgroupsOnly = Render(cgroups: true, processes: false, frames: f);
        Assert.Contains("NAME", cgroupsOnly);
        Assert.DoesNotContain("COMMAND", cgroupsOnly);
        Assert.DoesNotContain("\n\n", cgroupsOnly);

        var processesOnly = Render(cgroups: false, processes: true, frames: f);
        Assert.DoesNotContain("NAME", processesOnly);
        Assert.Contains("COMMAND", processesOnly);
    }

    [Fact]
    public void Numbers_do_not_depend_on_the_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Contains("0.25", Render(frames: Frame([Cgroup("/a")])));
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            // InvariantGlobalization: every culture is invariant already.
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }
}
