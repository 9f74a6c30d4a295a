using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Grpc;
using SharpServing.Server.Grpc.Internal;
using SharpServing.Server.Hosting;

namespace SharpServing.Server.Grpc;

/// <summary>
/// The gRPC server: MindSpore Serving's Predict and the gRPC health service on one HTTP/2-only Kestrel endpoint (h2c, or
/// TLS with ALPN h2), bound to a TCP address or a unix domain socket. Dispose (or <see cref="StopAsync"/>) to stop it.
/// </summary>
public sealed class GrpcServerHost : IAsyncDisposable
{
    /// <summary>Default of <c>max_msg_mb_size</c>, in MiB.</summary>
    public const int DefaultMaxMsgMbSize = 100;

    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);
    private readonly WebApplication _app;
    private int _stopped;

    private GrpcServerHost(WebApplication app, string address, EndPoint endPoint)
    {
        _app = app;
        Address = address;
        EndPoint = endPoint;
    }

    /// <summary>The address listened on: as given, or with the bound port when port 0 was asked for.</summary>
    public string Address { get; }

    /// <summary>The bound endpoint (<see cref="IPEndPoint"/> with the real port, or a unix socket endpoint).</summary>
    public EndPoint EndPoint { get; }

    /// <summary>
    /// Validates <paramref name="maxMsgMbSize"/> and <paramref name="address"/> (spec 5.1/5.2 texts), loads TLS files,
    /// binds, and prints <c>Serving: Serving gRPC server start success, listening on &lt;address&gt;</c> to
    /// <paramref name="output"/> (default: standard output).
    /// </summary>
    /// <exception cref="ServerStartException">With the exact text of the failure.</exception>
    public static Task<GrpcServerHost> StartAsync(
        string address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, HealthStatusRegistry health,
        ILoggerFactory? loggerFactory = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        CheckMaxMsgMbSize(maxMsgMbSize);
        return StartAsync(Addresses.ParseGrpc(address), maxMsgMbSize, ssl, predictor, health, loggerFactory, output, cancellationToken);
    }

    /// <summary>As the other overload, for an address built in code (<see cref="ListenAddress.Tcp"/> may ask for port 0).</summary>
    /// <exception cref="ServerStartException">With the exact text of the failure.</exception>
    public static async Task<GrpcServerHost> StartAsync(
        ListenAddress address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, HealthStatusRegistry health,
        ILoggerFactory? loggerFactory = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(health);
        CheckMaxMsgMbSize(maxMsgMbSize);
        var https = ssl is null ? null : TlsSetup.CreateHttpsOptions(ssl);
        if (!address.TryCreateEndPoint(out var endPoint))
        {
            throw new ServerStartException(Addresses.GrpcBindFailed(address.Text));
        }
        loggerFactory ??= NullLoggerFactory.Instance;
        var app = Build(endPoint!, https, loggerFactory);
        var limit = maxMsgMbSize * 1024 * 1024;
        var options = new GrpcOptions { MaxReceiveMessageSize = limit, MaxSendMessageSize = limit };
        var registry = MindSporeGrpcService.CreateRegistry(predictor, options, health, loggerFactory.CreateLogger("SharpServing.Grpc"));
        app.Run(registry.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new ServerStartException(Addresses.GrpcBindFailed(address.Text), ex);
        }
        var bound = BoundEndPoint(app, endPoint!);
        var text = address.Port == 0 && !address.IsUnixSocket ? bound.ToString()! : address.Text;
        var host = new GrpcServerHost(app, text, bound);
        var logger = loggerFactory.CreateLogger<GrpcServerHost>();
        GrpcServerLog.Listening(logger, text);
        (output ?? Console.Out).WriteLine(Addresses.GrpcStartSuccess(text));
        return host;
    }

    /// <summary>
    /// Stops taking calls, waits up to 5 seconds for running ones, then stops. A unix socket file is removed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        try
        {
            await _app.StopAsync(cancellationToken);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private static void CheckMaxMsgMbSize(int maxMsgMbSize)
    {
        if (maxMsgMbSize is < 1 or > 512)
        {
            throw new ServerStartException("Parameter 'max_msg_mb_size' should be in range [1,512]");
        }
    }

    private static WebApplication Build(EndPoint endPoint, HttpsConnectionAdapterOptions? https, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_shutdownTimeout);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            GrpcKestrel.Configure(kestrel);
            kestrel.Listen(endPoint, listen =>
            {
                GrpcKestrel.UseHttp2Only(listen);
                if (https is not null)
                {
                    listen.UseHttps(https);
                }
            });
        });
        return builder.Build();
    }

    private static EndPoint BoundEndPoint(WebApplication app, EndPoint requested)
    {
        if (requested is not IPEndPoint { Port: 0 } ip)
        {
            return requested;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var uri) ? new IPEndPoint(ip.Address, uri.Port) : requested;
    }
}
