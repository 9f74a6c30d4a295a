using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SharpServing.Engine.Execution;

/// <summary>The engine's request and batching instruments (meter <c>SharpServing.Engine</c>).</summary>
internal static class ExecutionMetrics
{
    public const string MeterName = "SharpServing.Engine";

    private static readonly Meter s_meter = new(MeterName, typeof(ExecutionMetrics).Assembly.GetName().Version?.ToString());

    private static readonly ConcurrentDictionary<(string Servable, string Method), MethodSeries> s_methods = new();

    /// <summary>
    /// Requests answered, tagged with servable, method, version, protocol, outcome (<c>ok</c>, <c>error</c>,
    /// <c>cancelled</c>) and reason (<c>success</c>, <c>bad_input</c>, <c>not_available</c>, <c>queue_full</c>,
    /// <c>timeout</c>, <c>stage_error</c>, <c>worker_restart</c>, <c>cancelled</c>): read from the
    /// <see cref="RequestSeries"/> counts when a listener collects.
    /// </summary>
    public static ObservableCounter<long> Requests { get; } = s_meter.CreateObservableCounter(
        "sharpserving.requests", ObserveRequests, "{request}", "Requests answered by the engine.");

    /// <summary>Wall time from acceptance to answer of each request, in seconds, tagged as <see cref="Requests"/>.</summary>
    public static Histogram<double> RequestDuration { get; } =
        s_meter.CreateHistogram<double>("sharpserving.request.duration", "s", "Time from a request's acceptance to its answer.");

    /// <summary>Instances executed, tagged with servable, method and outcome: read from the <see cref="MethodSeries"/> counts.</summary>
    public static ObservableCounter<long> Instances { get; } = s_meter.CreateObservableCounter(
        "sharpserving.instances", ObserveInstances, "{instance}", "Instances executed.");

    /// <summary>
    /// Requests accepted and not yet answered, tagged with servable and method: read from the <see cref="MethodSeries"/>
    /// counts when a listener collects, so a request costs two interlocked additions, not two measurements.
    /// </summary>
    public static ObservableUpDownCounter<long> PendingRequests { get; } = s_meter.CreateObservableUpDownCounter(
        "sharpserving.requests.pending", ObservePending, "{request}", "Requests accepted and not yet answered.");

    /// <summary>The process-wide series of a method (the same object for every caller).</summary>
    public static MethodSeries Method(string servable, string method)
        => s_methods.GetOrAdd((servable, method), static key => new MethodSeries(key.Servable, key.Method));

    /// <summary>The series of a method a dispatcher runs: its pending requests are published from now on.</summary>
    public static MethodSeries DispatchedMethod(string servable, string method)
    {
        var series = Method(servable, method);
        series.Dispatched = true;
        return series;
    }

    /// <summary>Every method's series, for the V2 statistics.</summary>
    public static ICollection<MethodSeries> Methods => s_methods.Values;

    private static IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var method in s_methods.Values)
        {
            foreach (var series in method.Requests)
            {
                yield return new Measurement<long>(series.Count, series.Tags);
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveInstances()
    {
        foreach (var method in s_methods.Values)
        {
            if (method.InstancesOk > 0)
            {
                yield return new Measurement<long>(method.InstancesOk, InstanceTags(method, "ok"));
            }
            if (method.InstancesFailed > 0)
            {
                yield return new Measurement<long>(method.InstancesFailed, InstanceTags(method, "error"));
            }
        }
    }

    private static KeyValuePair<string, object?>[] InstanceTags(MethodSeries method, string outcome)
        => [new("servable", method.Servable), new("method", method.Method), new("outcome", outcome)];

    private static IEnumerable<Measurement<long>> ObservePending()
    {
        foreach (var method in s_methods.Values)
        {
            if (method.Dispatched)
            {
                yield return new Measurement<long>(method.Pending,
                    new KeyValuePair<string, object?>("servable", method.Servable), new KeyValuePair<string, object?>("method", method.Method));
            }
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
