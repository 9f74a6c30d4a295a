using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;

namespace SharpServing.Server.Observability.Internal;

/// <summary>
/// Wraps the dispatcher for the front ends: counts the request tensor bytes in flight and, when the access log is on,
/// writes one line per request. The engine records the request counters, latency and spans itself.
/// </summary>
internal sealed class ObservedPredictor : IPredictor
{
    private static readonly Meter s_meter = new(ServerTelemetry.ServerMeterName);

    // Per protocol; read when a listener collects, so a request costs two interlocked additions, not two measurements.
    private static readonly ConcurrentDictionary<string, StrongBox<long>> s_bytesByProtocol = new(StringComparer.Ordinal);

    private static readonly ObservableUpDownCounter<long> s_bytesInFlight = s_meter.CreateObservableUpDownCounter(
        "sharpserving.request.bytes.in_flight", ObserveBytesInFlight, "By", "Request tensor bytes accepted and not yet answered.");

    private readonly IPredictor _inner;
    private readonly ILogger? _accessLog;

    public ObservedPredictor(IPredictor inner, ILogger? accessLog)
    {
        _inner = inner;
        _accessLog = accessLog;
    }

    public async Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken)
    {
        var bytesIn = BytesIn(request);
        var inFlight = s_bytesByProtocol.GetOrAdd(request.Protocol, static _ => new StrongBox<long>());
        Interlocked.Add(ref inFlight.Value, bytesIn);
        // Only the access log needs the duration here (the engine records latency itself).
        var started = _accessLog is null ? 0 : Stopwatch.GetTimestamp();
        InferReply? reply = null;
        try
        {
            reply = await _inner.PredictAsync(request, cancellationToken);
            return reply;
        }
        finally
        {
            Interlocked.Add(ref inFlight.Value, -bytesIn);
            if (_accessLog is not null && _accessLog.IsEnabled(LogLevel.Information))
            {
                var status = reply is null ? "cancelled" : reply.Error is { } error ? error.Code.ToString() : reply.HasInstanceErrors ? "InstanceErrors" : "Success";
                var durationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var bytesOut = reply is null ? 0 : BytesOut(reply);
                var traceId = Activity.Current?.TraceId.ToHexString() ?? string.Empty;
                AccessLog.Request(_accessLog, request.Servable, request.Method, request.Version, request.Protocol, status,
                    durationMs, bytesIn, bytesOut, traceId);
            }
        }
    }

    /// <summary>The instrument (created with the type, read by the meter provider's collection).</summary>
    internal static ObservableUpDownCounter<long> BytesInFlight => s_bytesInFlight;

    private static IEnumerable<Measurement<long>> ObserveBytesInFlight()
    {
        foreach (var (protocol, bytes) in s_bytesByProtocol)
        {
            yield return new Measurement<long>(Volatile.Read(ref bytes.Value), new KeyValuePair<string, object?>("protocol", protocol));
        }
    }

    // Indexed, and over the concrete dictionary the front ends build: no enumerator objects per request.
    private static long BytesIn(InferRequest request)
    {
        long total = 0;
        var instances = request.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            if (instances[i] is Dictionary<string, RequestInput> inputs)
            {
                foreach (var (_, input) in inputs)
                {
                    total += input.Tensor?.ByteSize ?? 0;
                }
            }
            else
            {
                foreach (var (_, input) in instances[i])
                {
                    total += input.Tensor?.ByteSize ?? 0;
                }
            }
        }
        return total;
    }

    private static long BytesOut(InferReply reply)
    {
        long total = 0;
        foreach (var instance in reply.Instances)
        {
            if (instance.Outputs is { } outputs)
            {
                foreach (var output in outputs)
                {
                    total += output.Value.ByteSize;
                }
            }
        }
        return total;
    }
}
