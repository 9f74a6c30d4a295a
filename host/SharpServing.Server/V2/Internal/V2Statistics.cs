using SharpServing.Engine;
using SharpServing.Protocol.Inference;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The statistics extension from what the engine counts: the request series of each model (servable, method, version)
/// give its successes and failures with their cumulative time (<see cref="RequestCount"/>, kept with metrics on or off); the engine's <see cref="MethodStatistics"/> of the method give the queue and compute durations of
/// its successful requests and its batch statistics (docs/kserve-v2.md).
/// </summary>
internal sealed class V2Statistics(V2Catalog catalog)
{
    public ModelStatisticsResponse ToProto(string name, string? version)
    {
        var reply = new ModelStatisticsResponse();
        var models = Models();
        if (string.IsNullOrEmpty(name))
        {
            foreach (var (key, counters) in models.OrderBy(p => p.Key))
            {
                var parsed = long.Parse(key.Version, System.Globalization.CultureInfo.InvariantCulture);
                reply.ModelStats.Add(counters.ToProto($"{key.Servable}.{key.Method}", key.Version,
                    MethodStatistics.Find(key.Servable, key.Method, parsed)));
            }
            return reply;
        }
        var model = catalog.Resolve(name, version);
        var number = model.Version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var found = models.TryGetValue((model.Servable, model.Method.Name, number), out var c) ? c : new Counters();
        reply.ModelStats.Add(found.ToProto(name, number, MethodStatistics.Find(model.Servable, model.Method.Name, model.Version.Number)));
        return reply;
    }

    // Resolved requests only (an unknown name has version -1), cancelled ones left out: they have no answer.
    private static Dictionary<(string Servable, string Method, string Version), Counters> Models()
    {
        var models = new Dictionary<(string Servable, string Method, string Version), Counters>();
        foreach (var series in RequestCount.Snapshot())
        {
            if (series.Version < 0 || series.Outcome == "cancelled")
            {
                continue;
            }
            var key = (series.Servable, series.Method, series.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!models.TryGetValue(key, out var counters))
            {
                models[key] = counters = new Counters();
            }
            counters.Add(series.Outcome == "ok", series.Count, series.Nanoseconds, series.LastUnixMilliseconds);
        }
        return models;
    }

    private sealed class Counters
    {
        private long _success;
        private long _successNs;
        private long _fail;
        private long _failNs;
        private long _last;

        public void Add(bool ok, long count, long ns, long lastUnixMilliseconds)
        {
            if (ok)
            {
                _success += count;
                _successNs += ns;
            }
            else
            {
                _fail += count;
                _failNs += ns;
            }
            _last = Math.Max(_last, lastUnixMilliseconds);
        }

        /// <param name="name">The model's name as asked.</param>
        /// <param name="version">Its version number.</param>
        /// <param name="engine">The method's durations and batches; null before its first request ran (or for a version in
        /// a worker process, whose engine measures them there).</param>
        public ModelStatistics ToProto(string name, string version, MethodStatistics? engine)
        {
            var success = (ulong)_success;
            var computed = (ulong)(engine?.Count ?? 0);
            var batches = engine?.Batches ?? [];
            var statistics = new ModelStatistics
            {
                Name = name,
                Version = version,
                LastInference = (ulong)_last,
                InferenceCount = success,
                // The model runs, or one execution per request for a method without model stages.
                ExecutionCount = batches.Count > 0 ? (ulong)batches.Sum(b => b.Count) : success,
                InferenceStats = new InferStatistics
                {
                    Success = new StatisticDuration { Count = success, Ns = (ulong)_successNs },
                    Fail = new StatisticDuration { Count = (ulong)_fail, Ns = (ulong)_failNs },
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
