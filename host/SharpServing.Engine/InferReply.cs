namespace SharpServing.Engine;

/// <summary>
/// A reply in its final wire shape: either a request-wide <see cref="Error"/> (no instances), or one result per request
/// instance, in order. <see cref="Create"/> applies the collapse rule, so protocols render it without further logic.
/// </summary>
public sealed class InferReply
{
    private InferReply(ServingError? error, IReadOnlyList<InstanceResult> instances)
    {
        Error = error;
        Instances = instances;
        // Loops, not LINQ: replies are built on every request.
        for (var i = 0; i < instances.Count && error is null; i++)
        {
            if (instances[i].Error is not null)
            {
                HasInstanceErrors = true;
                break;
            }
        }
    }

    /// <summary>The request-wide error, or null.</summary>
    public ServingError? Error { get; }

    /// <summary>One result per request instance (empty when <see cref="Error"/> is set).</summary>
    public IReadOnlyList<InstanceResult> Instances { get; }

    /// <summary>True when every instance has an error entry to send (some instance failed, not all with the same error).</summary>
    public bool HasInstanceErrors { get; }

    /// <summary>A request-wide error; an empty text becomes <c>Predict failed</c>.</summary>
    public static InferReply Failure(ServingError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new InferReply(error.Message.Length == 0 ? error with { Message = "Predict failed" } : error, []);
    }

    /// <summary>
    /// Per-instance results. If at least one failed and every instance failed with the same (code, text), the reply
    /// collapses to that request-wide error.
    /// </summary>
    public static InferReply Create(IReadOnlyList<InstanceResult> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count > 0 && instances[0].Error is { } first && AllFailedWith(instances, first))
        {
            return Failure(first);
        }
        return new InferReply(null, instances);
    }

    private static bool AllFailedWith(IReadOnlyList<InstanceResult> instances, ServingError error)
    {
        for (var i = 1; i < instances.Count; i++)
        {
            if (instances[i].Error != error)
            {
                return false;
            }
        }
        return true;
    }
}
