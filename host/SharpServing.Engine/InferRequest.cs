namespace SharpServing.Engine;

/// <summary>
/// A protocol-neutral prediction request: which servable, version (0 = latest) and method, and its instances (input name →
/// value), in request order.
/// </summary>
public sealed record InferRequest(
    string Servable,
    string Method,
    ulong Version,
    IReadOnlyList<IReadOnlyDictionary<string, RequestInput>> Instances);
