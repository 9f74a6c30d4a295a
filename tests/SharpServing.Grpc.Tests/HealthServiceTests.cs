using System.Buffers.Binary;
using SharpServing.Protocol.Health;

namespace SharpServing.Grpc.Tests;

public sealed class HealthServiceTests : IAsyncLifetime
{
    private readonly HealthStatusRegistry _statuses = new();
    private TestServer _server = null!;
    private GrpcTestClient _client = null!;

    public async Task InitializeAsync()
    {
        var registry = new GrpcServiceRegistry();
        HealthService.Map(registry, _statuses);
        _server = await TestServer.StartAsync(registry);
        _client = new GrpcTestClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Check_reports_overall_and_per_service_status()
    {
        _statuses.SetStatus("add", HealthStatus.NotServing);

        var overall = await _client.CallAsync(HealthService.CheckMethod, new HealthCheckRequest(), HealthCheckResponse.Parser);
        var add = await _client.CallAsync(HealthService.CheckMethod, new HealthCheckRequest { Service = "add" }, HealthCheckResponse.Parser);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Messages.Single().Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, add.Messages.Single().Status);
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        var result = await _client.CallAsync(HealthService.CheckMethod, new HealthCheckRequest { Service = "nope" }, HealthCheckResponse.Parser);

        Assert.Equal(GrpcStatusCode.NotFound, result.Status);
    }

    [Fact]
    public async Task Watch_sends_the_status_then_each_change_until_the_client_cancels()
    {
        using var cts = new CancellationTokenSource();
        using var request = GrpcTestClient.CreateRequest(HealthService.WatchMethod, GrpcTestClient.Frame(new HealthCheckRequest { Service = "add" }));
        using var response = await _client.SendAsync(request, cts.Token);
        await using var body = await response.Content.ReadAsStreamAsync();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, (await ReadOneAsync(body)).Status);
        _statuses.SetStatus("add", HealthStatus.Serving);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await ReadOneAsync(body)).Status);
        _statuses.SetStatus("other", HealthStatus.NotServing);
        _statuses.SetStatus("add", HealthStatus.NotServing);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await ReadOneAsync(body)).Status);

        await cts.CancelAsync();
    }

    [Fact]
    public async Task Watch_ends_with_ok_when_the_server_stops()
    {
        var statuses = new HealthStatusRegistry();
        var registry = new GrpcServiceRegistry();
        HealthService.Map(registry, statuses);
        var server = await TestServer.StartAsync(registry);
        using var client = new GrpcTestClient(server.Address);
        using var request = GrpcTestClient.CreateRequest(HealthService.WatchMethod, GrpcTestClient.Frame(new HealthCheckRequest()));
        using var response = await client.SendAsync(request);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await ReadOneAsync(body)).Status);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var stop = server.DisposeAsync().AsTask();
        var rest = new byte[1];
        var read = await body.ReadAsync(rest).AsTask().WaitAsync(GrpcTestClient.Timeout);
        await stop;

        Assert.Equal(0, read);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        // Ended by the stopping signal, not by Kestrel's shutdown timeout (2 s in these tests).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), stopwatch.Elapsed.ToString());
    }

    private static async Task<HealthCheckResponse> ReadOneAsync(Stream body)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header).AsTask().WaitAsync(GrpcTestClient.Timeout);
        var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(message).AsTask().WaitAsync(GrpcTestClient.Timeout);
        return HealthCheckResponse.Parser.ParseFrom(message);
    }
}
