using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>The health service of the gRPC server with Grpc.HealthCheck's own client over Grpc.Net.Client.</summary>
public sealed class HealthServiceTests
{
    [Fact]
    public async Task Without_a_health_service_of_its_own_the_server_reports_itself_serving_and_nothing_else()
    {
        await using var host = await TestHosts.StartAsync(new TestPredictor());
        using var channel = GrpcChannel.ForAddress($"http://{host.EndPoint}");
        var client = new Health.HealthClient(channel);

        var overall = await client.CheckAsync(new HealthCheckRequest(), deadline: Deadline());
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.CheckAsync(new HealthCheckRequest { Service = "add" }, deadline: Deadline()).ResponseAsync);

        Assert.Equal(ServingStatus.Serving, overall.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Watch_sees_each_change_and_ends_with_ok_as_soon_as_the_server_stops()
    {
        var health = new HealthServiceImpl();
        var host = await TestHosts.StartAsync(new TestPredictor(), health: health);
        using var channel = GrpcChannel.ForAddress($"http://{host.EndPoint}");
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "add" }, deadline: Deadline());
        var stream = watch.ResponseStream;

        Assert.Equal(ServingStatus.ServiceUnknown, await NextAsync(stream));
        health.SetStatus("add", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await NextAsync(stream));
        health.SetStatus("other", ServingStatus.NotServing);
        health.SetStatus("add", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await NextAsync(stream));

        var stopwatch = Stopwatch.StartNew();
        var stop = host.DisposeAsync().AsTask();
        var more = await stream.MoveNext(CancellationToken.None).WaitAsync(TestHosts.Timeout);
        await stop.WaitAsync(TestHosts.Timeout);

        Assert.False(more);
        Assert.Equal(StatusCode.OK, watch.GetStatus().StatusCode);
        // Ended by the stopping signal, not by the 5 s shutdown timeout that aborts calls still running.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), stopwatch.Elapsed.ToString());
    }

    private static DateTime Deadline() => DateTime.UtcNow.Add(TestHosts.Timeout);

    private static async Task<ServingStatus> NextAsync(IAsyncStreamReader<HealthCheckResponse> stream)
    {
        Assert.True(await stream.MoveNext(CancellationToken.None).WaitAsync(TestHosts.Timeout));
        return stream.Current.Status;
    }
}
