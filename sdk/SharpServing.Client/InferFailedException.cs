namespace SharpServing;

/// <summary>Thrown by <see cref="InferResult.EnsureSuccess"/> and the output accessors when the request or an instance failed.</summary>
public sealed class InferFailedException : Exception
{
    public InferFailedException()
    {
    }

    public InferFailedException(string message)
        : base(message)
    {
    }

    public InferFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InferFailedException(string message, long errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The server's error code (0 for a transport failure).</summary>
    public long ErrorCode { get; }
}
