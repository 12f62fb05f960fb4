using System.Globalization;
using System.Text;
using System.Text.Json;
using Ctop.Config;
using Ctop.Containers;
using Ctop.Lxcfs;
using Ctop.Model;
using Ctop.Output;
using Ctop.Tuning;
using ProcFs.Cgroups;
using ProcFs.Parsing;
using ProcFs.Tests.Support;
using CtopCommand = Ctop.Cli.CtopCommand;
using LimitArgs = Ctop.Launcher.LimitArgs;
using LimitArgsException = Ctop.Launcher.LimitArgsException;
using RunRecordFile = Ctop.Launcher.ContainerRecord;

namespace Ctop.Tests.Reliability;

/// <summary>
/// Every outside input ctop reads besides the kernel's files (those are fuzzed in ProcFs.Tests), one
/// <see cref="FuzzTarget"/> each: the real parser, what it may answer, and the properties its answer must have. A new
/// input kind (another runtime's answers, say) is one more entry in <see cref="All"/> with its seeds and checks; the
/// harness counts it, reports it and holds it to the same rules.
/// </summary>
internal static class FuzzInputs
{
    public static IReadOnlyList<FuzzTarget> All(string work) =>
    [
        ConfigFile(work, 12_000),
        EngineApi("engine-api-docker", ContainerSources.DockerApi, FuzzSamples.DockerList, 18_000),
        EngineApi("engine-api-podman", ContainerSources.PodmanApi, FuzzSamples.PodmanList, 9_000),
        EngineApiHttp(work, 400),
        DockerConfig(work, 15_000),
        PodmanContainers(work, 12_000),
        RunRecord(12_000),
        Filter(15_000),
        Limits(16_000),
        LxcfsHostText(24_000),
        LxcfsCpuacct(4_000),
    ];

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static FuzzPropertyException Broken(string what) => new(what);

    /// <summary>A message shown to the user names the input and stays one line of printable text.</summary>
    private static void Names(string message, string prefix, string what)
    {
        if (!message.StartsWith(prefix, StringComparison.Ordinal)) throw Broken($"{what}: message does not start with '{prefix}': {Show(message)}");
        if (message.Any(char.IsControl)) throw Broken($"{what}: message holds a control character (input not escaped): {Show(message)}");
    }

    private static string Show(string s) => Fuzz.Show(Encoding.UTF8.GetBytes(s));

    // ---- the config file ---------------------------------------------------------------------------------------------

    private const string ConfigPath = "/home/u/.config/ctop/config.json";

    private static readonly string[] ConfigKeys = ["refreshSeconds", "colors", "view", "sort", "columns", "processView", "processSort", "processColumns"];

    /// <summary>
    /// ~/.config/ctop/config.json: read with the defaults for what is bad and a one-line problem naming the file; written
    /// back by the settings dialog (ConfigWriter) keeping everything else, refusing (file untouched) what it cannot merge.
    /// </summary>
    private static FuzzTarget ConfigFile(string work, int cases)
    {
        var file = Path.Combine(work, "config.json");
        return new FuzzTarget("config", [B(FuzzSamples.Config), B("{}"), B("{\"refreshSeconds\": 0.5, \"view\": \"tree\"}\n"),
                [0xEF, 0xBB, 0xBF, .. B("{\"colors\": false}")], B("{\"columns\": [], \"view\": null, \"refreshSeconds\": -1}")],
            input =>
            {
                // As File.ReadAllText: a UTF-8 BOM is dropped, invalid bytes become U+FFFD.
                int bom = input.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                var (config, problem) = CtopConfig.Parse(Encoding.UTF8.GetString(input, bom, input.Length - bom), ConfigPath);
                if (!(config.RefreshSeconds > 0 && config.RefreshSeconds <= CtopCommand.MaxDelaySeconds)
                    || config.View is not ("flat" or "tree") || config.ProcessView is not ("flat" or "tree")
                    || config.Columns is { Count: 0 } || config.ProcessColumns is { Count: 0 }
                    || (config.Columns ?? []).Concat(config.ProcessColumns ?? []).Any(string.IsNullOrEmpty))
                    throw Broken($"config: an invalid setting got through: {config}");
                if (problem is not null)
                {
                    Names(problem, ConfigPath + ": ", "config");
                    // A file that is not JSON (or not the right shape) costs all of it: nothing is taken half.
                    if (problem.EndsWith("Using the defaults.", StringComparison.Ordinal) && !config.Equals(CtopConfig.Default))
                        throw Broken($"config: '{problem}' but the settings are not the defaults: {config}");
                }

                // The settings dialog saves some settings into this file.
                var wanted = WantedConfig(Fuzz.Hash(input));
                byte[] merged;
                try { merged = ConfigWriter.Merge(input, wanted, ConfigPath); }
                catch (ConfigSaveException e)
                {
                    Names(e.Message, ConfigPath + ": ", "config writer");
                    if (!e.Message.Contains("Nothing was written", StringComparison.Ordinal)) throw Broken($"config writer: refusal does not say nothing was written: {e.Message}");
                    SaveLeavesTheFileAlone(file, input, wanted, Fuzz.Hash(input));
                    return problem is null ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
                }
                int mbom = merged.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                var (back, _) = CtopConfig.Parse(Encoding.UTF8.GetString(merged, mbom, merged.Length - mbom), ConfigPath);
                if (!back.Equals(wanted))
                    throw Broken($"config writer: the merged file reads back as {back}, not {wanted}:\n{Text(merged)}");
                // The user's other keys stay.
                foreach (var key in TopLevelKeys(input).Where(k => !ConfigKeys.Contains(k)))
                    if (!TopLevelKeys(merged).Contains(key)) throw Broken($"config writer: the key \"{key}\" was lost:\n{Text(merged)}");
                SaveLeavesTheFileAlone(file, input, wanted, Fuzz.Hash(input));
                return problem is null ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
            },
            cases, GenerateConfig, Fuzz.JsonTokens);
    }

    /// <summary>Settings the dialog could save, chosen by the input's hash (so a case replays).</summary>
    private static CtopConfig WantedConfig(ulong h)
    {
        var r = new Random((int)h);
        string[] cols = ["CPU%", "MEM%", "NAME", "TIME+", "\"odd\\name\"", "é", "PIDS"];
        IReadOnlyList<string>? Cols() => r.Next(3) == 0 ? null : Enumerable.Range(0, 1 + r.Next(4)).Select(_ => cols[r.Next(cols.Length)]).ToArray();
        return new CtopConfig(RefreshSeconds: new[] { 1.0, 0.5, 2.5, 0.1, 86400, 1e-3 }[r.Next(6)], Sort: r.Next(2) == 0 ? null : cols[r.Next(cols.Length)],
            View: r.Next(2) == 0 ? "flat" : "tree", Columns: Cols(), Colors: r.Next(2) == 0, ProcessSort: r.Next(2) == 0 ? null : "PID",
            ProcessView: r.Next(2) == 0 ? "flat" : "tree", ProcessColumns: Cols());
    }

    /// <summary>For one input in 256, the whole save on a real file: refused means the file is byte for byte as it was.</summary>
    private static void SaveLeavesTheFileAlone(string file, byte[] input, CtopConfig wanted, ulong h)
    {
        if (h % 256 != 0) return;
        File.WriteAllBytes(file, input);
        try
        {
            wanted.Save(file);
            var (back, _) = CtopConfig.Read(file);
            if (!back.Equals(wanted)) throw Broken($"config save: the saved file reads back as {back}, not {wanted}");
        }
        catch (ConfigSaveException)
        {
            if (!File.ReadAllBytes(file).AsSpan().SequenceEqual(input)) throw Broken("config save: refused, but the file changed");
        }
    }

    private static List<string> TopLevelKeys(byte[] json)
    {
        var keys = new List<string>();
        int bom = json.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        try
        {
            var reader = new Utf8JsonReader(json.AsSpan(bom), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1) { keys.Add(reader.GetString()!); reader.Read(); reader.Skip(); }
            }
        }
        catch (JsonException) { }
        catch (InvalidOperationException) { }
        return keys;
    }

    /// <summary>A config file from scratch: ctop's keys and others, values of every JSON type, comments, commas, blanks.</summary>
    private static byte[] GenerateConfig(Random r)
    {
        var sb = new StringBuilder();
        if (r.Next(10) == 0) sb.Append('\uFEFF');
        sb.Append(r.Next(4) == 0 ? "{" : "{\n");
        int n = r.Next(10);
        for (int i = 0; i < n; i++)
        {
            if (r.Next(6) == 0) sb.Append(r.Next(2) == 0 ? "  // note\n" : "/* c */ ");
            string key = r.Next(4) == 0 ? Pick(r, ["colours", "Refreshseconds", "x", "", "view ", "théme", "a\\u0000b"]) : ConfigKeys[r.Next(ConfigKeys.Length)];
            sb.Append("  \"").Append(key).Append("\": ").Append(JsonValue(r, 0));
            sb.Append(i < n - 1 || r.Next(3) == 0 ? ",\n" : "\n");
        }
        sb.Append('}');
        if (r.Next(8) == 0) sb.Append(Pick(r, ["\n// end\n", "\n{}", " x", "\n\n"]));
        return B(sb.ToString());
    }

    private static string JsonValue(Random r, int depth) => r.Next(depth > 2 ? 7 : 9) switch
    {
        0 => r.NextDouble().ToString("R", CultureInfo.InvariantCulture),
        1 => Pick(r, ["0", "-1", "86400", "86401", "1e-300", "1e308", "0.5", "3", "-0", "1.0000000000000001", "NaN", "\"1\""]),
        2 => Pick(r, ["true", "false", "null"]),
        3 => Pick(r, ["\"flat\"", "\"tree\"", "\"Tree\"", "\"\"", "\"CPU%\"", "\"TIME+\"", "\"\\u001b[2J\"", "\"\\ud800\"", "\"a\\nb\""]),
        4 => "\"" + new string((char)('a' + r.Next(26)), r.Next(1, 30)) + "\"",
        5 => "[]",
        6 => "\"MEM%\"",
        7 => "[" + string.Join(", ", Enumerable.Range(0, r.Next(5)).Select(_ => JsonValue(r, depth + 1))) + "]",
        _ => "{" + string.Join(", ", Enumerable.Range(0, r.Next(3)).Select(i => $"\"k{i}\": " + JsonValue(r, depth + 1))) + "}",
    };

    private static string Pick(Random r, string[] options) => options[r.Next(options.Length)];

    // ---- the runtimes' answers ---------------------------------------------------------------------------------------

    /// <summary>A record the catalog can use: an id, a name, the source that said so.</summary>
    private static void Usable(ContainerRecord c, string source, string what)
    {
        if (string.IsNullOrEmpty(c.Id) || string.IsNullOrEmpty(c.Name) || c.Source != source)
            throw Broken($"{what}: unusable record {c}");
        _ = c.Pod; // the Kubernetes labels are read for every record the catalog keeps
    }

    /// <summary>GET /containers/json from docker or podman: the containers, or JsonException (the catalog says so and goes on).</summary>
    private static FuzzTarget EngineApi(string name, string source, string sample, int cases) =>
        new(name, [B(sample), B("[]"), B("[{\"Id\":\"abc\",\"Names\":null,\"Image\":\"x\",\"Labels\":null},{\"Names\":[\"/no-id\"]}]")],
            input =>
            {
                IReadOnlyList<ContainerRecord> list;
                try { list = EngineApiClient.Parse(input, source); }
                catch (JsonException) { return FuzzOutcome.Rejected; }
                foreach (var c in list) Usable(c, source, name);
                return FuzzOutcome.Accepted;
            },
            cases, r => GenerateContainerList(r, podman: source == ContainerSources.PodmanApi), Fuzz.JsonTokens);

    /// <summary>
    /// The whole answer on the wire: an HTTP response (status line, headers, a body cut short or too long, chunked or
    /// not) from a unix socket that then closes. EngineApiClient returns the containers or RuntimeUnavailableException
    /// naming the host; anything else would escape the catalog.
    /// </summary>
    private static FuzzTarget EngineApiHttp(string work, int cases)
    {
        var server = new OneShotServer(Path.Combine(work, "engine.sock"));
        var ok = Http("200 OK", [$"Content-Type: application/json", $"Content-Length: {Encoding.UTF8.GetByteCount(FuzzSamples.DockerList)}"], FuzzSamples.DockerList);
        return new FuzzTarget("engine-api-http", [B(ok), B(Http("200 OK", ["Transfer-Encoding: chunked"], "2\r\n[]\r\n0\r\n\r\n")),
                B(Http("500 Internal Server Error", ["Content-Length: 2"], "{}"))],
            input =>
            {
                server.Answer = input;
                using var client = new EngineApiClient(EngineHost.Unix(server.Path), TimeSpan.FromSeconds(5));
                try
                {
                    foreach (var c in client.ListContainersAsync(ContainerSources.DockerApi, CancellationToken.None).GetAwaiter().GetResult())
                        Usable(c, ContainerSources.DockerApi, "engine-api-http");
                    return FuzzOutcome.Accepted;
                }
                catch (RuntimeUnavailableException e)
                {
                    Names(e.Message, "unix://" + server.Path + ": ", "engine-api-http");
                    return FuzzOutcome.Rejected;
                }
            },
            cases, r => B(Http(Pick(r, ["200 OK", "200", "404 Not Found", "301 Moved", "204 No Content", "999 X", "OK"]),
                Enumerable.Range(0, r.Next(4)).Select(_ => Pick(r, ["Content-Type: application/json", "Content-Length: 0", "Content-Length: 5",
                    "Content-Length: 99999999", "Content-Length: -1", "Transfer-Encoding: chunked", "Content-Encoding: gzip", "Connection: close",
                    "X: " + new string('a', r.Next(100))])).ToArray(),
                Pick(r, [FuzzSamples.DockerList, "[]", "", "[{\"Id\":\"a\"}]", "5\r\n[{}]\r\n0\r\n\r\n", "zz\r\n", "{\"message\":\"no\"}"]))),
            Fuzz.JsonTokens);
    }

    private static string Http(string status, string[] headers, string body) =>
        $"HTTP/1.1 {status}\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n" + body;

    /// <summary>A unix socket that answers every connection with the bytes set, then closes it.</summary>
    private sealed class OneShotServer
    {
        private readonly System.Net.Sockets.Socket _listener;

        public OneShotServer(string path)
        {
            Path = path;
            _listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            _listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            _listener.Listen(16);
            var thread = new Thread(Serve) { IsBackground = true, Name = "fuzz engine" };
            thread.Start();
        }

        public string Path { get; }

        public volatile byte[] Answer = [];

        private void Serve()
        {
            var buffer = new byte[8192];
            using var listener = _listener;
            // Ends within a second once the test removed its work folder (and with it the socket).
            while (File.Exists(Path))
            {
                if (!listener.Poll(1_000_000, System.Net.Sockets.SelectMode.SelectRead)) continue;
                System.Net.Sockets.Socket client;
                try { client = listener.Accept(); }
                catch (System.Net.Sockets.SocketException) { continue; }
                using (client)
                {
                    try
                    {
                        client.Receive(buffer);
                        client.Send(Answer);
                        client.Shutdown(System.Net.Sockets.SocketShutdown.Both);
                    }
                    catch (System.Net.Sockets.SocketException) { }
                }
            }
        }
    }

    private static byte[] GenerateContainerList(Random r, bool podman)
    {
        var sb = new StringBuilder("[");
        int n = r.Next(5);
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('{');
            var fields = new List<string>();
            if (r.Next(8) != 0) fields.Add("\"Id\":" + Pick(r, ["\"" + Hex(r, 64) + "\"", "\"\"", "null", "7", "\"x\"", "\"" + Hex(r, 12) + "\""]));
            if (r.Next(6) != 0) fields.Add("\"Names\":" + Pick(r, ["[\"/web\"]", "[\"/a/b\",\"/c\"]", "[]", "null", "\"/web\"", "[\"/\"]", "[\"\"]", "[1,\"/x\"]", "[\"/" + Hex(r, 5) + "\"]", "[\"/\\u001b]0;t\\u0007\"]"]));
            if (r.Next(4) != 0) fields.Add("\"Image\":" + Pick(r, ["\"nginx:1.25\"", "null", "\"\"", "\"sha256:" + Hex(r, 64) + "\"", "{}", "\"localhost/x@sha256:1\""]));
            if (r.Next(3) != 0) fields.Add("\"Labels\":" + Labels(r));
            if (r.Next(2) == 0) fields.Add("\"State\":\"running\"");
            if (podman && r.Next(2) == 0) fields.Add("\"Name\":\"\",\"Config\":null");
            foreach (var f in fields.OrderBy(_ => r.Next())) sb.Append(f).Append(',');
            if (fields.Count > 0) sb.Length--;
            sb.Append('}');
        }
        return B(sb.Append(']').ToString());
    }

    private static string Labels(Random r) => r.Next(5) switch
    {
        0 => "null",
        1 => "{}",
        2 => "{\"io.kubernetes.pod.name\":\"p\",\"io.kubernetes.pod.namespace\":\"" + Pick(r, ["ns", ""]) + "\",\"io.kubernetes.pod.uid\":\"" + Hex(r, 8) + "\",\"io.kubernetes.container.name\":\"c\"}",
        3 => "{\"a\":1,\"b\":null,\"c\":\"d\",\"c\":\"dup\"}",
        _ => "{" + string.Join(",", Enumerable.Range(0, r.Next(6)).Select(i => $"\"k{r.Next(9)}\":\"v{i}\"")) + "}",
    };

    private static string Hex(Random r, int n) => string.Concat(Enumerable.Range(0, n).Select(_ => "0123456789abcdef"[r.Next(16)]));

    /// <summary>
    /// docker's DATA-ROOT/containers/ID/config.v2.json: a record, null (not running, no id), or JsonException; read
    /// through DockerConfigStore (a real file) for one input in 32, which must never throw.
    /// </summary>
    private static FuzzTarget DockerConfig(string work, int cases)
    {
        var root = Path.Combine(work, "docker");
        var dir = Directory.CreateDirectory(Path.Combine(root, "containers", "3f2a9c1e7b6d")).FullName;
        var store = new DockerConfigStore(root);
        return new FuzzTarget("docker-config-v2", [B(FuzzSamples.DockerConfigV2), B(FuzzSamples.DockerConfigV2Stopped), B("{\"ID\":\"x\"}")],
            input =>
            {
                if (Fuzz.Hash(input) % 32 == 0)
                {
                    File.WriteAllBytes(Path.Combine(dir, "config.v2.json"), input);
                    File.SetLastWriteTimeUtc(Path.Combine(dir, "config.v2.json"), DateTime.UtcNow.AddSeconds(Fuzz.Hash(input) % 1000)); // seen as changed
                    foreach (var c in store.Read()) Usable(c, ContainerSources.DockerConfig, "DockerConfigStore.Read");
                }
                ContainerRecord? record;
                try { record = DockerConfigStore.Parse(input); }
                catch (JsonException) { return FuzzOutcome.Rejected; }
                if (record is not null) Usable(record, ContainerSources.DockerConfig, "docker-config-v2");
                return FuzzOutcome.Accepted;
            },
            cases, GenerateDockerConfig, Fuzz.JsonTokens);
    }

    private static byte[] GenerateDockerConfig(Random r)
    {
        var fields = new List<string>();
        if (r.Next(6) != 0) fields.Add("\"ID\":" + Pick(r, ["\"" + Hex(r, 64) + "\"", "\"\"", "null", "42"]));
        if (r.Next(3) != 0) fields.Add("\"State\":" + Pick(r, ["{\"Running\":true,\"Pid\":1}", "{\"Running\":false}", "{\"Running\":\"yes\"}", "null", "[]", "{}"]));
        if (r.Next(3) != 0) fields.Add("\"Name\":" + Pick(r, ["\"/web\"", "\"/\"", "\"\"", "null", "\"web\"", "\"//x\"", "[\"/web\"]"]));
        if (r.Next(3) != 0) fields.Add("\"Config\":" + (r.Next(4) == 0 ? Pick(r, ["null", "\"x\"", "[]"]) : "{\"Image\":" + Pick(r, ["\"busybox\"", "null", "1"]) + ",\"Labels\":" + Labels(r) + "}"));
        return B("{" + string.Join(",", fields.OrderBy(_ => r.Next())) + "}");
    }

    /// <summary>podman's STORAGE-ROOT/DRIVER-containers/containers.json, and PodmanStorage reading it for one input in 32.</summary>
    private static FuzzTarget PodmanContainers(string work, int cases)
    {
        var root = Path.Combine(work, "podman");
        var dir = Directory.CreateDirectory(Path.Combine(root, "overlay-containers")).FullName;
        var storage = new PodmanStorage(root);
        return new FuzzTarget("podman-containers-json", [B(FuzzSamples.PodmanContainersJson), B("[]"), B("[{\"id\":\"a\",\"metadata\":\"\"}]")],
            input =>
            {
                if (Fuzz.Hash(input) % 32 == 0)
                {
                    File.WriteAllBytes(Path.Combine(dir, "containers.json"), input);
                    File.SetLastWriteTimeUtc(Path.Combine(dir, "containers.json"), DateTime.UtcNow.AddSeconds(Fuzz.Hash(input) % 1000));
                    foreach (var c in storage.Read()) Usable(c, ContainerSources.PodmanStorage, "PodmanStorage.Read");
                }
                IReadOnlyList<ContainerRecord> list;
                try { list = PodmanStorage.Parse(input); }
                catch (JsonException) { return FuzzOutcome.Rejected; }
                foreach (var c in list) Usable(c, ContainerSources.PodmanStorage, "podman-containers-json");
                return FuzzOutcome.Accepted;
            },
            cases, GeneratePodmanContainers, Fuzz.JsonTokens);
    }

    private static byte[] GeneratePodmanContainers(Random r)
    {
        var items = Enumerable.Range(0, r.Next(4)).Select(_ =>
        {
            var fields = new List<string>();
            if (r.Next(6) != 0) fields.Add("\"id\":" + Pick(r, ["\"" + Hex(r, 64) + "\"", "\"\"", "null"]));
            if (r.Next(3) != 0) fields.Add("\"names\":" + Pick(r, ["[\"pweb\"]", "[]", "null", "[null,\"x\"]", "[\"\"]", "\"pweb\""]));
            if (r.Next(3) != 0)
                fields.Add("\"metadata\":" + Pick(r, ["\"{\\\"image-name\\\":\\\"busybox\\\",\\\"name\\\":\\\"n\\\"}\"", "\"{\"", "\"[]\"", "\"null\"", "\"\"", "null", "{}",
                    "\"{\\\"image-name\\\":7,\\\"name\\\":null}\"", "\"{\\\"name\\\":\\\"\\\\ud800\\\"}\"", "\"" + new string('[', 80) + "\""]));
            return "{" + string.Join(",", fields.OrderBy(_ => r.Next())) + "}";
        });
        return B("[" + string.Join(",", items) + "]");
    }

    // ---- ctop's own records ------------------------------------------------------------------------------------------

    /// <summary>
    /// /run/ctop/containers/PID-START, the record a `ctop run` leaves for the sweep that removes a killed run's cgroups.
    /// Whatever the file holds, the sweep may only ever be sent to absolute, normalised directories: never "..", ".", an
    /// empty component, a control character.
    /// </summary>
    private static FuzzTarget RunRecord(int cases) =>
        new("run-record", [B(FuzzSamples.RunRecord), B(FuzzSamples.RunRecordV2), B("ctop run 1 2 /x\n")],
            input =>
            {
                var (_, dirs) = RunRecordFile.Parse(Text(input));
                foreach (var (dir, _) in dirs)
                {
                    var parts = dir.Split('/');
                    if (!dir.StartsWith('/') || dir.Length == 1 || parts.Skip(1).Any(p => p is "" or "." or "..") || dir.Any(char.IsControl))
                        throw Broken($"run-record: the sweep would be sent to '{Show(dir)}'");
                }
                return dirs.Count > 0 ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
            },
            cases, GenerateRunRecord);

    private static byte[] GenerateRunRecord(Random r)
    {
        var sb = new StringBuilder("ctop run ").Append(r.Next()).Append(' ').Append(r.NextInt64()).Append(" /ctop/x\n");
        int n = r.Next(6);
        for (int i = 0; i < n; i++)
        {
            sb.Append(Pick(r, ["-", r.NextInt64().ToString(CultureInfo.InvariantCulture), "18446744073709551616", "", "x"])).Append(Pick(r, [" ", "  ", "\t", ""]));
            sb.Append(Pick(r, ["/sys/fs/cgroup/cpu/ctop/web", "/sys/fs/cgroup/memory/ctop/../../../etc", "sys/fs/cgroup/x", "/", "//", "/sys/fs/cgroup//x",
                "/sys/fs/cgroup/./x", "/sys/fs/cgroup/x/", "/a\rb", "/tmp/..hidden", "/sys/fs/cgroup/pids/ctop/" + Hex(r, 4), "/x\u0000y", "/é"])).Append('\n');
        }
        return B(sb.ToString());
    }

    // ---- the command line: --filter and the limits --------------------------------------------------------------------

    private static readonly ContainerId[] SampleContainers =
    [
        new("docker", "3f2a9c1e7b6d4a5f", "web") { Image = "docker.io/library/nginx:1.25", Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" } },
        new("podman", "9b0a1f3f2a9c", "pdb") { Image = "localhost/busybox" },
        new("ctop", "box", "box"),
    ];

    private static readonly CtopCommand Command = new();

    /// <summary>
    /// -f/--filter as docker ps takes it (several values, separated here by 0x1E): a filter that matches safely, or a
    /// one-line error naming the value; every 8th case through the whole command-line parser.
    /// </summary>
    private static FuzzTarget Filter(int cases) =>
        new("filter", [B("name=web"), B("label=app=web\u001elabel=tier"), B("image=nginx:1.25\u001eid=3f2a"), B("ancestor=localhost/busybox@sha256:1"), B("label=a=b=c")],
            input =>
            {
                var values = Text(input).Split('\u001e');
                if (Fuzz.Hash(input) % 8 == 0)
                {
                    var result = Command.Parse(["-b", .. values.SelectMany(v => new[] { "--filter", v })]);
                    foreach (var e in result.Errors) if (e.Message.Any(char.IsControl)) throw Broken($"filter (command line): error not escaped: {Show(e.Message)}");
                }
                var filter = ContainerFilter.Parse(values, out var error);
                if (filter is null)
                {
                    Names(error ?? "", "Invalid --filter '", "filter");
                    return FuzzOutcome.Rejected;
                }
                foreach (var c in SampleContainers) filter.Matches(c);
                filter.Matches(null);
                return FuzzOutcome.Accepted;
            },
            cases, GenerateFilter,
            [.. Fuzz.Tokens, B("="), B("label="), B("name="), B("\u001e"), B("@"), B(":"), B("/"), B("docker.io/library/"), B("\u001b[31m")]);

    private static byte[] GenerateFilter(Random r)
    {
        var values = Enumerable.Range(0, 1 + r.Next(3)).Select(_ =>
            Pick(r, ["name", "id", "image", "ancestor", "label", "Name", "status", "", "label "]) + Pick(r, ["=", "", "==", " = "]) +
            Pick(r, ["web", "", "3F2A", "nginx", "nginx:1.25", "docker.io/nginx", "localhost/busybox", ":", "@", "app", "app=web", "=x", "a=", "x\u0007y", "é", "tier=front"]));
        return B(string.Join('\u001e', values));
    }

    /// <summary>The limit syntaxes of `ctop limit` (TuningValues) and of `ctop run`/`attach` (LimitArgs).</summary>
    private static readonly (string Flag, Func<string, long?> Parse, bool Launcher)[] LimitParsers =
    [
        ("--cpus", t => TuningValues.ParseCpus(t), false),
        ("--cpu-quota", t => TuningValues.ParseQuotaUsec(t), false),
        ("--cpu-period", t => TuningValues.ParsePeriodUsec(t), false),
        ("--memory", t => TuningValues.ParseSize(t), false),
        ("--memory-swap", t => TuningValues.ParseSize(t, "--memory-swap", minusOneIsMax: true), false),
        ("--pids", t => TuningValues.ParsePids(t), false),
        ("--cpu-weight", t => TuningValues.ParseWeight(t), false),
        ("--cpus", t => LimitArgs.ParseCpus(t, 2), true),
        ("--memory", t => LimitArgs.ParseSize("--memory", t, allowMinusOne: false), true),
        ("--memory-swap", t => LimitArgs.ParseSize("--memory-swap", t, allowMinusOne: true), true),
        ("--pids", t => LimitArgs.ParseInteger("--pids", t, allowMinusOne: true), true),
        ("--cpu-quota", t => LimitArgs.ParseInteger("--cpu-quota", t, allowMinusOne: true), true),
    ];

    /// <summary>
    /// A limit value: a number in kernel units, or a usage error that starts with the flag and quotes the value escaped.
    /// What is accepted round-trips through the exact formatter (sizes, cores). One case in 4 is a whole `ctop run`
    /// limit set, whose refusal must also name its flag.
    /// </summary>
    private static FuzzTarget Limits(int cases) =>
        new("limits", new[] { "0.5", "50%", "150%", "256m", "1.5G", "512KiB", "4096", "max", "-1", "2", "100000", "0-1,3" }.Select(B).ToArray(),
            input =>
            {
                ulong h = Fuzz.Hash(input);
                string text = Text(input);
                if (h % 4 == 0) return LimitSet(text, h);
                var (flag, parse, launcher) = LimitParsers[(int)(h / 4 % (ulong)LimitParsers.Length)];
                long? value;
                try { value = parse(text); }
                catch (TuningUsageException e) when (!launcher) { Names(e.Message, flag + " ", "limits"); return FuzzOutcome.Rejected; }
                catch (LimitArgsException e) when (launcher) { Names(e.Message, flag + " ", "limits"); return FuzzOutcome.Rejected; }
                if (value is < 0 && !(value == -1 && flag is "--memory-swap" or "--pids" or "--cpu-quota" && launcher))
                    throw Broken($"limits: {flag} '{Show(text)}' gave {value}");
                if (value is long v and > 0 && flag is "--memory" or "--memory-swap" && !launcher && TuningValues.ParseSize(TuningValues.FormatSize(v)) != v)
                    throw Broken($"limits: {v} bytes formats as {TuningValues.FormatSize(v)}, which reads back differently");
                if (value is long q and > 0 && flag == "--cpus" && !launcher && TuningValues.ParseCpus(TuningValues.FormatCores(q, TuningValues.DefaultPeriodUsec)) != q)
                    throw Broken($"limits: a quota of {q} µs formats as {TuningValues.FormatCores(q, TuningValues.DefaultPeriodUsec)} cores, which reads back differently");
                return FuzzOutcome.Accepted;
            },
            cases, GenerateLimit,
            [.. Fuzz.Tokens, B("%"), B("."), B("k"), B("M"), B("GiB"), B("b"), B("ib"), B("e"), B("max"), B("MAX"), B("\u212A"), B("٣"), B("\u001b[2J")]);

    private static FuzzOutcome LimitSet(string text, ulong h)
    {
        // Each field of the set from one part of the text; absent fields stay null.
        var parts = text.Split('\u001e');
        string? F(int i) => i < parts.Length && parts[i].Length > 0 ? parts[i] : null;
        try
        {
            var set = LimitArgs.Parse(cpus: F(0), cpuQuota: F(1), cpuPeriod: F(2), memory: F(3), memorySwap: F(4), pids: F(5), cpuset: F(6), processorCount: 1 + (int)(h % 64));
            _ = set.Describe();
            return FuzzOutcome.Accepted;
        }
        catch (LimitArgsException e)
        {
            if (!e.Message.StartsWith("--", StringComparison.Ordinal) || e.Message.Any(char.IsControl))
                throw Broken($"limit set: the refusal does not name its flag or is not escaped: {Show(e.Message)}");
            return FuzzOutcome.Rejected;
        }
    }

    private static byte[] GenerateLimit(Random r)
    {
        string Value() => Pick(r, ["", "-", "+", " "]) + Pick(r, ["0", "1", "0.5", "2", "150", "99999999999999999999", "9223372036854775807", "1.", ".5", "0.0000001", "1e3", "3.14159"]) +
                          Pick(r, ["", "", "%", " %", "k", "K", "m", "M", "g", "G", "t", "p", "e", "b", "KiB", "MB", "mib", "x", " m"]) + Pick(r, ["", "", " ", "\n"]);
        if (r.Next(4) == 0) return B(string.Join('\u001e', Enumerable.Range(0, 7).Select(i => r.Next(3) == 0 ? Value() : i == 6 && r.Next(2) == 0 ? "0-1" : "")));
        return B(r.Next(10) == 0 ? Pick(r, ["max", "MAX", "Max", "-1", "max ", " -1"]) : Value());
    }

    // ---- what the lxcfs views read ---------------------------------------------------------------------------------------

    /// <summary>
    /// The host's /proc/meminfo, /proc/cpuinfo and /proc/stat as `ctop proc` rewrites them for a container: any text in,
    /// a view out (lxcfs copies what it does not understand), with the container's values random but fixed by the input.
    /// </summary>
    private static FuzzTarget LxcfsHostText(int cases) =>
        new("lxcfs-host-proc", [B(FuzzSamples.Meminfo), B(FuzzSamples.Stat), B(FuzzSamples.Cpuinfo)],
            input =>
            {
                string host = Text(input);
                ulong h = Fuzz.Hash(input);
                var r = new Random((int)h);
                var quirks = r.Next(2) == 0 ? LxcfsQuirks.Ctop : LxcfsQuirks.Lxcfs503;
                var mem = new MemoryInputs(r.Next(2) == 0, Big(r), r.Next(3) == 0 ? null : Big(r),
                    new MemoryCounters(Big(r), Big(r), Big(r), Big(r), Big(r), Big(r), Big(r), Big(r), Big(r), Big(r), Big(r)),
                    r.Next(3) == 0 ? null : new SwapInputs(r.Next(3) == 0 ? null : Big(r), Big(r), (ulong)r.Next(3) * 30));
                int online = Math.Max(1, MeminfoView.Lines(host).Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3])));
                var cpu = new CpuInputs(CpuList.FromCpus(Enumerable.Range(0, 1 + r.Next(8)).Where(_ => r.Next(3) > 0)),
                    r.Next(3) == 0 ? null : r.NextInt64(-2, 1_000_000), r.Next(3) == 0 ? null : r.NextInt64(-1, 1_000_000),
                    r.Next(4) == 0 ? null : Enumerable.Range(0, r.Next(9)).Select(_ => new CpuTicks(Big(r), Big(r))).ToArray(), online);
                var meminfo = MeminfoView.Render(host, mem, quirks);
                if (MeminfoView.Lines(meminfo).Count() != MeminfoView.Lines(host).Count()) throw Broken("lxcfs meminfo: lines added or lost");
                _ = SwapsView.Render(host, mem, quirks);
                bool cfs = r.Next(2) == 0;
                _ = CpuinfoView.Render(host, cpu, cfs);
                _ = StatView.Render(host, cpu, cfs);
                _ = CpuOnlineView.Render(cpu, cfs);
                return FuzzOutcome.Accepted;
            },
            cases, GenerateHostText, Rejects: false);

    /// <summary>Mostly realistic sizes, sometimes the extremes a strange kernel or a wrap gives.</summary>
    private static ulong Big(Random r) => r.Next(8) switch
    {
        0 => ulong.MaxValue - (ulong)r.Next(4096),
        1 => 0,
        2 => (ulong)r.NextInt64() * 2,
        _ => (ulong)r.NextInt64(0, 64L << 30),
    };

    private static byte[] GenerateHostText(Random r)
    {
        var sb = new StringBuilder();
        int n = r.Next(12);
        for (int i = 0; i < n; i++)
        {
            switch (r.Next(4))
            {
                case 0:
                    sb.Append("cpu").Append(Pick(r, ["", "0", "1", "7", "99999999999", "-1", "x"])).Append(' ');
                    for (int f = r.Next(12); f > 0; f--) sb.Append(' ').Append(Pick(r, ["0", "1", "18446744073709551615", "-5", "99999999999999999999", "x"]));
                    break;
                case 1:
                    sb.Append(Pick(r, ["MemTotal:", "MemFree:", "SwapTotal:", "Cached:", "Active(anon):", "HugePages_Total:", "Junk:"]))
                      .Append(Pick(r, ["       ", " ", ""])).Append(Pick(r, ["24683620", "0", "18446744073709551615", "-1", ""])).Append(Pick(r, [" kB", "", " MB"]));
                    break;
                case 2: sb.Append("processor\t: ").Append(Pick(r, ["0", "1", "2147483648", "-1", "", "a"])); break;
                default: sb.Append(Pick(r, ["intr 1 2 3", "ctxt 5", "btime 1700000000", "model name\t: AMD EPYC", "", ":", "cpu"])); break;
            }
            sb.Append(Pick(r, ["\n", "\n", "\r\n", ""]));
        }
        return B(sb.ToString());
    }

    /// <summary>cpuacct.usage_all as the lxcfs views take it per CPU: any parsed file must give a per-CPU table.</summary>
    private static FuzzTarget LxcfsCpuacct(int cases) =>
        new("lxcfs-cpuacct", [B("cpu user system\n0 46158000000 10028000000\n1 46089000000 12854000000\n"), B("cpu user system\n")],
            input =>
            {
                const string file = "/sys/fs/cgroup/cpuacct/x/cpuacct.usage_all";
                CpuacctUsageAll all;
                try { all = CpuacctUsageAll.Parse(input, file); }
                catch (ProcFsFormatException) { return FuzzOutcome.Rejected; }
                var ticks = CpuTicks.From(all, null, 100, LxcfsQuirks.Ctop);
                var cpu = new CpuInputs(CpuList.FromCpus([0, 1]), 50_000, 100_000, ticks, 2);
                _ = StatView.Render(FuzzSamples.Stat, cpu, cfs: true);
                _ = StatView.Render(FuzzSamples.Stat, cpu, cfs: false);
                return FuzzOutcome.Accepted;
            },
            cases, r => B("cpu user system\n" + string.Concat(Enumerable.Range(0, r.Next(5)).Select(_ =>
                Pick(r, ["0", "1", "3", "63", "8191", "1048575", "2147483647", "99999999"]) + " " + (ulong)r.NextInt64() + " " + (ulong)r.NextInt64() + "\n"))));
}
