using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SharpServing.Grpc;

/// <summary>Kestrel settings that gRPC needs.</summary>
public static class GrpcKestrel
{
    /// <summary>Concurrent streams per HTTP/2 connection (Kestrel's default is 100).</summary>
    public const int MaxStreamsPerConnection = 1000;

    /// <summary>
    /// Raises the HTTP/2 stream limit and flow-control windows for many concurrent calls and large messages. The request
    /// body limit is lifted per gRPC request by <see cref="GrpcServiceRegistry.HandleAsync"/>, which enforces its own.
    /// </summary>
    public static void Configure(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddServerHeader = false;
        options.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        options.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        options.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
    }

    /// <summary>Makes an endpoint HTTP/2 only (h2c without TLS; ALPN h2 with TLS), as gRPC requires.</summary>
    public static void UseHttp2Only(ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        listenOptions.Protocols = HttpProtocols.Http2;
    }
}
