namespace SharpServing.Engine.Configuration;

/// <summary>Limits of the front ends' connections and request bodies (docs/security.md).</summary>
public sealed class ConnectionLimits
{
    private int _maxInflightMb = 1024;
    private int _maxConnections = 10000;
    private int _http2MaxStreams = 100;
    private int _minRequestBodyBytesPerSecond = 240;
    private TimeSpan _requestBodyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The server-wide budget of request bytes in flight, in MiB, over both front ends: a request is charged its body
    /// (the gRPC length prefix or <c>Content-Length</c>, before it is buffered; gzip messages by their decompressed
    /// bytes as they inflate) until it ends; one that does not fit is refused (RESOURCE_EXHAUSTED, or the RESTful
    /// error text). Default 1024, range 1 to 1048576.
    /// </summary>
    public int MaxInflightMb
    {
        get => _maxInflightMb;
        set
        {
            if (value is < 1 or > 1048576)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'max_inflight_mb' should be in range [1,1048576], but actually {value}");
            }
            _maxInflightMb = value;
        }
    }

    /// <summary>The budget in bytes.</summary>
    public long MaxInflightBytes => (long)_maxInflightMb * 1048576;

    /// <summary>Open connections per listener (gRPC, RESTful); more are closed at once. Default 10000, range 1 to 1000000.</summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set
        {
            if (value is < 1 or > 1_000_000)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'max_connections' should be in range [1,1000000], but actually {value}");
            }
            _maxConnections = value;
        }
    }

    /// <summary>Concurrent HTTP/2 streams per connection. Default 100 (Kestrel's), range 1 to 1000.</summary>
    public int Http2MaxStreams
    {
        get => _http2MaxStreams;
        set
        {
            if (value is < 1 or > 1000)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'http2_max_streams' should be in range [1,1000], but actually {value}");
            }
            _http2MaxStreams = value;
        }
    }

    /// <summary>
    /// The slowest a request body may arrive, in bytes per second after a 5 s grace period (Kestrel's
    /// <c>MinRequestBodyDataRate</c>); slower connections are closed. Default 240 (Kestrel's), range 0 (off) to 1048576.
    /// </summary>
    public int MinRequestBodyBytesPerSecond
    {
        get => _minRequestBodyBytesPerSecond;
        set
        {
            if (value is < 0 or > 1048576)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'min_request_body_bytes_per_second' should be in range [0,1048576], but actually {value}");
            }
            _minRequestBodyBytesPerSecond = value;
        }
    }

    /// <summary>
    /// How long a request may take to deliver its whole body from its first byte on, whatever its rate; past it the request
    /// is reset (gRPC) or answered with an error and closed (REST). Default 60 s, range 1 s to 1 h.
    /// </summary>
    public TimeSpan RequestBodyTimeout
    {
        get => _requestBodyTimeout;
        set
        {
            if (value < TimeSpan.FromSeconds(1) || value > TimeSpan.FromHours(1))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'request_body_timeout_ms' should be in range [1000,3600000], but actually {value.TotalMilliseconds}");
            }
            _requestBodyTimeout = value;
        }
    }
}
