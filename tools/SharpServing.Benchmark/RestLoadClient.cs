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
    private static readonly MediaTypeHeaderValue s_binaryContentType = new("application/octet-stream");
    private static readonly byte[] s_errorKey = Encoding.UTF8.GetBytes("\"error_msg\"");
    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly byte[] _body;
    private readonly byte[][] _buffers;
    private readonly int? _inferenceHeaderLength;

    /// <param name="inferenceHeaderLength">For an Open Inference Protocol body with binary tensors: its JSON part's length,
    /// sent as <c>Inference-Header-Content-Length</c>.</param>
    /// <param name="protocol">The protocol column of the report.</param>
    public RestLoadClient(Uri uri, byte[] jsonBody, int concurrency, int? inferenceHeaderLength = null, string protocol = "rest")
    {
        _uri = uri;
        _body = jsonBody;
        _client = LoadHttp.Client(HttpVersion.Version11, maxConnections: Math.Max(concurrency, 1));
        _buffers = LoadHttp.Buffers(concurrency);
        _inferenceHeaderLength = inferenceHeaderLength;
        Protocol = protocol;
    }

    public string Protocol { get; }

    public async ValueTask<bool> SendAsync(int worker, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new PrebuiltContent(_body, _inferenceHeaderLength is null ? s_jsonContentType : s_binaryContentType),
        };
        if (_inferenceHeaderLength is { } length)
        {
            request.Headers.TryAddWithoutValidation("Inference-Header-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var read = await LoadHttp.ReadBodyAsync(response, _buffers, worker, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK && read > 0 &&
               _buffers[worker].AsSpan(0, read).IndexOf(s_errorKey) < 0;
    }

    public void Dispose() => _client.Dispose();
}
