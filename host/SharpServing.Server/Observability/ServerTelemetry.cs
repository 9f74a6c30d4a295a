using System.Diagnostics.Metrics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;

namespace SharpServing.Server.Observability;

/// <summary>
/// The server's OpenTelemetry pipelines: a meter provider that collects the engine's and the server's instruments, the
/// runtime's (GC, thread pool, JIT) and the process's (CPU, memory) for the Prometheus scrape endpoint, and, when an OTLP
/// endpoint is configured, a tracer provider that exports the request spans. Owned by <see cref="ServingServer"/>.
/// </summary>
public sealed class ServerTelemetry : IDisposable
{
    /// <summary>The meter of the server's own instruments (bytes in flight, access counts).</summary>
    public const string ServerMeterName = "SharpServing.Server";

    /// <summary>The activity source of the engine's spans (request, queue wait, stage, model run).</summary>
    public const string EngineSourceName = "SharpServing.Engine";

    /// <summary>Latency buckets in seconds, 50 µs to 60 s, about three per decade.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
    [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ];

    /// <summary>Batch size buckets (instances per model run).</summary>
    public static IReadOnlyList<double> BatchSizeBuckets { get; } = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private static readonly (string Name, string Renamed)[] s_gaugeNames =
    [
        ("dotnet.assembly.count", "dotnet.assemblies.loaded"),
        ("dotnet.process.cpu.count", "dotnet.process.cpus"),
        ("dotnet.thread_pool.thread.count", "dotnet.thread_pool.threads"),
        ("dotnet.timer.count", "dotnet.timers"),
        ("process.thread.count", "process.threads"),
        ("process.unix.file_descriptor.count", "process.unix.file_descriptors"),
    ];

    private readonly Meter _meter = new(ServerMeterName);

    private ServerTelemetry(MeterProvider? meters, TracerProvider? tracer)
    {
        MeterProvider = meters;
        TracerProvider = tracer;
    }

    /// <summary>Publishes <c>sharpserving.servable.version.state</c>: 1 per servable version and its current state
    /// (<c>loading</c>, <c>available</c>, <c>failed</c>), read from <paramref name="statuses"/> at each scrape.</summary>
    public void ObserveVersionStates(Func<IReadOnlyList<ServableVersionStatus>> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        _meter.CreateObservableGauge("sharpserving.servable.version.state", () => statuses().Select(s => new Measurement<int>(1,
            new KeyValuePair<string, object?>("servable", s.Servable),
            new KeyValuePair<string, object?>("version", s.Version.ToString(CultureInfo.InvariantCulture)),
            new KeyValuePair<string, object?>("state", s.State.ToString().ToLowerInvariant()))),
            "{version}", "Servable versions by state (1 per version).");
    }

    /// <summary>The meter provider the scrape endpoint reads, or null with metrics off.</summary>
    public MeterProvider? MeterProvider { get; }

    /// <summary>The tracer provider exporting over OTLP, or null with tracing off.</summary>
    public TracerProvider? TracerProvider { get; }

    /// <summary>Builds the pipelines <paramref name="configuration"/> asks for.</summary>
    public static ServerTelemetry Create(ServingConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        MeterProvider? meters = null;
        if (configuration.Metrics)
        {
            var latency = new ExplicitBucketHistogramConfiguration { Boundaries = [.. LatencyBuckets] };
            var builder = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(Resource)
                .AddMeter(EngineSourceName, ServerMeterName)
                // Only these meters, the runtime's and the process's: ASP.NET Core's and Kestrel's own meters stay
                // unsubscribed, so the framework records nothing per request. No exemplars: none is exported.
                .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
                .AddView("sharpserving.request.duration", latency)
                .AddView("sharpserving.queue.wait.duration", latency)
                .AddView("sharpserving.stage.duration", latency)
                .AddView("sharpserving.model.run.duration", latency)
                .AddView("sharpserving.servable.load.duration", latency)
                .AddView("sharpserving.batch.size", new ExplicitBucketHistogramConfiguration { Boundaries = [.. BatchSizeBuckets] })
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation();
            // Prometheus keeps the _count suffix for histograms: the few gauges named *.count get names promtool accepts.
            foreach (var (name, renamed) in s_gaugeNames)
            {
                builder.AddView(name, new MetricStreamConfiguration { Name = renamed });
            }
            meters = builder
                .AddPrometheusExporter(o =>
                {
                    // Scrapes read current values: no cached answer; no otel_scope_* labels on every series.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    o.ScopeInfoEnabled = false;
                })
                .Build();
        }
        TracerProvider? tracer = null;
        if (configuration.OtlpEndpoint is { } endpoint)
        {
            tracer = Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(Resource)
                .AddSource(EngineSourceName, "Microsoft.AspNetCore")
                .AddOtlpExporter(o => o.Endpoint = endpoint)
                .Build();
        }
        return new ServerTelemetry(meters, tracer);
    }

    /// <summary>The <c>service.name</c> of scrapes and traces.</summary>
    public const string ServiceName = "sharpserving";

    /// <summary>The <c>service.version</c>: the server assembly's informational version (without build metadata).</summary>
    public static string ServiceVersion { get; } = (typeof(ServerTelemetry).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    private static void Resource(ResourceBuilder resource)
        => resource.AddService(ServiceName, serviceVersion: ServiceVersion, autoGenerateServiceInstanceId: true);

    /// <inheritdoc />
    public void Dispose()
    {
        TracerProvider?.Dispose();
        MeterProvider?.Dispose();
        _meter.Dispose();
    }
}
