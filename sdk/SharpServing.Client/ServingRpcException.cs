using SharpServing.Internal;

namespace SharpServing;

/// <summary>
/// A gRPC call that ended with a non-OK status (server down, TLS handshake failed, message over the size limit, deadline
/// exceeded). <see cref="Client.InferAsync(object, CancellationToken)"/> faults with it; <see cref="Client.Infer(object)"/>
/// returns the same failure as a request-wide error instead.
/// </summary>
public sealed class ServingRpcException : Exception
{
    public ServingRpcException()
        : this(GrpcStatusCode.Unknown, string.Empty)
    {
    }

    public ServingRpcException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public ServingRpcException(string message, Exception innerException)
        : this(GrpcStatusCode.Unknown, message, innerException)
    {
    }

    public ServingRpcException(GrpcStatusCode statusCode, string detail, Exception? innerException = null)
        : base(GrpcErrorText.Format(statusCode, detail), innerException)
    {
        StatusCode = statusCode;
        Detail = detail ?? string.Empty;
    }

    /// <summary>The gRPC status of the call.</summary>
    public GrpcStatusCode StatusCode { get; }

    /// <summary>The status detail (the server's <c>grpc-message</c>, or what the client saw).</summary>
    public string Detail { get; }
}
