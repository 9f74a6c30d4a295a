using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Logs how gRPC calls end when they do not end well: a status raised on purpose and a cancelled call (the client went
/// away or its deadline passed) at Debug, anything else a handler throws at Error. Bound to every service but
/// <see cref="PredictService"/>, which logs the same events itself through <see cref="Log"/>: an interceptor costs each
/// call two more async frames (grpc-dotnet's pipeline step and the interceptor's own) and a service-handle frame.
/// </summary>
internal sealed class GrpcCallLogInterceptor(ILogger<GrpcCallLogInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Log(logger, ex, context))
        {
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Log(logger, ex, context))
        {
            throw;
        }
    }

    /// <summary>An exception filter: logs how the call ended on the way through, never catches (false).</summary>
    public static bool Log(ILogger logger, Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case RpcException rpc:
                GrpcServerLog.CallFailed(logger, context.Method, rpc.StatusCode, rpc.Status.Detail);
                break;
            case OperationCanceledException or IOException when context.CancellationToken.IsCancellationRequested:
                GrpcServerLog.CallCancelled(logger, context.Method);
                break;
            default:
                GrpcServerLog.HandlerFailed(logger, context.Method, exception);
                break;
        }
        return false;
    }
}
