using System.Net;
using SharpServing.Server.Grpc;
using SharpServing.Server.Hosting;
using ServerSslConfig = SharpServing.Server.Hosting.SslConfig;

namespace SharpServing.ClientTests;

/// <summary>The real gRPC server (<see cref="GrpcServerHost"/>) on 127.0.0.1:0 or a unix socket, serving a <see cref="TestPredictor"/>.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(20);

    private readonly GrpcServerHost _host;

    private TestServer(GrpcServerHost host, TestPredictor predictor, string clientAddress)
    {
        _host = host;
        Predictor = predictor;
        ClientAddress = clientAddress;
    }

    public TestPredictor Predictor { get; }

    /// <summary>The address a client connects to: <c>127.0.0.1:&lt;port&gt;</c> or <c>unix:&lt;path&gt;</c>.</summary>
    public string ClientAddress { get; }

    public static async Task<TestServer> StartAsync(int maxMsgMbSize = GrpcServerHost.DefaultMaxMsgMbSize, ServerSslConfig? ssl = null, string? unixSocketPath = null)
    {
        var predictor = new TestPredictor();
        var address = unixSocketPath is null ? ListenAddress.Tcp(IPAddress.Loopback, 0) : ListenAddress.Unix(unixSocketPath);
        var host = await GrpcServerHost.StartAsync(address, maxMsgMbSize, ssl, predictor, output: TextWriter.Null)
            .WaitAsync(StartStopTimeout);
        var clientAddress = unixSocketPath is null ? $"127.0.0.1:{((IPEndPoint)host.EndPoint).Port}" : $"unix:{unixSocketPath}";
        return new TestServer(host, predictor, clientAddress);
    }

    /// <summary>A client of this server with a 30 s deadline, so that no test call can hang.</summary>
    public Client NewClient(string method, long version = 0, SslConfig? ssl = null, string servable = "test")
        => new(ClientAddress, servable, method, version, ssl) { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync() => await _host.DisposeAsync().AsTask().WaitAsync(StartStopTimeout);
}
