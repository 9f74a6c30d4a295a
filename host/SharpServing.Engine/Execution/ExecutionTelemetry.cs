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

    // Records the request counter and latency; reply null means the caller cancelled. version is -1 when servable or method
    // did not resolve: then they are tagged "unknown", so names a client made up never become metric series.
    public static void Complete(Activity? activity, InferRequest request, long version, InferReply? reply, long started)
    {
        // Metrics off and no span: nothing to classify or tag.
        if (activity is null && !ExecutionMetrics.Requests.Enabled && !ExecutionMetrics.RequestDuration.Enabled)
        {
            return;
        }
        var reason = Reason(reply);
        var outcome = reason switch { "success" => "ok", "cancelled" => "cancelled", _ => "error" };
        var resolved = version >= 0;
        var tags = new TagList
        {
            { "servable", resolved ? request.Servable : "unknown" },
            { "method", resolved ? request.Method : "unknown" },
            { "version", resolved ? VersionText(version) : "unknown" },
            { "protocol", request.Protocol },
            { "outcome", outcome },
            { "reason", reason },
        };
        ExecutionMetrics.Requests.Add(1, in tags);
        ExecutionMetrics.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, in tags);
        if (activity is not null)
        {
            activity.SetTag("sharpserving.version", version);
            activity.SetTag("sharpserving.reason", reason);
            if (outcome != "ok")
            {
                activity.SetStatus(ActivityStatusCode.Error, reply?.Error?.Message ?? reason);
            }
        }
    }

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

    public static void StageDone(StageRunner stage, long started)
    {
        if (ExecutionMetrics.StageDuration.Enabled)
        {
            ExecutionMetrics.StageDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new TagList
            {
                { "method", stage.Method },
                { "stage", StageIndexTag(stage.Definition.Index) },
                { "kind", stage is ModelStageRunner ? "model" : "function" },
                { "tag", stage.Tag },
            });
        }
    }

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

    // Version numbers repeat across requests: cache the few texts instead of formatting each time.
    private static readonly string[] s_versionTexts = [.. Enumerable.Range(0, 64).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    // Stage indexes as tag values, boxed once instead of on every record.
    private static readonly object[] s_stageIndexes = [.. Enumerable.Range(0, 64).Select(i => (object)i)];

    private static object StageIndexTag(int index) => (uint)index < (uint)s_stageIndexes.Length ? s_stageIndexes[index] : index;

    private static string VersionText(long version)
        => version < s_versionTexts.Length ? s_versionTexts[version] : version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
