using System.Text;
using Ctop.Containers;

namespace Ctop.Tests.Containers;

public class EngineApiTests
{
    private const string Id = "4f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";

    [Theory]
    [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock", "http://localhost/")]
    [InlineData("tcp://127.0.0.1:2375", null, "http://127.0.0.1:2375/")]
    [InlineData("tcp://docker.example", null, "http://docker.example:2375/")]
    [InlineData("http://10.0.0.1:80", null, "http://10.0.0.1/")]
    public void Hosts_parse_as_the_docker_client_writes_them(string text, string? socket, string baseAddress)
    {
        Assert.True(EngineHost.TryParse(text, out var host, out var error), error);
        Assert.Equal(socket, host!.SocketPath);
        Assert.Equal(baseAddress, host.BaseAddress.ToString());
    }

    [Theory]
    [InlineData("unix://var/run/docker.sock", "absolute path")]
    [InlineData("ssh://me@host", "ssh:// is not supported")]
    [InlineData("https://host:2376", "https:// is not supported")]
    [InlineData("/var/run/docker.sock", "expected unix:///PATH")]
    [InlineData("tcp://", "expected tcp://HOST")]
    [InlineData("tcp://host:2375/path", "expected tcp://HOST")]
    public void Unusable_hosts_are_refused_with_what_is_accepted(string text, string message)
    {
        Assert.False(EngineHost.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_socket_path_longer_than_sun_path_is_refused()
    {
        Assert.False(EngineHost.TryParse("unix:///" + new string('a', 120), out _, out var error));
        Assert.Contains("107 bytes", error);
    }

    [Fact]
    public void Options_win_over_the_environment_and_a_bad_variable_only_warns()
    {
        var env = new Dictionary<string, string?> { ["DOCKER_HOST"] = "ssh://me@far", ["CONTAINER_HOST"] = "unix:///run/p.sock" };
        var o = RuntimeOptions.Resolve(null, null, k => env.GetValueOrDefault(k), out var error, out var warning)!;
        Assert.Null(error);
        Assert.Null(o.DockerHost);
        Assert.Contains("DOCKER_HOST", warning);
        Assert.Equal("/run/p.sock", o.PodmanHost!.SocketPath);

        o = RuntimeOptions.Resolve("unix:///d.sock", null, k => env.GetValueOrDefault(k), out error, out warning)!;
        Assert.Equal("/d.sock", o.DockerHost!.SocketPath);

        Assert.Null(RuntimeOptions.Resolve("ssh://x", null, _ => null, out error, out _));
        Assert.Contains("--docker-host", error);

        // An empty DOCKER_HOST is the default socket, as for docker's own client.
        o = RuntimeOptions.Resolve(null, null, k => k == "DOCKER_HOST" ? "" : null, out error, out warning)!;
        Assert.Equal("/var/run/docker.sock", o.DockerHost!.SocketPath);
        Assert.Equal("/run/podman/podman.sock", o.PodmanHost!.SocketPath);
        Assert.Null(warning);
    }

    [Fact]
    public void The_container_list_gives_name_without_slash_image_and_sorted_labels()
    {
        var json = $$"""
            [{"Id":"{{Id}}","Names":["/other/alias","/web"],"Image":"nginx:1.25","ImageID":"sha256:1","Labels":{"z":"1","app":"web"},"State":"running"},
             {"Id":"abc","Names":null,"Image":"x","Labels":null},
             {"Names":["/no-id"]}]
            """;
        var list = EngineApiClient.Parse(Encoding.UTF8.GetBytes(json), ContainerSources.DockerApi);
        Assert.Equal(2, list.Count);
        Assert.Equal("web", list[0].Name);
        Assert.Equal("nginx:1.25", list[0].Image);
        Assert.Equal(["app", "z"], list[0].Labels!.Keys);
        Assert.Equal("docker-api", list[0].Source);
        Assert.Equal("abc", list[1].Name); // no name: the (short) id
        Assert.Null(list[1].Labels);
    }

    [Fact]
    public async Task The_client_speaks_http_over_a_unix_socket()
    {
        using var engine = new FakeEngine(FakeEngine.Ok($$$"""[{"Id":"{{{Id}}}","Names":["/web"],"Image":"busybox","Labels":{}}]"""));
        EngineHost.TryParse(engine.Url, out var host, out _);
        using var client = new EngineApiClient(host!, TimeSpan.FromSeconds(5));
        var list = await client.ListContainersAsync(ContainerSources.PodmanApi, default);
        Assert.Equal("web", Assert.Single(list).Name);
        Assert.Equal("podman-api", list[0].Source);
    }

    [Theory]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}", "answered 500")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!", "not the Engine API's JSON")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", "not the Engine API's JSON")]
    public async Task A_bad_answer_is_a_reason_not_a_crash(string response, string reason)
    {
        using var engine = new FakeEngine(response);
        EngineHost.TryParse(engine.Url, out var host, out _);
        using var client = new EngineApiClient(host!, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync("x", default));
        Assert.Contains(reason, e.Message);
        Assert.Contains(engine.SocketPath, e.Message);
    }

    [Fact]
    public async Task A_missing_socket_says_so()
    {
        EngineHost.TryParse("unix:///nonexistent/ctop-test.sock", out var host, out _);
        using var client = new EngineApiClient(host!, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<RuntimeUnavailableException>(() => client.ListContainersAsync("x", default));
        Assert.Contains("no such socket", e.Message);
    }
}
