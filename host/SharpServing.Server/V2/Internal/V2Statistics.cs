using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SharpServing.Engine;
using SharpServing.Protocol.Inference;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The statistics extension from what the engine measures: a <see cref="MeterListener"/> on the engine's
/// <c>sharpserving.request.duration</c> gives each model's (servable, method, version) successes and failures with their
/// cumulative time; the engine's <see cref="MethodStatistics"/> of the method give the queue and compute durations of
/// its successful requests and its batch statistics (docs/kserve-v2.md).
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
                var parsed = long.Parse(key.Version, System.Globalization.CultureInfo.InvariantCulture);
                reply.ModelStats.Add(counters.ToProto($"{key.Servable}.{key.Method}", key.Version,
                    MethodStatistics.Find(key.Servable, key.Method, parsed)));
            }
            return reply;
        }
        var model = _catalog.Resolve(name, version);
        var number = model.Version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var found = _models.TryGetValue((model.Servable, model.Method.Name, number), out var c) ? c : new Counters();
        reply.ModelStats.Add(found.ToProto(name, number, MethodStatistics.Find(model.Servable, model.Method.Name, model.Version.Number)));
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

        /// <param name="name">The model's name as asked.</param>
        /// <param name="version">Its version number.</param>
        /// <param name="engine">The method's durations and batches; null before its first request ran (or for a version in
        /// a worker process, whose engine measures them there).</param>
        public ModelStatistics ToProto(string name, string version, MethodStatistics? engine)
        {
            var success = (ulong)Volatile.Read(ref _success);
            var computed = (ulong)(engine?.Count ?? 0);
            var batches = engine?.Batches ?? [];
            var statistics = new ModelStatistics
            {
                Name = name,
                Version = version,
                LastInference = (ulong)Volatile.Read(ref _last),
                InferenceCount = success,
                // The model runs, or one execution per request for a method without model stages.
                ExecutionCount = batches.Count > 0 ? (ulong)batches.Sum(b => b.Count) : success,
                InferenceStats = new InferStatistics
                {
                    Success = new StatisticDuration { Count = success, Ns = (ulong)Volatile.Read(ref _successNs) },
                    Fail = new StatisticDuration { Count = (ulong)Volatile.Read(ref _fail), Ns = (ulong)Volatile.Read(ref _failNs) },
                    Queue = Duration(computed, engine?.QueueNanoseconds),
                    ComputeInput = Duration(computed, engine?.ComputeInputNanoseconds),
                    ComputeInfer = Duration(computed, engine?.ComputeInferNanoseconds),
                    ComputeOutput = Duration(computed, engine?.ComputeOutputNanoseconds),
                    CacheHit = new StatisticDuration(),
                    CacheMiss = new StatisticDuration(),
                },
            };
            foreach (var batch in batches)
            {
                var runs = (ulong)batch.Count;
                statistics.BatchStats.Add(new InferBatchStatistics
                {
                    BatchSize = (ulong)batch.BatchSize,
                    ComputeInput = Duration(runs, batch.ComputeInputNanoseconds),
                    ComputeInfer = Duration(runs, batch.ComputeInferNanoseconds),
                    ComputeOutput = Duration(runs, batch.ComputeOutputNanoseconds),
                });
            }
            return statistics;
        }

        private static StatisticDuration Duration(ulong count, long? nanoseconds)
            => new() { Count = count, Ns = (ulong)Math.Max(0, nanoseconds ?? 0) };
    }
}
