using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Rest;

/// <summary>Debian's curl against the server: the 6.6 example over HTTP/1.1 (specification 10.25); cleartext HTTP/2 is refused.</summary>
public sealed class RestCurlTests(RestServerFixture server) : IClassFixture<RestServerFixture>
{
    private const string Example = "{\"instances\":{\"x1\":[[1.0,1.0],[1.0,1.0]],\"x2\":[[1.0,1.0],[1.0,1.0]]}}";
    private const string ExampleReply = "{\"instances\":[{\"y\":[[2.0,2.0],[2.0,2.0]]}]}";

    private async Task<(string Head, string Body)> CurlAsync(params string[] options)
    {
        var output = await ProcessRunner.RunCheckedAsync("curl",
            ["-sS", "-i", "--max-time", "20", .. options, "-X", "POST", "-d", Example, $"{server.BaseAddress}/model/add:add_common"],
            RestServerFixture.Timeout);
        var parts = output.Split("\r\n\r\n", 2);
        return (parts[0], parts[1]);
    }

    [Fact]
    public async Task Http11_Example()
    {
        var (head, body) = await CurlAsync();

        var lines = head.Split("\r\n");
        Assert.Equal("HTTP/1.1 200 Client", lines[0]);
        Assert.Contains(lines, l => l.Equals("Content-Type: application/json", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(ExampleReply, body);
    }

    [Fact]
    public async Task Http2PriorKnowledge_IsRefused()
    {
        var result = await ProcessRunner.RunAsync("curl",
            ["-sS", "-i", "--max-time", "20", "--http2-prior-knowledge", "-X", "POST", "-d", Example, $"{server.BaseAddress}/model/add:add_common"],
            RestServerFixture.Timeout);

        Assert.DoesNotContain("HTTP/2 200", result.StandardOutput);
        Assert.DoesNotContain(ExampleReply, result.StandardOutput);
    }
}
