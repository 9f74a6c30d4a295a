using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SharpServing.Grpc.Internal;

/// <summary>Checks that a request is gRPC, finds its method, sets up the call (deadline, limits) and runs it.</summary>
internal static class GrpcDispatcher
{
    public static Task DispatchAsync(
        HttpContext context, IReadOnlyDictionary<string, MethodHandler> methods, GrpcOptions options, ILogger logger)
    {
        var request = context.Request;
        var response = context.Response;
        var replyContentType = GrpcProtocol.ReplyContentType(request.ContentType, out var isGrpc);
        if (!HttpMethods.IsPost(request.Method))
        {
            GrpcLog.RequestRejected(logger, "HTTP method", request.Method);
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }
        if (!isGrpc)
        {
            // Not gRPC: a plain HTTP error, so that other HTTP/2 clients do not read a 200 as success.
            GrpcLog.RequestRejected(logger, "content-type", request.ContentType);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            GrpcLog.RequestRejected(logger, "protocol", request.Protocol);
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            return Task.CompletedTask;
        }
        if (replyContentType is null)
        {
            return RejectAsync(context, GrpcStatusCode.Unimplemented, $"Content-Type '{request.ContentType}' is not supported.");
        }
        var path = request.Path.Value ?? string.Empty;
        if (!methods.TryGetValue(path, out var handler))
        {
            GrpcLog.RequestRejected(logger, "unknown method", path);
            return RejectAsync(context, GrpcStatusCode.Unimplemented, $"Method not found: {path}");
        }
        string? encoding = request.Headers.GrpcEncoding;
        var gzip = string.Equals(encoding, "gzip", StringComparison.Ordinal);
        if (!gzip && !string.IsNullOrEmpty(encoding) && encoding != "identity")
        {
            GrpcLog.RequestRejected(logger, "grpc-encoding", encoding);
            return RejectAsync(context, GrpcStatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: identity, gzip");
        }
        TimeSpan? timeout = null;
        // A malformed timeout is ignored, as is one too long for a timer (~49 days): no deadline.
        if (Protocol.GrpcTimeout.TryParse(request.Headers.GrpcTimeout.ToString(), out var t) && t.TotalMilliseconds < uint.MaxValue - 1)
        {
            timeout = t;
        }
        // gRPC messages have their own limit (checked from the length prefix); Kestrel's body limit must not interfere.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var call = new GrpcCall(context, path, options, replyContentType, gzip, timeout, logger);
        if (timeout is null)
        {
            // Nothing to dispose without a deadline: no token source, and the lock never makes a wait handle.
            return handler.HandleAsync(call);
        }
        return WithDeadlineAsync(handler, call, logger);
    }

    // The deadline ends the call even if the handler ignores its token; the handler is then awaited before the request
    // ends, since it may still hold the HttpContext.
    private static async Task WithDeadlineAsync(MethodHandler handler, GrpcCall call, ILogger logger)
    {
        using (call)
        {
            var handlerTask = handler.HandleAsync(call);
            if (!handlerTask.IsCompleted)
            {
                var deadlinePassed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (call.DeadlineToken.Register(() => deadlinePassed.TrySetResult()))
                {
                    if (await Task.WhenAny(handlerTask, deadlinePassed.Task) != handlerTask)
                    {
                        await call.CompleteAsync(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", completeResponse: true);
                        if (!handlerTask.IsCompleted)
                        {
                            GrpcLog.HandlerOutlivedDeadline(logger, call.Method);
                        }
                    }
                }
            }
            await handlerTask;
        }
    }

    private static async Task RejectAsync(HttpContext context, GrpcStatusCode status, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = GrpcProtocol.ContentTypeValue;
        response.Headers.GrpcAcceptEncoding = GrpcProtocol.AcceptedEncodingsValue;
        response.Headers.GrpcStatus = GrpcProtocol.StatusValue(status);
        response.Headers.GrpcMessage = PercentEncoding.Encode(message);
        await response.CompleteAsync();
    }
}
