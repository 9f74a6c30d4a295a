using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SharpServing.Protocol.Inference;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The statistics extension from what the engine measures: a <see cref="MeterListener"/> on the engine's
/// <c>sharpserving.request.duration</c> gives each model's (servable, method, version) successes and failures with their
/// cumulative time. The queue and compute durations stay zero: the engine measures them per ONNX model and per stage,
/// without the servable, so they cannot be told apart per V2 model (docs/kserve-v2.md).
/// </summary>
internal sealed class V2Statistics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Servable, string Method, string Version), Counters> _models = new();
    private readonly V2Catalog _catalog;

    public V2Statistics(V2Catalog catalog)
    {
        _catalog = catalog;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "SharpServing.Engine" && instrument.Name == "sharpserving.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    public ModelStatisticsResponse ToProto(string name, string? version)
    {
        var reply = new ModelStatisticsResponse();
        if (string.IsNullOrEmpty(name))
        {
            foreach (var (key, counters) in _models.OrderBy(p => p.Key))
            {
                reply.ModelStats.Add(counters.ToProto($"{key.Servable}.{key.Method}", key.Version));
            }
            return reply;
        }
        var model = _catalog.Resolve(name, version);
        var number = model.Version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var found = _models.TryGetValue((model.Servable, model.Method.Name, number), out var c) ? c : new Counters();
        reply.ModelStats.Add(found.ToProto(name, number));
        return reply;
    }

    public void Dispose() => _listener.Dispose();

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? servable = null, method = null, version = null, outcome = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "servable": servable = tag.Value as string; break;
                case "method": method = tag.Value as string; break;
                case "version": version = tag.Value as string; break;
                case "outcome": outcome = tag.Value as string; break;
            }
        }
        if (servable is null || method is null || version is null || servable == "unknown" || outcome == "cancelled")
        {
            return;
        }
        var counters = _models.GetOrAdd((servable, method, version), static _ => new Counters());
        counters.Record(outcome == "ok", (long)(seconds * 1e9));
    }

    private sealed class Counters
    {
        private long _success;
        private long _successNs;
        private long _fail;
        private long _failNs;
        private long _last;

        public void Record(bool ok, long ns)
        {
            if (ok)
            {
                Interlocked.Increment(ref _success);
                Interlocked.Add(ref _successNs, ns);
            }
            else
            {
                Interlocked.Increment(ref _fail);
                Interlocked.Add(ref _failNs, ns);
            }
            Volatile.Write(ref _last, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        public ModelStatistics ToProto(string name, string version)
        {
            var success = (ulong)Volatile.Read(ref _success);
            return new ModelStatistics
            {
                Name = name,
                Version = version,
                LastInference = (ulong)Volatile.Read(ref _last),
                InferenceCount = success,
                ExecutionCount = success,
                InferenceStats = new InferStatistics
                {
                    Success = new StatisticDuration { Count = success, Ns = (ulong)Volatile.Read(ref _successNs) },
                    Fail = new StatisticDuration { Count = (ulong)Volatile.Read(ref _fail), Ns = (ulong)Volatile.Read(ref _failNs) },
                    Queue = new StatisticDuration(),
                    ComputeInput = new StatisticDuration(),
                    ComputeInfer = new StatisticDuration(),
                    ComputeOutput = new StatisticDuration(),
                    CacheHit = new StatisticDuration(),
                    CacheMiss = new StatisticDuration(),
                },
            };
        }
    }
}
