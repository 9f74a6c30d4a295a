using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace SharpServing.Engine.Execution;

/// <summary>The engine's request and batching instruments (meter <c>SharpServing.Engine</c>).</summary>
internal static class ExecutionMetrics
{
    public const string MeterName = "SharpServing.Engine";

    private static readonly Meter s_meter = new(MeterName, typeof(ExecutionMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Requests answered, tagged with servable, method, version, protocol, outcome (<c>ok</c>, <c>error</c>,
    /// <c>cancelled</c>) and reason (<c>success</c>, <c>bad_input</c>, <c>not_available</c>, <c>queue_full</c>,
    /// <c>timeout</c>, <c>stage_error</c>, <c>worker_restart</c>, <c>cancelled</c>).
    /// </summary>
    public static Counter<long> Requests { get; } = s_meter.CreateCounter<long>("sharpserving.requests", "{request}", "Requests answered by the engine.");

    /// <summary>Wall time from acceptance to answer of each request, in seconds, tagged as <see cref="Requests"/>.</summary>
    public static Histogram<double> RequestDuration { get; } =
        s_meter.CreateHistogram<double>("sharpserving.request.duration", "s", "Time from a request's acceptance to its answer.");

    /// <summary>Instances executed, tagged with servable, method and outcome.</summary>
    public static Counter<long> Instances { get; } = s_meter.CreateCounter<long>("sharpserving.instances", "{instance}", "Instances executed.");

    private static readonly ConcurrentDictionary<(string Servable, string Method), StrongBox<long>> s_pending = new();

    /// <summary>
    /// Requests accepted and not yet answered, tagged with servable and method: read from <see cref="PendingCount"/>'s
    /// counters when a listener collects, so a request costs two interlocked additions, not two measurements.
    /// </summary>
    public static ObservableUpDownCounter<long> PendingRequests { get; } = s_meter.CreateObservableUpDownCounter(
        "sharpserving.requests.pending", ObservePending, "{request}", "Requests accepted and not yet answered.");

    /// <summary>The process-wide count of pending requests of a method (the same box for every caller).</summary>
    public static StrongBox<long> PendingCount(string servable, string method)
        => s_pending.GetOrAdd((servable, method), static _ => new StrongBox<long>());

    private static IEnumerable<Measurement<long>> ObservePending()
    {
        foreach (var ((servable, method), count) in s_pending)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value),
                new KeyValuePair<string, object?>("servable", servable), new KeyValuePair<string, object?>("method", method));
        }
    }

    /// <summary>Real (not padding) instances per model run, tagged with the model key.</summary>
    public static Histogram<int> BatchSize { get; } = s_meter.CreateHistogram<int>("sharpserving.batch.size", "{instance}", "Instances per model run.");

    /// <summary>Wall time of each model run (stacking the batch, ONNX Runtime, splitting the outputs), in seconds, tagged with the model key.</summary>
    public static Histogram<double> RunDuration { get; } =
        s_meter.CreateHistogram<double>("sharpserving.model.run.duration", "s", "Wall time of one model run, batch packing included.");

    /// <summary>Time an instance waited in a model's batching queue, in seconds, tagged with the model key.</summary>
    public static Histogram<double> QueueWait { get; } =
        s_meter.CreateHistogram<double>("sharpserving.queue.wait.duration", "s", "Time an instance waited in a model's batching queue.");

    /// <summary>Wall time of one stage of a request, in seconds, tagged with method, stage index, kind and stage tag.</summary>
    public static Histogram<double> StageDuration { get; } =
        s_meter.CreateHistogram<double>("sharpserving.stage.duration", "s", "Wall time of one stage (C# or model) of a request.");

    private static readonly ConcurrentDictionary<ModelBatcher, byte> s_queues = new();

    /// <summary>
    /// Instances waiting in model queues, tagged with the model key: the queues' own counts, read when a listener collects
    /// (nothing recorded per instance).
    /// </summary>
    public static ObservableUpDownCounter<long> QueueLength { get; } = s_meter.CreateObservableUpDownCounter(
        "sharpserving.model.queue.length", ObserveQueues, "{instance}", "Instances waiting in a model's batching queue.");

    /// <summary>Counts <paramref name="batcher"/>'s queues in <see cref="QueueLength"/> until <see cref="RemoveQueue"/>.</summary>
    public static void AddQueue(ModelBatcher batcher) => s_queues.TryAdd(batcher, 0);

    public static void RemoveQueue(ModelBatcher batcher) => s_queues.TryRemove(batcher, out _);

    private static IEnumerable<Measurement<long>> ObserveQueues()
    {
        var byModel = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var batcher in s_queues.Keys)
        {
            byModel[batcher.Layout.Key] = byModel.GetValueOrDefault(batcher.Layout.Key) + batcher.QueuedCount;
        }
        return byModel.Select(m => new Measurement<long>(m.Value, new KeyValuePair<string, object?>("model", m.Key)));
    }
}
