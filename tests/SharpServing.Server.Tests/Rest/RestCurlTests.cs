using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Rest;

/// <summary>Debian's curl against the server: the 6.6 example over HTTP/1.1 and h2c (specification 10.25).</summary>
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
    public async Task Http2PriorKnowledge_Example()
    {
        var (head, body) = await CurlAsync("--http2-prior-knowledge");

        var lines = head.Split("\r\n");
        Assert.Equal("HTTP/2 200", lines[0].TrimEnd());
        Assert.Contains(lines, l => l.Equals("content-type: application/json", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(ExampleReply, body);
    }
}
