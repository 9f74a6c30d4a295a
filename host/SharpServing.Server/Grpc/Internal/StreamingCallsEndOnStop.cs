using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Middleware for streaming gRPC calls (the health service's Watch, reflection): they run until their client cancels, so
/// when the server stops their cancellation fires as well and they end with OK at once, instead of holding the shutdown
/// until Kestrel's timeout aborts them. Unary calls (Predict) are left to finish.
/// </summary>
internal static class StreamingCallsEndOnStop
{
    public static void Use(WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use((context, next) =>
        {
            // Unary calls (every Predict) pass straight through: no async frame of their own.
            return context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { Method.Type: not MethodType.Unary }
                ? EndOnStopAsync(context, next, stopping)
                : next(context);
        });
    }

    private static async Task EndOnStopAsync(HttpContext context, RequestDelegate next, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.RequestAborted = linked.Token;
        await next(context);
    }
}
