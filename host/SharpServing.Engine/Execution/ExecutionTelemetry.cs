using System.Diagnostics;

namespace SharpServing.Engine.Execution;

/// <summary>
/// The engine's request span (activity source <c>SharpServing.Engine</c>) and the per-request metrics recorded when a
/// request is answered. Without a listener <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns
/// null, so tracing off costs one check per request.
/// </summary>
internal static class ExecutionTelemetry
{
    public const string SourceName = "SharpServing.Engine";

    public static ActivitySource Source { get; } = new(SourceName, typeof(ExecutionTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the request's span (a child of the caller's trace when the front end continued one), or null.</summary>
    public static Activity? StartRequest(InferRequest request)
    {
        var activity = Source.StartActivity("predict", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("sharpserving.servable", request.Servable);
            activity.SetTag("sharpserving.method", request.Method);
            activity.SetTag("sharpserving.protocol", request.Protocol);
            activity.SetTag("sharpserving.instances", request.Instances.Count);
        }
        return activity;
    }

    // Counts the request in its series and records its latency; reply null means the caller cancelled. version is -1 when
    // servable or method did not resolve: then they are tagged "unknown", so names a client made up never become metric
    // series. The series is counted even with metrics off: the V2 statistics read it.
    public static void Complete(Activity? activity, InferRequest request, long version, InferReply? reply, long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        var reason = Reason(reply);
        var series = version >= 0
            ? ExecutionMetrics.Method(request.Servable, request.Method).Request(version, request.Protocol, reason)
            : ExecutionMetrics.Method(Unknown, Unknown).Request(-1, request.Protocol, reason);
        series.Record(elapsed);
        if (ExecutionMetrics.RequestDuration.Enabled)
        {
            ExecutionMetrics.RequestDuration.Record(elapsed / (double)Stopwatch.Frequency, series.Tags);
        }
        if (activity is not null)
        {
            activity.SetTag("sharpserving.version", version);
            activity.SetTag("sharpserving.reason", reason);
            if (series.Outcome != "ok")
            {
                activity.SetStatus(ActivityStatusCode.Error, reply?.Error?.Message ?? reason);
            }
        }
    }

    private const string Unknown = "unknown";

    /// <summary>A span per stage of a request (a child of the request span), or null.</summary>
    public static Activity? StartStage(StageRunner stage, int instances)
    {
        var activity = Source.StartActivity(stage is ModelStageRunner ? "model stage" : "stage", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("sharpserving.stage", stage.Definition.Index);
            activity.SetTag("sharpserving.stage.tag", stage.Tag);
            activity.SetTag("sharpserving.instances", instances);
        }
        return activity;
    }

    public static void StageDone(StageRunner stage, long started) => StageDone(stage.MetricTags, started);

    /// <summary>Records a stage's duration with its tags (<see cref="StageTags"/>, built once per stage).</summary>
    public static void StageDone(KeyValuePair<string, object?>[] stageTags, long started)
    {
        if (ExecutionMetrics.StageDuration.Enabled)
        {
            ExecutionMetrics.StageDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, stageTags);
        }
    }

    /// <summary>The tags of a stage's duration: method, stage index, kind (<c>model</c>, <c>function</c>) and stage tag.</summary>
    public static KeyValuePair<string, object?>[] StageTags(string method, int index, bool model, string tag)
        => [new("method", method), new("stage", index), new("kind", model ? "model" : "function"), new("tag", tag)];

    /// <summary>A span per model run: a child of <paramref name="parent"/> (the first queued instance's stage), else of the
    /// current span; batch size as an attribute.</summary>
    public static Activity? StartModelRun(string model, int batchSize, ActivityContext parent)
    {
        var activity = parent == default
            ? Source.StartActivity("model run", ActivityKind.Internal)
            : Source.StartActivity("model run", ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("sharpserving.model", model);
            activity.SetTag("sharpserving.batch_size", batchSize);
        }
        return activity;
    }

    /// <summary>Records an instance's wait in a model queue, and its span when the instance was traced.</summary>
    public static void QueueWaited(ModelWorkItem item, KeyValuePair<string, object?> modelTag)
    {
        var traced = item.Parent != default && Source.HasListeners();
        if (!traced && !ExecutionMetrics.QueueWait.Enabled)
        {
            return;
        }
        var waited = Stopwatch.GetElapsedTime(item.Enqueued);
        ExecutionMetrics.QueueWait.Record(waited.TotalSeconds, modelTag);
        if (traced)
        {
            var now = DateTimeOffset.UtcNow;
            using var span = Source.StartActivity("queue wait", ActivityKind.Internal, item.Parent, startTime: now - waited);
            span?.SetEndTime(now.UtcDateTime);
        }
    }

    /// <summary>The failure reason of a reply, from its error code and text (the wire texts are fixed by the specification).</summary>
    public static string Reason(InferReply? reply)
    {
        if (reply is null)
        {
            return "cancelled";
        }
        if (reply.Error is not { } error)
        {
            return reply.HasInstanceErrors ? Reason(reply.Instances.FirstOrDefault(i => i.Error is not null)?.Error) : "success";
        }
        return Reason(error);
    }

    private static string Reason(ServingError? error) => error switch
    {
        null => "success",
        { Message: var m } when m.Contains("enqueued requests count exceeds", StringComparison.Ordinal) => "queue_full",
        { Message: var m } when m.Contains("not available", StringComparison.Ordinal) => "not_available",
        { Message: var m } when m.Contains("timed out", StringComparison.OrdinalIgnoreCase)
            || m.Contains("deadline", StringComparison.OrdinalIgnoreCase) => "timeout",
        { Code: ErrorCode.InvalidInputs } => "bad_input",
        { Code: ErrorCode.ServableUnavailable } => "not_available",
        { Code: ErrorCode.WorkerUnavailable } => "worker_restart",
        _ => "stage_error",
    };
}
