using Microsoft.AspNetCore.Http;
using SharpServing.Grpc.Internal;

namespace SharpServing.Grpc;

/// <summary>What a handler knows about its call: the method, the deadline and the token that ends it.</summary>
public sealed class GrpcCallContext
{
    private readonly GrpcCall _call;

    internal GrpcCallContext(GrpcCall call)
    {
        _call = call;
    }

    /// <summary>The method path, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public string Method => _call.Method;

    /// <summary>The client's deadline, or null when it sent none.</summary>
    public DateTimeOffset? Deadline => _call.Deadline;

    /// <summary>Cancelled when the client goes away (RST_STREAM, disconnect), the deadline passes or the server stops.</summary>
    public CancellationToken CancellationToken => _call.CancellationToken;

    /// <summary>The request headers (metadata).</summary>
    public IHeaderDictionary RequestHeaders => _call.HttpContext.Request.Headers;

    /// <summary>The underlying HTTP/2 request.</summary>
    public HttpContext HttpContext => _call.HttpContext;
}
