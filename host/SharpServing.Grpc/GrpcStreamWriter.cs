using SharpServing.Grpc.Internal;

namespace SharpServing.Grpc;

/// <summary>Sends the messages of a server-streaming call, one at a time.</summary>
/// <typeparam name="TReply">The reply message type.</typeparam>
public sealed class GrpcStreamWriter<TReply>
{
    private readonly GrpcCall _call;
    private readonly GrpcMarshaller<TReply> _marshaller;

    internal GrpcStreamWriter(GrpcCall call, GrpcMarshaller<TReply> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    /// <summary>
    /// Writes and flushes one message. Throws <see cref="GrpcStatusException"/> (RESOURCE_EXHAUSTED) for a message over
    /// the send limit, and <see cref="OperationCanceledException"/> once the call has ended.
    /// </summary>
    public Task WriteAsync(TReply message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _call.WriteMessageAsync(message, _marshaller, cancellationToken);
    }
}
