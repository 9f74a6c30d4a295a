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

    public GrpcLoadClient(Uri baseUri, byte[] framedRequest, int connections, int concurrency, string path = GrpcWire.PredictPath)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _uri = new Uri(baseUri, path);
        _request = framedRequest;
        _clients = new HttpClient[connections];
        for (var i = 0; i < connections; i++)
        {
            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
            };
            _clients[i] = new HttpClient(handler)
            {
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Timeout = Timeout.InfiniteTimeSpan,
            };
        }
        _buffers = new byte[concurrency][];
        for (var i = 0; i < concurrency; i++)
        {
            _buffers[i] = new byte[64 * 1024];
        }
    }

    public string Protocol => "grpc";

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
        // Trailers arrive after the body; a trailers-only reply (an error) carries grpc-status in the headers.
        if (!response.TrailingHeaders.TryGetValues("grpc-status", out var status) &&
            !response.Headers.TryGetValues("grpc-status", out status))
        {
            return false;
        }
        return IsOk(status) && GrpcWire.IsSuccessfulReply(_buffers[worker].AsSpan(0, length));
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
