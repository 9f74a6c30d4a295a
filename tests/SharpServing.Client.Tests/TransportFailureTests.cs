using System.Net;
using System.Net.Sockets;

namespace SharpServing.ClientTests;

/// <summary>Transport failures against the real server: down, over the size limit, deadlines, cancellation.</summary>
public sealed class TransportFailureTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ServerDown_InferReturnsUnavailable_InferAsyncThrowsIt()
    {
        using var client = new Client($"127.0.0.1:{FreePort()}", "test", "add") { Timeout = s_wait };
        var instance = new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 1f };

        var result = client.Infer(instance);
        var e = await Assert.ThrowsAsync<ServingRpcException>(() => client.InferAsync(instance).WaitAsync(s_wait));

        Assert.True(result.IsRequestError);
        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), failed to connect to all addresses; last error: ", result.Error);
        Assert.Contains("refused", result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(GrpcStatusCode.Unavailable, e.StatusCode);
        Assert.Equal(result.Error, e.Message);
    }

    [Fact]
    public async Task MessageOverTheServersLimit_IsResourceExhausted_AndTheClientStaysUsable()
    {
        await using var server = await TestServer.StartAsync(maxMsgMbSize: 1);
        using var client = server.NewClient("add");
        var big = new Dictionary<string, object> { ["x1"] = new float[1024, 1024], ["x2"] = new float[1024, 1024] };

        var result = client.Infer(big);
        var e = await Assert.ThrowsAsync<ServingRpcException>(() => client.InferAsync(big).WaitAsync(s_wait));
        var after = client.Infer(new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 2f });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (8, 'resource exhausted'), ", result.Error);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal(3f, after.EnsureSuccess().Instances[0].GetOutput<Tensor>("y").ToScalar<float>());
    }

    [Fact]
    public async Task Deadline_InferReturnsDeadlineExceeded_AndTheServerIsCancelled()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient("slow");
        client.Timeout = TimeSpan.FromSeconds(2);

        var result = client.Infer(new Dictionary<string, object> { ["x"] = 1f });

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (4, 'deadline exceeded'), ", result.Error);
        await server.Predictor.SlowCancelled.WaitAsync(s_wait);
    }

    [Fact]
    public async Task Deadline_PerCall_InferAsyncThrowsDeadlineExceeded()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient("slow");

        var e = await Assert.ThrowsAsync<ServingRpcException>(
            () => client.InferAsync(new Dictionary<string, object> { ["x"] = 1f }, TimeSpan.FromSeconds(2)).WaitAsync(s_wait));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, e.StatusCode);
        await server.Predictor.SlowCancelled.WaitAsync(s_wait);
    }

    [Fact]
    public async Task Cancellation_CancelsTheTask_AndTheServerSeesIt()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.NewClient("slow");
        using var cts = new CancellationTokenSource();

        var call = client.InferAsync(new Dictionary<string, object> { ["x"] = 1f }, cts.Token);
        await server.Predictor.SlowStarted.WaitAsync(s_wait);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_wait));
        await server.Predictor.SlowCancelled.WaitAsync(s_wait);
    }

    [Fact]
    public async Task Dispose_WithACallInFlight_FailsTheCall_AndTheServerSeesIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.NewClient("slow");
        var call = client.InferAsync(new Dictionary<string, object> { ["x"] = 1f });
        await server.Predictor.SlowStarted.WaitAsync(s_wait);

        client.Dispose();

        var e = await Assert.ThrowsAsync<ServingRpcException>(() => call.WaitAsync(s_wait));
        Assert.Equal(GrpcStatusCode.Cancelled, e.StatusCode);
        await server.Predictor.SlowCancelled.WaitAsync(s_wait);
    }

    [Fact]
    public async Task AlreadyCancelledToken_CancelsWithoutCalling()
    {
        using var client = new Client($"127.0.0.1:{FreePort()}", "test", "add");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.InferAsync(new Dictionary<string, object> { ["x"] = 1f }, new CancellationToken(canceled: true)).WaitAsync(s_wait));
    }

    [Fact]
    public async Task ServerStopped_AfterAConnection_ClientReportsUnavailable()
    {
        var server = await TestServer.StartAsync();
        using var client = server.NewClient("add");
        client.Infer(new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 1f }).EnsureSuccess();

        await server.DisposeAsync();
        var result = client.Infer(new Dictionary<string, object> { ["x1"] = 1f, ["x2"] = 1f });

        Assert.Equal(GrpcStatusCode.Unavailable, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (14, 'unavailable'), ", result.Error);
    }

    /// <summary>A loopback port with nothing listening (bound, then released).</summary>
    internal static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
