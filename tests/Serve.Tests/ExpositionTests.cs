using System.Text;
using Ctop.Model;
using Ctop.Serve;
using Serve.Tests.Support;

namespace Serve.Tests;

public class ExpositionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("two\nlines", "two\\nlines")]
    [InlineData("tab\tand\rcr", "tab\tand\rcr")]
    [InlineData("ünïcode ✓", "ünïcode ✓")]
    public void Label_values_escape_backslash_quote_and_newline_only(string value, string escaped) =>
        Assert.Equal(escaped, ExpositionWriter.EscapeLabelValue(value));

    /// <summary>Any string (weighted towards the characters that matter): no raw newline or bare quote, and it unescapes to itself.</summary>
    [Fact]
    public void Escaping_round_trips_any_string()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CTOP_FUZZ_SEED"), out var s0) ? s0 : 2326;
        output.WriteLine($"seed {seed} (CTOP_FUZZ_SEED)");
        var random = new Random(seed);
        const string special = "\\\"\n\r\t{}=,# \u2028\u00e9";
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 24)];
            for (int j = 0; j < chars.Length; j++)
                chars[j] = random.Next(3) == 0 ? special[random.Next(special.Length)] : (char)random.Next(0, 0x3000);
            var value = new string(chars);
            var e = ExpositionWriter.EscapeLabelValue(value);
            Assert.DoesNotContain('\n', e);
            Assert.True(value == Unescape(e), $"seed {seed}, case {i}: {value} -> {e}");
        }
    }

    private static string Unescape(string e)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] == '"') throw new Xunit.Sdk.XunitException("unescaped quote in " + e);
            if (e[i] != '\\') { sb.Append(e[i]); continue; }
            char n = e[++i];
            sb.Append(n switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new Xunit.Sdk.XunitException($"unknown escape \\{n}") });
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData(null, ExpositionFormat.Text)]
    [InlineData("", ExpositionFormat.Text)]
    [InlineData("text/plain", ExpositionFormat.Text)]
    [InlineData("*/*", ExpositionFormat.Text)]
    // What Prometheus 2.x sends.
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.OpenMetrics)]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.OpenMetrics)]
    [InlineData("application/openmetrics-text;q=0", ExpositionFormat.Text)]
    [InlineData("text/plain;q=1,application/openmetrics-text;q=0.5", ExpositionFormat.Text)]
    [InlineData("application/openmetrics-text;version=2.0.0", ExpositionFormat.Text)]
    public void Accept_chooses_the_format(string? accept, ExpositionFormat expected) =>
        Assert.Equal(expected, ExpositionWriter.Negotiate(accept));

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("deflate, gzip;q=0.5", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("identity", false)]
    [InlineData(null, false)]
    public void Accept_encoding_chooses_gzip(string? header, bool gzip) => Assert.Equal(gzip, MetricsServer.AcceptsGzip(header));

    [Fact]
    public void Numbers_round_trip_and_spell_nan_and_infinities()
    {
        foreach (var (v, s) in new[] { (0.1, "0.1"), (1e-7, "1E-07"), (double.NaN, "NaN"), (double.PositiveInfinity, "+Inf"), (double.NegativeInfinity, "-Inf"), (12345678.0, "12345678") })
        {
            var sb = new StringBuilder();
            ExpositionWriter.AppendNumber(sb, v);
            Assert.Equal(s, sb.ToString());
        }
    }

    [Fact]
    public void Counters_are_families_without_total_in_openmetrics_with_unit_and_eof()
    {
        var body = MetricsRenderer.Render(new ServeSnapshot(Frames.Of(Frames.Cgroup("/a")), Frames.Of(Frames.Cgroup("/a")), 0), ExpositionFormat.OpenMetrics);
        Assert.Contains("# TYPE container_cpu_usage_seconds counter\n# UNIT container_cpu_usage_seconds seconds\ncontainer_cpu_usage_seconds_total{id=\"/a\"} 12.5\n", body);
        Assert.Contains("# TYPE ctop_build info\n", body);
        Assert.Contains("ctop_build_info{version=\"", body);
        Assert.EndsWith("# EOF\n", body);
        var text = MetricsRenderer.Render(new ServeSnapshot(Frames.Of(Frames.Cgroup("/a")), Frames.Of(Frames.Cgroup("/a")), 0), ExpositionFormat.Text);
        Assert.Contains("# TYPE container_cpu_usage_seconds_total counter\ncontainer_cpu_usage_seconds_total{id=\"/a\"} 12.5\n", text);
        Assert.DoesNotContain("# EOF", text);
        Assert.DoesNotContain("# UNIT", text);
    }

    [Fact]
    public void Values_are_the_frame_fields_as_they_are()
    {
        var child = Frames.Cgroup("/p/c", quota: 20000, period: 100000, used: 0.19, usage: 1000, limit: null, effectiveCpu: 0.2, cpuBy: "/p/c", effectiveMem: 1L << 28, memBy: "/p");
        var body = MetricsRenderer.Render(new ServeSnapshot(Frames.Of(child), Frames.Of(child), 5), ExpositionFormat.Text);
        Assert.Contains("container_spec_cpu_quota{id=\"/p/c\"} 20000\n", body);
        Assert.Contains("container_spec_cpu_period{id=\"/p/c\"} 100000\n", body);
        Assert.Contains("container_spec_memory_limit_bytes{id=\"/p/c\"} 0\n", body); // unlimited itself: 0, as cAdvisor
        Assert.Contains("container_cpu_cfs_periods_total{id=\"/p/c\"} 1000\n", body);
        Assert.Contains("container_cpu_cfs_throttled_periods_total{id=\"/p/c\"} 600\n", body);
        Assert.Contains("container_cpu_cfs_throttled_seconds_total{id=\"/p/c\"} 3.25\n", body);
        Assert.Contains("ctop_cpu_effective_limit_cores{id=\"/p/c\",limited_by=\"/p/c\"} 0.2\n", body);
        Assert.Contains("ctop_memory_effective_limit_bytes{id=\"/p/c\",limited_by=\"/p\"} 268435456\n", body);
        Assert.Contains("ctop_cpu_throttled_periods_ratio{id=\"/p/c\"} 0.75\n", body);
        Assert.Contains("ctop_memory_limit_hits_total{id=\"/p/c\"} 7\n", body);
        Assert.Contains("ctop_sampling_dropped_ticks_total 5\n", body);
        Assert.DoesNotContain("container_pressure_cpu_waiting_seconds_total", body); // absent in the frame: absent here
        Assert.Contains("container_pressure_memory_waiting_seconds_total{id=\"/p/c\"} 0.5\n", body);
    }

    [Fact]
    public void Kubernetes_labels_come_from_the_pod()
    {
        var pod = new PodName("prod", "web-0", "uid-1");
        var container = new ContainerId("containerd", "abc", "nginx") { Image = "nginx:1.25", Pod = pod };
        var podItself = new ContainerId("kubernetes", "uid-1", "web-0") { Pod = pod };
        Assert.Equal("id=\"/k/pod/abc\",name=\"nginx\",image=\"nginx:1.25\",container=\"nginx\",pod=\"web-0\",namespace=\"prod\"",
            MetricsRenderer.CgroupLabels(Frames.Cgroup("/k/pod/abc", container: container)));
        Assert.Equal("id=\"/k/pod\",name=\"web-0\",pod=\"web-0\",namespace=\"prod\"", MetricsRenderer.CgroupLabels(Frames.Cgroup("/k/pod", container: podItself)));
    }

    [Fact]
    public void A_body_is_made_once_per_frame_and_format()
    {
        var s = new ServeSnapshot(Frames.Of(Frames.Cgroup("/a")), Frames.Of(Frames.Cgroup("/a")), 0);
        Assert.Same(s.Body(ExpositionFormat.Text, false), s.Body(ExpositionFormat.Text, false));
        Assert.NotSame(s.Body(ExpositionFormat.Text, false), s.Body(ExpositionFormat.OpenMetrics, false));
        using var gz = new System.IO.Compression.GZipStream(new MemoryStream(s.Body(ExpositionFormat.Text, true)), System.IO.Compression.CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        Assert.Equal(s.Body(ExpositionFormat.Text, false), ms.ToArray());
    }

    /// <summary>promtool lints names, HELP/TYPE, units and the syntax; hostile cgroup names must not break it.</summary>
    [PromFact]
    public void Promtool_accepts_the_text_format_even_with_hostile_names()
    {
        var hostile = Frames.Cgroup("/evil\"}\nfake_metric 1\n\\", quota: 1000, period: 100000, effectiveCpu: 0.01, cpuBy: "/evil\"}\nfake_metric 1\n\\");
        var frame = Frames.Of(Frames.Cgroup("/"), hostile);
        var body = MetricsRenderer.Render(new ServeSnapshot(frame, frame, 0), ExpositionFormat.Text);
        Assert.DoesNotContain("\nfake_metric", body);
        var (rc, said) = Tools.CheckMetrics(body);
        Assert.True(rc == 0, $"promtool check metrics: exit {rc}\n{said}\n--- body ---\n{body}");
        Assert.Equal("", said.Trim());
    }
}
