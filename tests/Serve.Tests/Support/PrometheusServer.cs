using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace Serve.Tests.Support;

/// <summary>
/// A private Prometheus (Debian's package) on 127.0.0.1 with its own data directory and config, scraping one target
/// every second; removed with its directory on Dispose (and by the watchdog when the test host dies).
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly string _dir;
    private readonly Watched _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public PrometheusServer(string target, string metricsPath = "/metrics")
    {
        _dir = Directory.CreateTempSubdirectory("ctop-test-prometheus-").FullName;
        Port = Tools.FreePort();
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: ctop
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ['{target}']
            """);
        try
        {
            _process = new Watched(Tools.Prometheus,
            [
                "--config.file=" + Path.Combine(_dir, "prometheus.yml"),
                "--storage.tsdb.path=" + Path.Combine(_dir, "data"),
                "--web.listen-address=127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture),
                "--log.level=warn",
            ], _dir);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if (_http.GetAsync(Url("/-/ready")).Result.IsSuccessStatusCode) break;
                }
                catch (AggregateException) { }
                if (DateTime.UtcNow > deadline) throw new TimeoutException("prometheus not ready within 60 s:\n" + _process.Stderr);
                Thread.Sleep(250);
            }
        }
        catch
        {
            _process?.Dispose();
            Directory.Delete(_dir, recursive: true);
            throw;
        }
    }

    public int Port { get; }

    public string Stderr => _process.Stderr;

    private string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>An instant query: each result's labels and value.</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> Query(string promql)
    {
        var json = _http.GetStringAsync(Url("/api/v1/query?query=" + Uri.EscapeDataString(promql))).Result;
        using var doc = JsonDocument.Parse(json);
        var data = doc.RootElement.GetProperty("data");
        var list = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var r in data.GetProperty("result").EnumerateArray())
        {
            var labels = r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var value = double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            list.Add((labels, value));
        }
        return list;
    }

    /// <summary>The scrape target's health as Prometheus saw it last ("up", "down", "unknown") and its last error.</summary>
    public (string Health, string Error) Target()
    {
        var json = _http.GetStringAsync(Url("/api/v1/targets")).Result;
        using var doc = JsonDocument.Parse(json);
        foreach (var t in doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
            return (t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString()!);
        return ("none", "");
    }

    /// <summary>Polls QUERY until CHECK accepts its result or the time is up; returns the last result.</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> WaitFor(string promql,
        Func<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>, bool> check, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var r = Query(promql);
            if (check(r) || DateTime.UtcNow > deadline) return r;
            Thread.Sleep(500);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
