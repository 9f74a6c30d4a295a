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
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(concurrency, 1),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _client = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _buffers = new byte[concurrency][];
        for (var i = 0; i < concurrency; i++)
        {
            _buffers[i] = new byte[64 * 1024];
        }
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
        var length = 0;
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            while (true)
            {
                var buffer = _buffers[worker];
                if (length == buffer.Length)
                {
                    Array.Resize(ref _buffers[worker], buffer.Length * 2);
                    buffer = _buffers[worker];
                }
                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
        }
        return response.StatusCode == HttpStatusCode.OK && length > 0 &&
               _buffers[worker].AsSpan(0, length).IndexOf(s_errorKey) < 0;
    }

    public void Dispose() => _client.Dispose();
}
