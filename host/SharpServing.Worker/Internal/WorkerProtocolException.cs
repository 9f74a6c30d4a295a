namespace SharpServing.Worker.Internal;

/// <summary>The other end of a server–worker connection sent something the protocol does not allow, or the connection
/// closed; the message says what.</summary>
internal sealed class WorkerProtocolException : Exception
{
    public WorkerProtocolException()
    {
    }

    public WorkerProtocolException(string message)
        : base(message)
    {
    }

    public WorkerProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
