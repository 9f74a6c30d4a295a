namespace SharpServing.Grpc.Internal;

/// <summary>
/// A unary method. When the request has fully arrived and the handler completes at once, the whole call runs without
/// an await (no state machine); otherwise it continues asynchronously from where it had to wait.
/// </summary>
internal sealed class UnaryMethodHandler<TRequest, TReply>(
    GrpcMarshaller<TRequest> requestMarshaller, GrpcMarshaller<TReply> replyMarshaller,
    Func<TRequest, GrpcCallContext, Task<TReply>> handler) : MethodHandler
{
    public override Task HandleAsync(GrpcCall call)
    {
        try
        {
            if (!call.TryReadSingleMessage(requestMarshaller, out var request))
            {
                return ReadAndRunAsync(call);
            }
            var replyTask = handler(request, call.Context);
            return replyTask.IsCompletedSuccessfully
                ? call.CompleteUnaryAsync(replyTask.Result, replyMarshaller)
                : ReplyAsync(call, replyTask);
        }
        catch (Exception ex)
        {
            return call.FailAsync(ex);
        }
    }

    private async Task ReadAndRunAsync(GrpcCall call)
    {
        try
        {
            var request = await call.ReadSingleMessageAsync(requestMarshaller);
            var reply = await handler(request, call.Context);
            await call.CompleteUnaryAsync(reply, replyMarshaller);
        }
        catch (Exception ex)
        {
            await call.FailAsync(ex);
        }
    }

    private async Task ReplyAsync(GrpcCall call, Task<TReply> replyTask)
    {
        try
        {
            await call.CompleteUnaryAsync(await replyTask, replyMarshaller);
        }
        catch (Exception ex)
        {
            await call.FailAsync(ex);
        }
    }
}
