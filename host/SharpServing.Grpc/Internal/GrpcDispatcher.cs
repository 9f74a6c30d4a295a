using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SharpServing.Grpc.Internal;

/// <summary>Checks that a request is gRPC, finds its method, sets up the call (deadline, limits) and runs it.</summary>
internal static class GrpcDispatcher
{
    public static async Task DispatchAsync(
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
            return;
        }
        if (!isGrpc)
        {
            // Not gRPC: a plain HTTP error, so that other HTTP/2 clients do not read a 200 as success.
            GrpcLog.RequestRejected(logger, "content-type", request.ContentType);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            GrpcLog.RequestRejected(logger, "protocol", request.Protocol);
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            return;
        }
        if (replyContentType is null)
        {
            await RejectAsync(context, StatusCode.Unimplemented, $"Content-Type '{request.ContentType}' is not supported.");
            return;
        }
        var path = request.Path.Value ?? string.Empty;
        if (!methods.TryGetValue(path, out var handler))
        {
            GrpcLog.RequestRejected(logger, "unknown method", path);
            await RejectAsync(context, StatusCode.Unimplemented, $"Method not found: {path}");
            return;
        }
        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        var gzip = string.Equals(encoding, "gzip", StringComparison.Ordinal);
        if (!gzip && !string.IsNullOrEmpty(encoding) && encoding != "identity")
        {
            GrpcLog.RequestRejected(logger, "grpc-encoding", encoding);
            await RejectAsync(context, StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: identity, gzip");
            return;
        }
        TimeSpan? timeout = null;
        // A malformed timeout is ignored, as is one too long for a timer (~49 days): no deadline.
        if (GrpcTimeout.TryParse(request.Headers[GrpcProtocol.TimeoutHeader], out var t) && t.TotalMilliseconds < uint.MaxValue - 1)
        {
            timeout = t;
        }
        // gRPC messages have their own limit (checked from the length prefix); Kestrel's body limit must not interfere.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        using var call = new GrpcCall(context, path, options, replyContentType, gzip, timeout, logger);
        var handlerTask = handler.HandleAsync(call);
        if (timeout is null || handlerTask.IsCompleted)
        {
            await handlerTask;
            return;
        }
        // The deadline ends the call even if the handler ignores its token; the handler is then awaited before the
        // request ends, since it may still hold the HttpContext.
        var deadlinePassed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (call.DeadlineToken.Register(() => deadlinePassed.TrySetResult()))
        {
            if (await Task.WhenAny(handlerTask, deadlinePassed.Task) != handlerTask)
            {
                await call.CompleteAsync(StatusCode.DeadlineExceeded, "Deadline Exceeded", completeResponse: true);
                if (!handlerTask.IsCompleted)
                {
                    GrpcLog.HandlerOutlivedDeadline(logger, path);
                }
            }
        }
        await handlerTask;
    }

    private static async Task RejectAsync(HttpContext context, StatusCode status, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
        await response.CompleteAsync();
    }
}
