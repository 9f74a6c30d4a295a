using System.Diagnostics;
using System.Diagnostics.Metrics;
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

    private static readonly UpDownCounter<long> s_bytesInFlight = s_meter.CreateUpDownCounter<long>(
        "sharpserving.request.bytes.in_flight", "By", "Request tensor bytes accepted and not yet answered.");

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
        var tag = new KeyValuePair<string, object?>("protocol", request.Protocol);
        s_bytesInFlight.Add(bytesIn, tag);
        var started = Stopwatch.GetTimestamp();
        InferReply? reply = null;
        try
        {
            reply = await _inner.PredictAsync(request, cancellationToken);
            return reply;
        }
        finally
        {
            s_bytesInFlight.Add(-bytesIn, tag);
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

    private static long BytesIn(InferRequest request)
    {
        long total = 0;
        foreach (var instance in request.Instances)
        {
            foreach (var input in instance.Values)
            {
                total += input.Tensor?.ByteSize ?? 0;
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
