using Google.Protobuf;

namespace SharpServing.Grpc.Internal;

internal sealed class UnaryMethodHandler<TRequest, TReply>(
    MessageParser<TRequest> parser, Func<TRequest, GrpcCallContext, Task<TReply>> handler) : MethodHandler
    where TRequest : IMessage<TRequest>
    where TReply : IMessage<TReply>
{
    public override async Task HandleAsync(GrpcCall call)
    {
        try
        {
            var request = await call.ReadSingleMessageAsync(parser);
            var reply = await handler(request, call.Context);
            call.CancellationToken.ThrowIfCancellationRequested();
            await call.WriteMessageAsync(reply, CancellationToken.None);
            await call.CompleteAsync(StatusCode.OK, null, completeResponse: false);
        }
        catch (Exception ex)
        {
            await call.FailAsync(ex);
        }
    }
}
