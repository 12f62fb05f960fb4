using Ctop.Lxcfs;
using ProcFs.Cgroups;

namespace Ctop.Tests.Reliability;

/// <summary>Inputs the fuzzers found that broke a parser, kept so the fix stays.</summary>
public sealed class FuzzRegressionTests
{
    /// <summary>
    /// A cpuacct.usage_all line with a CPU number no kernel has sized the per-CPU table by it: 2147483647 overflowed
    /// (OverflowException), 99999999 allocated gigabytes and took minutes in the /proc/stat view.
    /// </summary>
    [Theory]
    [InlineData("2147483647")]
    [InlineData("99999999")]
    [InlineData("8192")]
    public void A_cpuacct_line_with_an_impossible_cpu_number_is_ignored(string cpu)
    {
        var all = CpuacctUsageAll.Parse(System.Text.Encoding.ASCII.GetBytes($"cpu user system\n0 100 200\n{cpu} 5 6\n"), "cpuacct.usage_all");
        var ticks = CpuTicks.From(all, null, 100, LxcfsQuirks.Ctop)!;
        Assert.Single(ticks);
        var stat = StatView.Render("cpu  1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n", new CpuInputs(CpuList.FromCpus([0]), 50_000, 100_000, ticks, 1), cfs: true);
        Assert.StartsWith("cpu ", stat);
    }

    /// <summary>
    /// A string the JSON reader will not decode (invalid UTF-8, an escaped lone surrogate) threw InvalidOperationException
    /// out of the runtimes' parsers, which their callers do not catch: now that field is absent and the rest stands.
    /// </summary>
    [Fact]
    public void A_runtime_answer_with_undecodable_text_loses_that_field_only()
    {
        byte[] list = [.. "[{\"Id\":\"ab\xff\",\"Names\":[\"/x\"]},{\"Id\":\"cd\",\"Names\":[\"/\\ud800\",\"/web\"],\"Labels\":{\"a\":\"\\ud800\",\"b\":\"c\"}}]"u8];
        list[10] = 0xff; // "ab" + an invalid byte as the first id
        var records = global::Ctop.Containers.EngineApiClient.Parse(list, global::Ctop.Containers.ContainerSources.DockerApi);
        var web = Assert.Single(records);
        Assert.Equal(("cd", "web"), (web.Id, web.Name));
        Assert.Equal(["b"], web.Labels!.Keys);

        var config = global::Ctop.Containers.DockerConfigStore.Parse("{\"ID\":\"cd\",\"Name\":\"/\\ud800\",\"Config\":{\"Image\":\"\\udfff\"}}"u8);
        Assert.Equal(("cd", "cd", null), (config!.Id, config.Name, config.Image));

        var podman = global::Ctop.Containers.PodmanStorage.Parse("[{\"id\":\"cd\",\"names\":[\"\\ud800\"],\"metadata\":\"{\\\"name\\\":\\\"\\\\ud800\\\",\\\"image-name\\\":\\\"busybox\\\"}\"}]"u8);
        Assert.Equal(("cd", "busybox"), (Assert.Single(podman).Name, podman[0].Image));
    }

    /// <summary>A config file whose key is not UTF-8 threw InvalidOperationException out of the settings dialog's save.</summary>
    [Fact]
    public void Saving_over_a_config_file_with_a_key_that_is_not_UTF8_is_refused_and_changes_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("ctop-fuzz-config-").FullName;
        try
        {
            var file = Path.Combine(dir, "config.json");
            byte[] text = [.. "{\"refresh"u8, 0xb3, .. "Seconds\": 0.5, \"view\": \"tree\"}\n"u8];
            File.WriteAllBytes(file, text);
            var e = Assert.Throws<global::Ctop.Config.ConfigSaveException>(() => global::Ctop.Config.CtopConfig.Default.Save(file));
            Assert.Equal($"{file}: line 1: a key is not UTF-8 text, so saving would lose what is there; fix or remove the file. Nothing was written.", e.Message);
            Assert.Equal(text, File.ReadAllBytes(file));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A damaged run record could send the stale-cgroup sweep's rmdir to "/", "/sys/" or "/a//b".</summary>
    [Theory]
    [InlineData("/")]
    [InlineData("/sys/")]
    [InlineData("/sys/fs/cgroup//ctop")]
    [InlineData("/sys/fs/cgroup/./ctop")]
    [InlineData("/sys/fs/cgroup/ctop/../../..")]
    [InlineData("/sys/fs/cgroup/ctop/a\rb")]
    public void A_run_record_line_that_is_not_a_normalised_directory_is_ignored(string dir)
    {
        var (_, dirs) = Ctop.Launcher.ContainerRecord.Parse($"ctop run 1 2 /ctop/web\n- {dir}\n393231 /sys/fs/cgroup/cpu/ctop/web\n");
        Assert.Equal(["/sys/fs/cgroup/cpu/ctop/web"], dirs.Select(d => d.Dir));
    }

    /// <summary>--filter and the limit flags quoted the value raw in their one-line errors: an ESC or newline went to the terminal.</summary>
    [Fact]
    public void Errors_quote_a_bad_filter_or_limit_escaped()
    {
        Assert.Null(global::Ctop.Output.ContainerFilter.Parse(["x\u001b[2J\nname=web"], out var error));
        Assert.StartsWith("Invalid --filter 'x\\x1b[2J\\nname=web': expected KEY=VALUE", error);
        var limit = Assert.Throws<global::Ctop.Tuning.TuningUsageException>(() => global::Ctop.Tuning.TuningValues.ParseSize("1\u001b[31m"));
        Assert.Equal("--memory 1\\x1b[31m: '\\x1b[31m' is not a size unit (k, m, g, t, p; 1024-based); examples: 256m, 1.5G, 512k, 1048576, max", limit.Message);
        var run = Assert.Throws<Ctop.Launcher.LimitArgsException>(() => Ctop.Launcher.LimitArgs.Parse(pids: "\u001b5"));
        Assert.Equal("--pids \\x1b5: not a whole number (or -1 for unlimited)", run.Message);
    }

    /// <summary>The daemon's bad status or header line was quoted raw (a CR, any byte) in the runtime's status message.</summary>
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\r\nContent-Length: 2\r\n\r\n[]")]
    [InlineData("HTTP/1.1 500 Internal Server Erkey17\nror\r\n{}")]
    [InlineData("HTTP/1.1 503 Bad\u001b[2J\r\nContent-Length: 0\r\n\r\n")]
    public async Task A_bad_answer_from_the_daemon_is_reported_escaped(string answer)
    {
        using var engine = new Containers.FakeEngine(answer);
        using var client = new global::Ctop.Containers.EngineApiClient(global::Ctop.Containers.EngineHost.Unix(engine.SocketPath), TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<global::Ctop.Containers.RuntimeUnavailableException>(
            () => client.ListContainersAsync(global::Ctop.Containers.ContainerSources.DockerApi, CancellationToken.None));
        Assert.StartsWith(engine.Url + ": ", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }
}
