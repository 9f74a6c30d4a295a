using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace SharpServing.Benchmark;

/// <summary>
/// RESTful calls over HTTP/1.1 keep-alive: one connection per worker at most (HTTP/1.1 has one request in flight per
/// connection), a prebuilt JSON body, replies read into per-worker buffers. Every MindSpore Serving RESTful reply is
/// HTTP 200; an <c>"error_msg"</c> key anywhere in it marks a failure.
/// </summary>
internal sealed class RestLoadClient : ILoadClient
{
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");
    private static readonly byte[] s_errorKey = Encoding.UTF8.GetBytes("\"error_msg\"");
    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly byte[] _body;
    private readonly byte[][] _buffers;

    public RestLoadClient(Uri uri, byte[] jsonBody, int concurrency)
    {
        _uri = uri;
        _body = jsonBody;
        _client = LoadHttp.Client(HttpVersion.Version11, maxConnections: Math.Max(concurrency, 1));
        _buffers = LoadHttp.Buffers(concurrency);
    }

    public string Protocol => "rest";

    public async ValueTask<bool> SendAsync(int worker, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new PrebuiltContent(_body, s_jsonContentType),
        };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var length = await LoadHttp.ReadBodyAsync(response, _buffers, worker, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK && length > 0 &&
               _buffers[worker].AsSpan(0, length).IndexOf(s_errorKey) < 0;
    }

    public void Dispose() => _client.Dispose();
}
