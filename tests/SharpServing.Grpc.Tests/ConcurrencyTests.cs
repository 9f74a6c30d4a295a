using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace SharpServing.Grpc.Tests;

public sealed class ConcurrencyTests : IAsyncLifetime
{
    private readonly TestService _service = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_service.CreateRegistry());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Two_hundred_concurrent_calls_on_one_connection_all_succeed()
    {
        // No call returns before all 200 are in flight: with fewer streams allowed per connection, this would hang.
        _service.GatherTarget = 200;
        using var client = new GrpcTestClient(_server.Address, multipleConnections: false);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            client.CallAsync(TestService.Gather, new Int32Value { Value = i }, Int32Value.Parser)));

        Assert.All(results, r => Assert.Equal(GrpcStatusCode.OK, r.Status));
        Assert.Equal(Enumerable.Range(0, 200), results.Select(r => r.Messages.Single().Value));
    }

    [Fact]
    public async Task Twenty_connections_with_ten_calls_each_all_succeed()
    {
        var clients = Enumerable.Range(0, 20).Select(_ => new GrpcTestClient(_server.Address)).ToList();
        try
        {
            var results = await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 10).Select(i =>
                c.CallAsync(TestService.Echo, new BytesValue { Value = ByteString.CopyFromUtf8($"{i}") }, BytesValue.Parser))));

            Assert.Equal(200, results.Length);
            Assert.All(results, r => Assert.Equal(GrpcStatusCode.OK, r.Status));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
