namespace SharpServing.Engine;

/// <summary>The outcome of one instance: its outputs (output name → tensor, in the method's output order) or its error.</summary>
public sealed record InstanceResult(IReadOnlyList<KeyValuePair<string, Tensor>>? Outputs, ServingError? Error)
{
    public static InstanceResult Success(IReadOnlyList<KeyValuePair<string, Tensor>> outputs) => new(outputs, null);

    public static InstanceResult Failure(ServingError error) => new(null, error);
}
