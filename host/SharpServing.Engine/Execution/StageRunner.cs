namespace SharpServing.Engine.Execution;

/// <summary>Runs one stage of a method for the live instances of a request.</summary>
internal abstract class StageRunner(StageDefinition definition, string tag, string method)
{
    public StageDefinition Definition { get; } = definition;

    /// <summary>The name in failure texts: the user's tag, or <c>Function '&lt;servable&gt;.&lt;f&gt;'</c> / <c>Model '&lt;key&gt;'</c>.</summary>
    public string Tag { get; } = tag;

    public string Method { get; } = method;

    private KeyValuePair<string, object?>[]? _metricTags;

    /// <summary>The tags of this stage's duration metric, built on first use.</summary>
    public KeyValuePair<string, object?>[] MetricTags
        => _metricTags ??= ExecutionTelemetry.StageTags(Method, Definition.Index, this is ModelStageRunner, Tag);

    /// <summary>
    /// Runs the stage for <paramref name="alive"/> (read-only: the caller may share it); sets each instance's outputs or
    /// its error. Completes synchronously when the stage ran on the caller's thread.
    /// </summary>
    /// <exception cref="OperationCanceledException">The request was cancelled.</exception>
    public abstract ValueTask RunAsync(RequestState state, int[] alive);

    public ServingError Failure(Exception exception)
        => ExecutionErrors.StageFailure(Tag, Method, Definition.Index, exception.Message);
}
