using Microsoft.Extensions.Logging;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using Microsoft.ML.OnnxRuntime;
using SharpServing.OnnxRuntime;
using SharpServing.Server;

namespace SharpServing.Host.Commands;

/// <summary><c>sharpserving serve</c>: load servables, open the front ends, serve until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    private const string Help = """
        Usage: sharpserving serve [options]

          --config FILE             a JSON configuration file (docs/configuration.md); options below override it
          --servables DIR           the servables root: every servable folder in it is served (default: servables)
          --servable NAME           serve only this servable (repeatable); default: all under --servables
          --version N               the version of each servable to load (default 0: the highest)
          --grpc ADDRESS            gRPC address, ip:port or unix:path (default 127.0.0.1:5500; 'none' to disable)
          --rest ADDRESS            RESTful address, ip:port (default 127.0.0.1:1500; 'none' to disable)
          --grpc-max-msg-mb N       gRPC message limit in MiB, 1..512 (default 100)
          --rest-max-msg-mb N       RESTful body limit in MiB, 1..512 (default 100)
          --ssl-certificate FILE    PEM certificate for TLS on both endpoints
          --ssl-private-key FILE    PEM private key for TLS
          --ssl-ca FILE             PEM CA that client certificates must chain to (with --ssl-verify-client)
          --ssl-verify-client       require and verify client certificates (mutual TLS)
          --device-type TYPE        CPU or GPU (default: CPU)
          --device-ids LIST         comma-separated device ids, e.g. 0,1
          --parallel-workers N      bound on concurrently running C# stages, 0..64 (default 0: the core count)
          --max-enqueued N          accepted, unanswered requests before 'queue full' (default 10000)
          --dec-key-file FILE       model decryption key (16, 24 or 32 raw bytes); never give a key on the command line
          --dec-mode MODE           AES-GCM (default) or AES-CBC
          --no-compile-cache        always compile servable_config.csx scripts
          --no-watch                load the servables once; do not watch their folders (load and unload through
                                    the control API: POST /v1/servables/<name>/versions/<n>:load|:unload)
          --version-policy POLICY   versions to serve: latest (default), latest:N, all, specific:1,3
          --watch-debounce-ms N     quiet time before a change in the servable folders is applied, 0..60000 (default 1000)
          --no-warmup               let versions take traffic without a warm-up run of their models
          --load-timeout-ms N       time limit of loading one servable version (compile, configure, open models, warm
                                    up), 100..86400000 (default 300000); past it the load is abandoned
          --lazy-load               load each servable version on its first request, not at the start
          --loaded-memory-budget-mb N  with --lazy-load: the MiB loaded versions may take together (their folders'
                                    file sizes); past it the least recently used idle versions unload (default 0: none)
          --drain-timeout-ms N      time running requests get to finish on stop or unload, 0..3600000 (default 30000)
          --request-timeout-ms N    time limit of a request of a method without its own, 0..86400000 (default 60000;
                                    0: none)
          --isolation MODE          run servables in worker processes: 'process' for all, NAME=process for one
                                    (repeatable), 'in-process' (default); see docs/isolation.md
          --worker-memory-limit-mb N  kill and restart a worker whose resident memory exceeds N MiB (default: no limit)
          --worker-time-limit-ms N  kill and restart a worker when a request runs longer than N ms (default: no limit)
          --admin ADDRESS           serve the control API (/v1/servables...) on a listener of its own: ip:port or
                                    unix:path; 'public' for the RESTful listener (token required). Default: not served
          --admin-token-file FILE   the control API's bearer token (else SHARPSERVING_ADMIN_TOKEN); required unless
                                    --admin is a loopback address or a unix socket
          --admin-allowed-host NAME a Host header the control API accepts besides loopback names (repeatable)
          --max-inflight-mb N       server-wide budget of request bytes in flight, 1..1048576 (default 1024)
          --max-connections N       open connections per listener, 1..1000000 (default 10000)
          --http2-max-streams N     concurrent HTTP/2 streams per connection, 1..1000 (default 100)
          --min-body-rate N         slowest request body in bytes/s after 5 s of grace, 0 (off)..1048576 (default 240)
          --request-body-timeout-ms N  time a request body may take to arrive, 1000..3600000 (default 60000)
          --log-level LEVEL         Trace, Debug, Information (default), Warning, Error
          --metrics ADDRESS         serve GET /metrics on a listener of its own (ip:port) instead of the RESTful one
          --no-metrics              do not serve GET /metrics
          --otlp-endpoint URL       export request spans over OTLP to this collector (default: tracing off)
          --access-log              one log line per request (category SharpServing.AccessLog)
          --drain-delay-ms N        on SIGTERM, keep serving this long with readiness false before stopping,
                                    0..600000 (default 0)
        """;

    private static readonly HashSet<string> s_values =
    [
        "config", "servables", "servable", "version", "grpc", "rest", "grpc-max-msg-mb", "rest-max-msg-mb", "ssl-certificate",
        "ssl-private-key", "ssl-ca", "device-type", "device-ids", "parallel-workers", "max-enqueued", "dec-key-file",
        "dec-mode", "log-level", "version-policy", "watch-debounce-ms", "load-timeout-ms", "drain-timeout-ms", "request-timeout-ms",
        "isolation", "worker-memory-limit-mb", "worker-time-limit-ms", "otlp-endpoint", "drain-delay-ms", "admin", "admin-token-file",
        "admin-allowed-host", "max-inflight-mb", "max-connections", "http2-max-streams", "min-body-rate", "request-body-timeout-ms",
        "metrics", "loaded-memory-budget-mb",
    ];

    private static readonly HashSet<string> s_flags = ["ssl-verify-client", "no-compile-cache", "no-watch", "no-warmup", "no-metrics", "access-log", "lazy-load"];

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = CommandLineArguments.Parse(args, s_values, s_flags);
        if (parsed.Help)
        {
            Console.Out.WriteLine(Help);
            return ExitCodes.Success;
        }
        if (parsed.Positionals.Count > 0)
        {
            throw new UsageException($"serve takes no positional arguments, given '{parsed.Positionals[0]}'");
        }
        var configuration = ServeConfigurationBuilder.Build(parsed);
        var drainDelay = configuration.DrainDelay;
        var level = ParseLogLevel(configuration.LogLevel);
        // ONNX Runtime's own warnings (unused initializers and the like) are noise for operators; its errors surface as exceptions.
        OrtEnvironment.Configure(level <= LogLevel.Debug ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING : OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        }).SetMinimumLevel(level)
            .AddFilter("Microsoft", level <= LogLevel.Debug ? level : LogLevel.Warning)
            // ASP.NET Core starts an Activity per request whenever this category logs at any level (for its log scopes),
            // tracing on or off; it logs only request starts and ends (Debug/Information) and startup failures, which
            // reach the server as exceptions anyway.
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level <= LogLevel.Debug ? level : LogLevel.None));

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stop.Cancel();
            });

        // Servables first, endpoints after: a server whose every servable failed never opens a port.
        var (grpc, rest) = (configuration.Grpc, configuration.Rest);
        (configuration.Grpc, configuration.Rest) = (null, null);
        // Every servable has loaded, failed or passed its load time limit when this returns; a stop signal meanwhile ends it.
        ServingServer server;
        try
        {
            server = await ServingServer.StartServablesAsync(configuration, loggerFactory, Console.Out, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Out.WriteLine("Serving: stopped while the servables were loading");
            return ExitCodes.Success;
        }
        try
        {
            return await ServeAsync(server, grpc, rest, drainDelay, stop.Token);
        }
        finally
        {
            await StopAsync(server, configuration.DrainTimeout);
        }
    }

    private static async Task<int> ServeAsync(ServingServer server, EndpointConfiguration? grpc, EndpointConfiguration? rest, TimeSpan drainDelay, CancellationToken stop)
    {
        var statuses = server.Servables.GetStatus();
        foreach (var status in statuses)
        {
            var line = status.State == ServableVersionState.Failed
                ? $"Serving: servable {status.Servable} failed to load: {status.Error}"
                : $"Serving: servable {status.Servable} version {status.Version} {status.State.ToString().ToLowerInvariant()}";
            Console.Out.WriteLine(line);
        }
        if (statuses.Count > 0 && statuses.All(s => s.State == ServableVersionState.Failed))
        {
            Console.Error.WriteLine("Serving Error: no servable could be loaded");
            return ExitCodes.Configuration;
        }
        try
        {
            if (grpc is not null)
            {
                await server.StartGrpcServerAsync(grpc, stop);
            }
            if (rest is not null)
            {
                await server.StartRestfulServerAsync(rest, stop);
            }
            await server.StartSideListenersAsync(stop);
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Out.WriteLine("Serving: stopping (running requests finish first)");
        }
        // Readiness turns false at once; the endpoints keep serving for the drain delay so load balancers notice.
        server.BeginDrain();
        if (drainDelay > TimeSpan.Zero)
        {
            Console.Out.WriteLine($"Serving: draining for {drainDelay.TotalMilliseconds:F0} ms");
            await Task.Delay(drainDelay, CancellationToken.None);
        }
        return ExitCodes.Success;
    }

    /// <summary>Stops the server, but never for longer than the drain timeout and a margin: the process must exit even
    /// when some servable's code does not return (its threads are background threads and end with the process).</summary>
    private static async Task StopAsync(ServingServer server, TimeSpan drainTimeout)
    {
        var limit = drainTimeout + StopMargin;
        try
        {
            await server.StopAsync(CancellationToken.None).WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"Serving: the stop did not finish within {(long)limit.TotalMilliseconds} ms (drain timeout + margin); exiting anyway");
        }
    }

    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(5);

    private static LogLevel ParseLogLevel(string? text)
        => text is null ? LogLevel.Information
            : Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) ? level
            : throw new UsageException($"--log-level must be one of Trace, Debug, Information, Warning, Error, not '{text}'");
}
