using Grpc.HealthCheck;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.OnnxRuntime;
using SharpServing.Server.Admin;
using SharpServing.Server.Grpc;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;
using SharpServing.Server.Observability;
using SharpServing.Server.Observability.Internal;
using SharpServing.Server.Rest;
using SharpServing.Server.V2;
using Microsoft.AspNetCore.Builder;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using SharpServing.Worker;

namespace SharpServing.Server;

/// <summary>
/// The hosting API for embedding SharpServing in an application — MindSpore Serving's <c>start_servables</c>,
/// <c>start_grpc_server</c>, <c>start_restful_server</c> and <c>stop</c>: load servables, then open front ends on them.
/// </summary>
/// <example>
/// <code>
/// var config = new ServingConfiguration { ServablesRoot = "servables" };
/// await using var server = await ServingServer.StartServablesAsync(config);
/// await server.StartGrpcServerAsync("127.0.0.1:5500");
/// await server.StartRestfulServerAsync("127.0.0.1:1500");
/// </code>
/// </example>
public sealed class ServingServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly TextWriter _output;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ServingConfiguration _configuration;
    private readonly FrontEndLimits _limits;
    private GrpcServerHost? _grpc;
    private RestServer? _rest;
    private SideListener? _admin;
    private SideListener? _metrics;
    private AdminAccess? _publicAdminAccess;
    private AdminAccess? _grpcRepositoryAccess;
    private bool _stopped;
    private volatile bool _draining;
    private IReadOnlyList<string> _startServables = [];

    private ServingServer(ServableManager servables, ReloadCoordinator reload, Dispatcher dispatcher, ServingConfiguration configuration,
        ILoggerFactory loggerFactory, TextWriter output)
    {
        Servables = servables;
        Reload = reload;
        Telemetry = ServerTelemetry.Create(configuration);
        Telemetry.ObserveVersionStates(servables.GetStatus);
        Predictor = new ObservedPredictor(dispatcher, configuration.AccessLog ? loggerFactory.CreateLogger(AccessLog.Category) : null);
        // The repository extension over gRPC: only with the control API's token (a call without one, or a server without
        // one, is denied).
        V2 = new V2Frontend(reload, Predictor, () => IsReady,
            context => _grpcRepositoryAccess is { } access && access.Authorize(context.RequestHeaders.GetValue("authorization")));
        _loggerFactory = loggerFactory;
        _output = output;
        _configuration = configuration;
        RequestBudget = new RequestByteBudget(configuration.Limits.MaxInflightBytes);
        _limits = FrontEndLimits.From(configuration.Limits, RequestBudget);
        Health.SetStatus(string.Empty, ServingStatus.Serving);
    }

    /// <summary>The server-wide budget of request bytes in flight, shared by the front ends (<c>max_inflight_mb</c>).</summary>
    public RequestByteBudget RequestBudget { get; }

    /// <summary>The running admin listener (control API), or null.</summary>
    public SideListener? Admin => _admin;

    /// <summary>The running metrics listener, or null (then <c>/metrics</c> is on the RESTful listener).</summary>
    public SideListener? Metrics => _metrics;

    /// <summary>The metrics and tracing pipelines (docs/observability.md).</summary>
    public ServerTelemetry Telemetry { get; }

    /// <summary>
    /// Ready: every servable of the start configuration has a published version and the server is not draining
    /// (<c>GET /v2/health/ready</c>).
    /// </summary>
    public bool IsReady => !_draining && !Volatile.Read(ref _stopped) && _startServables.All(Servables.CanServe);

    /// <summary>Whether <see cref="BeginDrain"/> was called.</summary>
    public bool IsDraining => _draining;

    /// <summary>
    /// The first step of a graceful stop: readiness turns false and the gRPC health service's <c>""</c> status
    /// NOT_SERVING at once, while every endpoint keeps serving until <see cref="StopAsync"/>.
    /// </summary>
    public void BeginDrain()
    {
        _draining = true;
        Health.SetStatus(string.Empty, ServingStatus.NotServing);
    }

    /// <summary>The loaded servables: their versions, status, explicit load and unload.</summary>
    public ServableManager Servables { get; }

    /// <summary>Watching and reloading of the servables (docs/hot-reload.md): reload, explicit load and unload, status.</summary>
    public ReloadCoordinator Reload { get; }

    /// <summary>What the front ends call; usable in-process too.</summary>
    public IPredictor Predictor { get; }

    /// <summary>The Open Inference Protocol (KServe V2) front ends on the same listeners (docs/kserve-v2.md).</summary>
    public V2Frontend V2 { get; }

    /// <summary>
    /// The statuses <c>grpc.health.v1.Health</c> serves: the server under <c>""</c> (serving until it stops) and each
    /// servable under its name (serving while a version is published, not serving while it only has failed or loading
    /// versions, unknown once its folder is gone).
    /// </summary>
    public HealthServiceImpl Health { get; } = new();

    /// <summary>The running gRPC server, or null.</summary>
    public GrpcServerHost? Grpc => _grpc;

    /// <summary>The running RESTful server, or null.</summary>
    public RestServer? Rest => _rest;

    /// <summary>
    /// Validates <paramref name="configuration"/>, loads its servables (each independently: a failing servable is
    /// reported in <see cref="ServableManager.GetStatus"/> and the log while the others serve), starts watching them
    /// when <see cref="ServingConfiguration.Watch"/> is on, and, when the configuration names endpoints, starts them.
    /// Any endpoint failure stops everything started, then throws.
    /// </summary>
    /// <exception cref="ServingConfigurationException">A setting is invalid; the message names it.</exception>
    /// <exception cref="ServerStartException">An endpoint could not start; the message is the specification's text.</exception>
    public static Task<ServingServer> StartServablesAsync(
        ServingConfiguration configuration, ILoggerFactory? loggerFactory = null, TextWriter? output = null,
        CancellationToken cancellationToken = default)
        => StartServablesAsync(configuration, loggerFactory, output, TimeProvider.System, cancellationToken);

    /// <summary>As above, with the clock of the watcher's quiet period and rescans (tests drive it).</summary>
    internal static async Task<ServingServer> StartServablesAsync(
        ServingConfiguration configuration, ILoggerFactory? loggerFactory, TextWriter? output, TimeProvider watchClock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        loggerFactory ??= NullLoggerFactory.Instance;
        // Servables isolated in worker processes (docs/isolation.md) start through the worker supervisor.
        var isolation = configuration.Isolation.Any ? new ProcessIsolation(configuration, null, loggerFactory) : null;
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance, isolation, TimeProvider.System, loggerFactory);
        var reload = new ReloadCoordinator(manager, watchClock, loggerFactory);
        var dispatcher = new Dispatcher(manager, new ExecutionOptions { MaxEnqueuedRequests = configuration.MaxEnqueuedRequests }, loggerFactory);
        var server = new ServingServer(manager, reload, dispatcher, configuration, loggerFactory, output ?? Console.Out);
        // Every change after the start (a reload, a new or removed servable) keeps the health service in step.
        manager.Changed += (_, e) => server.SyncHealth(e.Servable);
        try
        {
            if (configuration.Admin.Address == AdminConfiguration.Public)
            {
                var token = configuration.Admin.ReadToken()
                    ?? throw new ServerStartException(
                        $"Serving Error: the control API on the RESTful listener ('--admin public') needs a token: give --admin-token-file or {AdminConfiguration.TokenEnvironmentVariable}");
                server._publicAdminAccess = new AdminAccess(token, configuration.Admin.AllowedHosts);
            }
            if (configuration.Admin.Address is not null && configuration.Admin.ReadToken() is { } repositoryToken)
            {
                server._grpcRepositoryAccess = new AdminAccess(repositoryToken, configuration.Admin.AllowedHosts);
            }
            var statuses = await reload.StartAsync(cancellationToken);
            server.PublishHealth(statuses);
            server._startServables = [.. statuses.Select(s => s.Servable).Distinct(StringComparer.Ordinal)];
            if (configuration.Grpc is { } grpc)
            {
                await server.StartGrpcServerAsync(grpc, cancellationToken);
            }
            if (configuration.Rest is { } rest)
            {
                await server.StartRestfulServerAsync(rest, cancellationToken);
            }
            await server.StartSideListenersAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the gRPC server as a configured endpoint describes it (address, message limit, TLS).</summary>
    /// <exception cref="ServerStartException">With the specification's text; nothing else is stopped.</exception>
    public Task StartGrpcServerAsync(EndpointConfiguration endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return StartGrpcServerAsync(endpoint.Address, endpoint.MaxMsgMbSize, ToSslConfig(endpoint.Ssl), cancellationToken);
    }

    /// <summary>Starts the RESTful server as a configured endpoint describes it (address, body limit, TLS).</summary>
    /// <exception cref="ServerStartException">With the specification's text; nothing else is stopped.</exception>
    public Task StartRestfulServerAsync(EndpointConfiguration endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return StartRestfulServerAsync(endpoint.Address, endpoint.MaxMsgMbSize, ToSslConfig(endpoint.Ssl), cancellationToken);
    }

    /// <summary>Starts the gRPC server (<c>ip:port</c> or <c>unix:path</c>). A second start throws the specification's text.</summary>
    /// <exception cref="ServerStartException">With the specification's text; nothing else is stopped.</exception>
    public async Task StartGrpcServerAsync(string address, int maxMsgMbSize = GrpcServerHost.DefaultMaxMsgMbSize, SslConfig? ssl = null,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_grpc is not null)
            {
                throw new ServerStartException("Serving Error: Serving gRPC server is already running");
            }
            if (maxMsgMbSize is < 1 or > 512)
            {
                throw new ServerStartException("Parameter 'max_msg_mb_size' should be in range [1,512]");
            }
            _grpc = await GrpcServerHost.StartAsync(Addresses.ParseGrpc(address), maxMsgMbSize, ssl, Predictor, Health, V2, _loggerFactory, _output,
                _limits, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the RESTful server (<c>ip:port</c>). A second start throws the specification's text.</summary>
    /// <exception cref="ServerStartException">With the specification's text; nothing else is stopped.</exception>
    public async Task StartRestfulServerAsync(string address, int maxMsgMbSize = 100, SslConfig? ssl = null,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_rest is not null)
            {
                throw new ServerStartException("Serving Error: RESTful server is already running");
            }
            if (maxMsgMbSize is < 1 or > 512)
            {
                throw new ServerStartException(RestOptions.MaxMessageMbSizeRangeMessage);
            }
            var options = new RestOptions { MaxMessageMbSize = maxMsgMbSize };
            _rest = await RestServerHost.StartAsync(Addresses.ParseRestful(address), options, ssl, Predictor, _loggerFactory, _output,
                (app, logger) => MapFirst(app, logger, options.MaxMessageBytes), _limits, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the gRPC server on a parsed address (port 0: any free port; for tests), without a startup line.</summary>
    internal async Task StartGrpcServerAsync(ListenAddress address, int maxMsgMbSize, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            _grpc = _grpc is null
                ? await GrpcServerHost.StartAsync(address, maxMsgMbSize, null, Predictor, Health, V2, _loggerFactory, TextWriter.Null, _limits, cancellationToken)
                : throw new ServerStartException("Serving Error: Serving gRPC server is already running");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the RESTful server on a parsed address (port 0: any free port; for tests), without a startup line.</summary>
    internal async Task StartRestfulServerAsync(ListenAddress address, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            _rest = _rest is null
                ? await RestServerHost.StartAsync(address, new RestOptions(), null, Predictor, _loggerFactory, null,
                    (app, logger) => MapFirst(app, logger, new RestOptions().MaxMessageBytes), _limits, cancellationToken)
                : throw new ServerStartException("Serving Error: RESTful server is already running");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts the admin listener (control API) and the metrics listener that the configuration names
    /// (<see cref="AdminConfiguration.Address"/>, <see cref="ServingConfiguration.MetricsAddress"/>); <c>sharpserving
    /// serve</c> calls it after the front ends. A second call starts nothing more.
    /// </summary>
    /// <exception cref="ServingConfigurationException">The token file cannot be read.</exception>
    /// <exception cref="ServerStartException">A listener cannot start, or the control API would be reachable beyond this
    /// machine without a token.</exception>
    public async Task StartSideListenersAsync(CancellationToken cancellationToken = default)
    {
        if (_configuration.MetricsAddress is { } metrics && _metrics is null)
        {
            await StartMetricsListenerAsync(Addresses.ParseRestful(metrics), cancellationToken);
        }
        if (_configuration.Admin.Address is { } admin && admin != AdminConfiguration.Public && _admin is null)
        {
            await StartAdminListenerAsync(Addresses.ParseGrpc(admin), cancellationToken);
        }
    }

    /// <summary>Serves <c>GET /metrics</c> on <paramref name="address"/> (port 0: any free port); nothing with metrics off.</summary>
    internal async Task StartMetricsListenerAsync(ListenAddress address, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_metrics is null && Telemetry.MeterProvider is { } meters)
            {
                _metrics = await SideListener.StartAsync("metrics", address, null, _limits.MaxConnections, _loggerFactory,
                    app => app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, c => c.Request.Path == "/metrics", null, null, null),
                    cancellationToken);
                _output.WriteLine($"Serving: metrics listening on {_metrics.Address}");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Serves the control API on <paramref name="address"/> (port 0: any free port) with the configured access.</summary>
    internal async Task StartAdminListenerAsync(ListenAddress address, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_admin is not null)
            {
                return;
            }
            var admin = _configuration.Admin;
            var access = CreateAdminAccess(admin, address);
            var https = admin.Ssl is { } ssl ? TlsSetup.CreateHttpsOptions(ToSslConfig(ssl)!) : null;
            var logger = _loggerFactory.CreateLogger(typeof(AdminEndpoints));
            _admin = await SideListener.StartAsync("admin", address, https, _limits.MaxConnections, _loggerFactory,
                app =>
                {
                    AdminEndpoints.Map(app, Reload, access, logger);
                    V2.MapRepositoryRest(app, access, _limits, logger);
                }, cancellationToken);
            if (_admin.LocalEndPoint is System.Net.IPEndPoint bound)
            {
                access.AllowHost(bound.Address.ToString());
            }
            _output.WriteLine($"Serving: control API listening on {_admin.Address}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The access rules of the control API at <paramref name="address"/>: a token from the file or the
    /// environment; without one, only a loopback address or a unix socket is allowed (with a warning).</summary>
    private AdminAccess CreateAdminAccess(AdminConfiguration admin, ListenAddress address)
    {
        var token = admin.ReadToken();
        var logger = _loggerFactory.CreateLogger(typeof(AdminEndpoints));
        if (token is null)
        {
            var local = address.IsUnixSocket || IsLoopback(address);
            if (!local)
            {
                throw new ServerStartException(
                    $"Serving Error: the control API at '{address.Text}' would be reachable from other machines without a token: "
                    + $"give --admin-token-file or {AdminConfiguration.TokenEnvironmentVariable}, or a loopback address or unix socket");
            }
            SharpServing.Server.Admin.Internal.AdminLog.NoToken(logger, address.Text);
        }
        return new AdminAccess(token, admin.AllowedHosts);
    }

    private static bool IsLoopback(ListenAddress address)
        => string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(address.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));

    /// <summary>
    /// Stops watching (a load in progress is abandoned, never awaited), stops the front ends (running calls get up to
    /// <see cref="ServingConfiguration.DrainTimeout"/> to finish, then are cut off), then unloads every servable (queued
    /// work drains first, within the same limit). Bounded: no servable's code can hold it up past the drain timeouts.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            Health.SetStatus(string.Empty, ServingStatus.NotServing);
            // No reload may start while the front ends drain and the servables unload.
            await Reload.DisposeAsync();
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(Servables.Configuration.DrainTimeout);
            if (_grpc is not null)
            {
                await _grpc.StopAsync(drain.Token);
            }
            if (_rest is not null)
            {
                await _rest.StopAsync(drain.Token);
            }
            if (_admin is not null)
            {
                await _admin.StopAsync(drain.Token);
            }
            if (_metrics is not null)
            {
                await _metrics.StopAsync(drain.Token);
            }
            await Servables.DisposeAsync();
            Telemetry.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    // Probes and metrics (unless on a listener of their own) come before the admin endpoints: no control-API token guards
    // them. The control API (with the V2 repository extension) is on the RESTful listener only with --admin public, and then
    // behind the token. The V2 inference paths come before MindSpore Serving's.
    private void MapFirst(IApplicationBuilder app, ILogger logger, long maxMessageBytes)
    {
        HealthProbes.Map(app, () => IsReady);
        if (Telemetry.MeterProvider is { } meters && _configuration.MetricsAddress is null)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, context => context.Request.Path == "/metrics", null, null, null);
        }
        if (_publicAdminAccess is not null)
        {
            AdminEndpoints.Map(app, Reload, _publicAdminAccess, logger);
            V2.MapRepositoryRest(app, _publicAdminAccess, _limits, logger);
        }
        V2.MapRest(app, maxMessageBytes, _limits, logger);
    }

    private void PublishHealth(IReadOnlyList<ServableVersionStatus> statuses)
    {
        foreach (var group in statuses.GroupBy(s => s.Servable, StringComparer.Ordinal))
        {
            var serving = group.Any(s => s.State is ServableVersionState.Available or ServableVersionState.Unloaded);
            Health.SetStatus(group.Key, serving ? ServingStatus.Serving : ServingStatus.NotServing);
        }
    }

    /// <summary>Serving while a version of <paramref name="servable"/> is published; not serving while it only has failed
    /// or loading versions; unknown once the manager forgot it (its folder was removed).</summary>
    private void SyncHealth(string servable)
    {
        if (Volatile.Read(ref _stopped))
        {
            return;
        }
        // A published version whose worker restarts does not serve.
        if (Servables.IsServing(servable) || (!Servables.Contains(servable) && Servables.CanServe(servable)))
        {
            Health.SetStatus(servable, ServingStatus.Serving);
        }
        else if (Servables.Contains(servable) || Servables.GetStatus().Any(s => s.Servable == servable))
        {
            Health.SetStatus(servable, ServingStatus.NotServing);
        }
        else
        {
            Health.ClearStatus(servable);
        }
    }

    private static SslConfig? ToSslConfig(SslConfiguration? ssl)
        => ssl is null ? null : new SslConfig(ssl.Certificate, ssl.PrivateKey, ssl.CustomCa, ssl.VerifyClient);
}
