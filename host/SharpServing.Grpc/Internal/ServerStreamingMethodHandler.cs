namespace SharpServing.Grpc.Internal;

internal sealed class ServerStreamingMethodHandler<TRequest, TReply>(
    GrpcMarshaller<TRequest> requestMarshaller, GrpcMarshaller<TReply> replyMarshaller,
    Func<TRequest, GrpcStreamWriter<TReply>, GrpcCallContext, Task> handler) : MethodHandler
{
    public override async Task HandleAsync(GrpcCall call)
    {
        try
        {
            var request = await call.ReadSingleMessageAsync(requestMarshaller);
            await handler(request, new GrpcStreamWriter<TReply>(call, replyMarshaller), call.Context);
            await call.CompleteAsync(GrpcStatusCode.OK, null, completeResponse: false);
        }
        catch (Exception ex)
        {
            await call.FailAsync(ex);
        }
    }
}
