using System.Net;
using Grpc.HealthCheck;
using SharpServing.Server.Grpc;
using SharpServing.Server.Hosting;

namespace SharpServing.Server.Tests.Grpc;

internal static class TestHosts
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts the gRPC server on 127.0.0.1 with a free port (or <paramref name="address"/>).</summary>
    public static Task<GrpcServerHost> StartAsync(
        TestPredictor predictor, ListenAddress? address = null, int maxMsgMbSize = 100, SslConfig? ssl = null,
        HealthServiceImpl? health = null, TextWriter? output = null)
        => GrpcServerHost.StartAsync(address ?? ListenAddress.Tcp(IPAddress.Loopback, 0), maxMsgMbSize, ssl, predictor,
            health, null, output ?? TextWriter.Null).WaitAsync(Timeout);
}
