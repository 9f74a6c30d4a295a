using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SharpServing.Protocol.Health;

namespace SharpServing.Grpc;

/// <summary>The standard gRPC health service (<c>grpc.health.v1.Health</c>: Check and Watch) over a <see cref="HealthStatusRegistry"/>.</summary>
public static class HealthService
{
    /// <summary>Path of the Check method.</summary>
    public const string CheckMethod = "/grpc.health.v1.Health/Check";

    /// <summary>Path of the Watch method.</summary>
    public const string WatchMethod = "/grpc.health.v1.Health/Watch";

    /// <summary>Registers Check and Watch on <paramref name="registry"/>.</summary>
    public static void Map(GrpcServiceRegistry registry, HealthStatusRegistry statuses)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(statuses);
        registry.AddUnary<HealthCheckRequest, HealthCheckResponse>(CheckMethod, HealthCheckRequest.Parser, (request, _) =>
        {
            if (!statuses.TryGetStatus(request.Service, out var status))
            {
                throw new GrpcStatusException(GrpcStatusCode.NotFound, $"Unknown service '{request.Service}'");
            }
            return Task.FromResult(new HealthCheckResponse { Status = (HealthCheckResponse.Types.ServingStatus)status });
        });
        registry.AddServerStreaming<HealthCheckRequest, HealthCheckResponse>(
            WatchMethod, HealthCheckRequest.Parser, (request, writer, context) => WatchAsync(statuses, request.Service, writer, context));
    }

    // Sends the status, then every change, until the client cancels (nothing more is sent) or the server stops (OK).
    private static async Task WatchAsync(
        HealthStatusRegistry statuses, string service, GrpcStreamWriter<HealthCheckResponse> writer, GrpcCallContext context)
    {
        var stopping = context.HttpContext.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        HealthCheckResponse.Types.ServingStatus? sent = null;
        try
        {
            while (true)
            {
                var (status, changed) = statuses.Snapshot(service);
                var wire = status is { } s ? (HealthCheckResponse.Types.ServingStatus)s : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
                if (wire != sent)
                {
                    await writer.WriteAsync(new HealthCheckResponse { Status = wire }, cts.Token);
                    sent = wire;
                }
                await changed.WaitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The server stops: the stream ends with OK.
        }
    }
}
