using System.Net;

namespace SharpServing.Benchmark;

/// <summary>What the gRPC and REST load clients share: an HttpClient tuned for load, and per-worker reply buffers.</summary>
internal static class LoadHttp
{
    /// <summary>
    /// A client for <paramref name="version"/> only, that keeps its connections for the whole run and never redirects,
    /// decompresses, proxies or times out on its own.
    /// </summary>
    public static HttpClient Client(Version version, int maxConnections = int.MaxValue, int? http2StreamWindow = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (http2StreamWindow is { } window)
        {
            handler.InitialHttp2StreamWindowSize = window;
        }
        return new HttpClient(handler)
        {
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>One 64 KB buffer per worker, grown when a reply needs more.</summary>
    public static byte[][] Buffers(int workers)
    {
        var buffers = new byte[workers][];
        for (var i = 0; i < workers; i++)
        {
            buffers[i] = new byte[64 * 1024];
        }
        return buffers;
    }

    /// <summary>Reads the whole reply body into worker <paramref name="worker"/>'s buffer; returns its length.</summary>
    public static async ValueTask<int> ReadBodyAsync(HttpResponseMessage response, byte[][] buffers, int worker, CancellationToken cancellationToken)
    {
        var length = 0;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        while (true)
        {
            var buffer = buffers[worker];
            if (length == buffer.Length)
            {
                Array.Resize(ref buffers[worker], buffer.Length * 2);
                buffer = buffers[worker];
            }
            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return length;
            }
            length += read;
        }
    }
}
