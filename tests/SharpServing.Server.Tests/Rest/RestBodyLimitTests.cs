using System.Text;
using SharpServing.Server.Rest;

namespace SharpServing.Server.Tests.Rest;

/// <summary>The body limit (<c>max_msg_mb_size</c> = 1 here): exactly the limit passes, one byte more is refused (10.28).</summary>
public sealed class RestBodyLimitTests : IAsyncLifetime
{
    private const int Limit = 1048576;
    private const string TooBig = "{\"error_msg\":\"http message is bigger than 1048576\"}";
    private readonly RestTestPredictor _predictor = new();
    private readonly HttpClient _client = new() { Timeout = RestServerFixture.Timeout };
    private RestServer? _server;

    private string Url => $"http://127.0.0.1:{_server!.Port}/model/echo:m";

    public async Task InitializeAsync() => _server = await RestServerFixture.StartAsync(_predictor, maxMsgMbSize: 1);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server!.DisposeAsync().AsTask().WaitAsync(RestServerFixture.Timeout);
    }

    /// <summary>A valid request of exactly <paramref name="size"/> bytes (padded with trailing spaces).</summary>
    private static byte[] Body(int size)
    {
        var json = Encoding.UTF8.GetBytes("{\"instances\":{\"a\":1}}");
        var body = new byte[size];
        body.AsSpan().Fill((byte)' ');
        json.CopyTo(body, 0);
        return body;
    }

    private static HttpContent Content(byte[] body, bool chunked)
        => chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task ExactlyTheLimit_Passes_OneByteMore_IsRefused(bool chunked, bool http2)
    {
        var ok = await RestServerFixture.SendAsync(_client, Url, Content(Body(Limit), chunked), http2);
        Assert.Equal("{\"instances\":[{\"a\":1}]}", ok.Body);

        var refused = await RestServerFixture.SendAsync(_client, Url, Content(Body(Limit + 1), chunked), http2);
        Assert.Equal(TooBig, refused.Body);
        Assert.Equal(System.Net.HttpStatusCode.OK, refused.Status);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task FarOverTheLimit_IsRefused_AndTheServerKeepsServing(bool chunked, bool http2)
    {
        var refused = await RestServerFixture.SendAsync(_client, Url, Content(Body(24 * Limit), chunked), http2);
        Assert.Equal(TooBig, refused.Body);

        var ok = await RestServerFixture.SendAsync(_client, Url, Content(Body(100), chunked), http2);
        Assert.Equal("{\"instances\":[{\"a\":1}]}", ok.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Curl_OverTheLimit_GetsTheErrorReply(bool chunked)
    {
        using var folder = new Infrastructure.TempDirectory("ss-rest-body-");
        var file = folder.Combine("body.json");
        await File.WriteAllBytesAsync(file, Body(3 * Limit));
        string[] headers = chunked ? ["-H", "Transfer-Encoding: chunked"] : [];

        var reply = await Infrastructure.ProcessRunner.RunCheckedAsync("curl",
            ["-sS", "--max-time", "20", .. headers, "--data-binary", "@" + file, Url], RestServerFixture.Timeout);

        Assert.Equal(TooBig, reply);
    }

    /// <summary>A stream that does not tell its length, so that HttpClient sends the body chunked (HTTP/1.1) or unsized (HTTP/2).</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
