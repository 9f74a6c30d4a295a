using Google.Protobuf;

namespace SharpServing.Grpc.Internal;

internal sealed class ServerStreamingMethodHandler<TRequest, TReply>(
    MessageParser<TRequest> parser, Func<TRequest, GrpcStreamWriter<TReply>, GrpcCallContext, Task> handler) : MethodHandler
    where TRequest : IMessage<TRequest>
    where TReply : IMessage<TReply>
{
    public override async Task HandleAsync(GrpcCall call)
    {
        try
        {
            var request = await call.ReadSingleMessageAsync(parser);
            await handler(request, new GrpcStreamWriter<TReply>(call), call.Context);
            await call.CompleteAsync(StatusCode.OK, null, completeResponse: false);
        }
        catch (Exception ex)
        {
            await call.FailAsync(ex);
        }
    }
}
