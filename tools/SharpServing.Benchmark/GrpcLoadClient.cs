using System.Net;
using System.Net.Http.Headers;

namespace SharpServing.Benchmark;

/// <summary>
/// Unary gRPC calls over HTTP/2 with prior knowledge (h2c): <c>connections</c> HttpClients, each with its own single
/// connection; worker w uses connection w mod connections. The request frame is built once; each worker reads replies
/// into its own reusable buffer.
/// </summary>
internal sealed class GrpcLoadClient : ILoadClient
{
    private static readonly MediaTypeHeaderValue s_grpcContentType = new("application/grpc");
    private readonly HttpClient[] _clients;
    private readonly Uri _uri;
    private readonly byte[] _request;
    private readonly byte[][] _buffers;
    private readonly bool _predict;

    /// <param name="path">The method's path; only MSService.Predict replies are checked for error entries, others by status.</param>
    /// <param name="protocol">The protocol column of the report.</param>
    public GrpcLoadClient(Uri baseUri, byte[] framedRequest, int connections, int concurrency, string path = GrpcWire.PredictPath,
        string protocol = "grpc")
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _uri = new Uri(baseUri, path);
        _request = framedRequest;
        _clients = new HttpClient[connections];
        for (var i = 0; i < connections; i++)
        {
            _clients[i] = LoadHttp.Client(HttpVersion.Version20, http2StreamWindow: 4 * 1024 * 1024);
        }
        _buffers = LoadHttp.Buffers(concurrency);
        _predict = path == GrpcWire.PredictPath;
        Protocol = protocol;
    }

    public string Protocol { get; }

    public async ValueTask<bool> SendAsync(int worker, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new PrebuiltContent(_request, s_grpcContentType),
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await _clients[worker % _clients.Length]
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }
        var length = await LoadHttp.ReadBodyAsync(response, _buffers, worker, cancellationToken);
        // Trailers arrive after the body; a trailers-only reply (an error) carries grpc-status in the headers.
        if (!response.TrailingHeaders.TryGetValues("grpc-status", out var status) &&
            !response.Headers.TryGetValues("grpc-status", out status))
        {
            return false;
        }
        return IsOk(status) && (!_predict || GrpcWire.IsSuccessfulReply(_buffers[worker].AsSpan(0, length)));
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private static bool IsOk(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            return value == "0";
        }
        return false;
    }
}
