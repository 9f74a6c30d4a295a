using System.Net;
using Grpc.AspNetCore.Server;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Server.Grpc.Internal;
using SharpServing.Server.Hosting;
using SharpServing.Server.V2;
using SharpServing.Server.V2.Internal;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Grpc;

/// <summary>
/// The gRPC server on Grpc.AspNetCore: MindSpore Serving's <c>MSService.Predict</c> (and, from a <see cref="ServingServer"/>,
/// the Open Inference Protocol's <c>inference.GRPCInferenceService</c>), the standard health service
/// (<c>grpc.health.v1.Health</c>) and server reflection, on one HTTP/2-only Kestrel endpoint (h2c, or TLS with ALPN h2),
/// bound to a TCP address or a unix domain socket. Dispose (or <see cref="StopAsync"/>) to stop it.
/// </summary>
public sealed class GrpcServerHost : IAsyncDisposable
{
    /// <summary>Default of <c>max_msg_mb_size</c>, in MiB.</summary>
    public const int DefaultMaxMsgMbSize = 100;

    /// <summary>Concurrent streams per HTTP/2 connection: Kestrel's default, unless <c>http2_max_streams</c> says otherwise.</summary>
    public const int MaxStreamsPerConnection = 100;

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
    /// <remarks><c>health</c> holds the statuses the health service reports; null = a service of its own that reports the
    /// server (<c>""</c>) as serving.</remarks>
    /// <exception cref="ServerStartException">With the exact text of the failure.</exception>
    public static Task<GrpcServerHost> StartAsync(
        string address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, HealthServiceImpl? health = null,
        ILoggerFactory? loggerFactory = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        CheckMaxMsgMbSize(maxMsgMbSize);
        return StartAsync(Addresses.ParseGrpc(address), maxMsgMbSize, ssl, predictor, health, loggerFactory, output, cancellationToken);
    }

    /// <summary>As the other overload, for an address built in code (<see cref="ListenAddress.Tcp"/> may ask for port 0).</summary>
    /// <exception cref="ServerStartException">With the exact text of the failure.</exception>
    public static Task<GrpcServerHost> StartAsync(
        ListenAddress address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, HealthServiceImpl? health = null,
        ILoggerFactory? loggerFactory = null, TextWriter? output = null, CancellationToken cancellationToken = default)
        => StartAsync(address, maxMsgMbSize, ssl, predictor, health, v2: null, loggerFactory, output, FrontEndLimits.Default(), cancellationToken);

    /// <summary>As above, with the server's limits (its request byte budget shared with the RESTful front end) and the Open
    /// Inference Protocol's <c>inference.GRPCInferenceService</c> beside MSService when <paramref name="v2"/> is given.</summary>
    internal static async Task<GrpcServerHost> StartAsync(
        ListenAddress address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, HealthServiceImpl? health, V2Frontend? v2,
        ILoggerFactory? loggerFactory, TextWriter? output, FrontEndLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(predictor);
        CheckMaxMsgMbSize(maxMsgMbSize);
        var https = ssl is null ? null : TlsSetup.CreateHttpsOptions(ssl);
        if (!address.TryCreateEndPoint(out var endPoint))
        {
            throw new ServerStartException(Addresses.GrpcBindFailed(address.Text));
        }
        if (health is null)
        {
            health = new HealthServiceImpl();
            health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        }
        loggerFactory ??= NullLoggerFactory.Instance;
        var app = Build(endPoint!, https, maxMsgMbSize * 1024 * 1024, predictor, health, v2, loggerFactory, limits);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new ServerStartException(Addresses.GrpcBindFailed(address.Text), ex);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
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
    /// The Kestrel settings gRPC needs: many concurrent streams and wide flow-control windows for large messages, and no
    /// request body limit (gRPC enforces its per-message limit itself, from the length prefix).
    /// </summary>
    public static void ConfigureKestrel(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddServerHeader = false;
        options.Limits.MaxRequestBodySize = null;
        options.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        options.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        options.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
    }

    /// <summary>The gRPC options of the server: <paramref name="maxMessageSize"/> bytes both ways, no detailed errors.</summary>
    public static void ConfigureGrpc(GrpcServiceOptions options, int maxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxReceiveMessageSize = maxMessageSize;
        options.MaxSendMessageSize = maxMessageSize;
        options.EnableDetailedErrors = false;
    }

    /// <summary>
    /// Stops taking calls, ends streaming calls (health Watch) with OK, waits up to 5 seconds for running unary calls, then
    /// stops. A unix socket file is removed.
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

    private static WebApplication Build(
        EndPoint endPoint, HttpsConnectionAdapterOptions? https, int maxMessageSize, IPredictor predictor, HealthServiceImpl health,
        V2Frontend? v2, ILoggerFactory loggerFactory, FrontEndLimits limits)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_shutdownTimeout);
        builder.Services.AddSingleton(predictor);
        builder.Services.AddSingleton<PredictService>();
        builder.Services.AddSingleton(health);
        if (v2 is not null)
        {
            builder.Services.AddSingleton(new V2GrpcService(v2));
        }
        builder.Services.AddSingleton<GrpcCallLogInterceptor>();
        // The call log is an interceptor on every service but MSService, whose Predict logs the same itself (the hot call
        // goes without the interceptor pipeline's frames).
        var grpc = builder.Services.AddGrpc(options =>
        {
            ConfigureGrpc(options, maxMessageSize);
            options.CompressionProviders = BudgetedCompressionProvider.Defaults(maxMessageSize);
        });
        grpc.AddServiceOptions<HealthServiceImpl>(options => options.Interceptors.Add<GrpcCallLogInterceptor>());
        grpc.AddServiceOptions<ReflectionServiceImpl>(options => options.Interceptors.Add<GrpcCallLogInterceptor>());
        if (v2 is not null)
        {
            grpc.AddServiceOptions<V2GrpcService>(options => options.Interceptors.Add<GrpcCallLogInterceptor>());
        }
        builder.Services.AddGrpcReflection();
        // Kestrel's socket transport keeps its default scheduling: a flush queues the socket send instead of sending on
        // the flushing thread, so replies finished meanwhile leave in the same send. Inline scheduling
        // (UnsafePreferInlineScheduling) sent once per reply: 1.1 sends per call instead of 0.4 at 64 calls in flight, and
        // 1.33x the server CPU per call there (docs/benchmarks.md, "Socket scheduling").
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            ConfigureKestrel(kestrel);
            limits.Apply(kestrel);
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (https is not null)
                {
                    listen.UseHttps(https);
                }
            });
        });
        var app = builder.Build();
        GrpcMethodEndpoints.Use(app);
        app.UseRouting();
        StreamingCallsEndOnStop.Use(app);
        GrpcBodyAdmission.Use(app, limits, maxMessageSize, loggerFactory.CreateLogger<GrpcServerHost>());
        app.MapGrpcService<PredictService>();
        app.MapGrpcService<HealthServiceImpl>();
        if (v2 is not null)
        {
            app.MapGrpcService<V2GrpcService>();
        }
        app.MapGrpcReflectionService();
        return app;
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
