namespace SharpServing.Grpc;

/// <summary>Thrown by a handler (or by the protocol layer) to end a call with a non-OK status and a message.</summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException()
        : this(GrpcStatusCode.Unknown, string.Empty)
    {
    }

    public GrpcStatusException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    public GrpcStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = GrpcStatusCode.Unknown;
    }

    public GrpcStatusException(GrpcStatusCode statusCode, string message)
        : base(message)
    {
        if (statusCode == GrpcStatusCode.OK)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A failed call needs a non-OK status.");
        }
        StatusCode = statusCode;
    }

    /// <summary>The status the call ends with.</summary>
    public GrpcStatusCode StatusCode { get; }
}
