namespace SharpServing.Grpc;

/// <summary>Thrown by a handler (or by the protocol layer) to end a call with a non-OK status and a message.</summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException()
        : this(StatusCode.Unknown, string.Empty)
    {
    }

    public GrpcStatusException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    public GrpcStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = StatusCode.Unknown;
    }

    public GrpcStatusException(StatusCode statusCode, string message)
        : base(message)
    {
        if (statusCode == StatusCode.OK)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A failed call needs a non-OK status.");
        }
        StatusCode = statusCode;
    }

    /// <summary>The status the call ends with.</summary>
    public StatusCode StatusCode { get; }
}
