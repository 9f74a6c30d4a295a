using System.Net;
using System.Text;
using SharpServing.Server.Hosting;
using SharpServing.Server.Rest;

namespace SharpServing.Server.Tests.Rest;

/// <summary>A RESTful server on 127.0.0.1 (free port) over <see cref="RestTestPredictor"/>, with an HTTP/1.1 client.</summary>
public sealed class RestServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private RestServer? _server;

    internal RestTestPredictor Predictor { get; } = new();

    public HttpClient Client { get; } = new() { Timeout = Timeout };

    public int Port => _server!.Port;

    public string BaseAddress => $"http://127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        _server = await StartAsync(Predictor);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync().AsTask().WaitAsync(Timeout);
        }
    }

    internal static Task<RestServer> StartAsync(RestTestPredictor predictor, int maxMsgMbSize = 100, SslConfig? ssl = null, TextWriter? output = null)
        => RestServerHost.StartAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), new RestOptions { MaxMessageMbSize = maxMsgMbSize }, ssl,
            predictor, null, output ?? TextWriter.Null, CancellationToken.None).WaitAsync(Timeout);

    /// <summary>POSTs (or sends <paramref name="method"/>) over HTTP/1.1 or, with <paramref name="http2"/>, HTTP/2 only (which a cleartext server refuses).</summary>
    public Task<RestResponse> SendAsync(string path, string? body, bool http2 = false, HttpMethod? method = null)
        => SendAsync(Client, BaseAddress + path, body is null ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(body)), http2, method);

    public static async Task<RestResponse> SendAsync(HttpClient client, string url, HttpContent? content, bool http2 = false, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, url) { Content = content };
        if (http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        return new RestResponse(response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.ToString(), response.Version, text);
    }
}
