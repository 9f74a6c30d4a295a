namespace SharpServing.Engine;

/// <summary>
/// A protocol-neutral prediction request: which servable, version (0 = latest) and method, and its instances (input name →
/// value), in request order.
/// </summary>
public sealed record InferRequest(
    string Servable,
    string Method,
    ulong Version,
    IReadOnlyList<IReadOnlyDictionary<string, RequestInput>> Instances)
{
    /// <summary>The front end that received the request (<c>grpc</c>, <c>rest</c>; default <c>inproc</c>): a metric and trace tag.</summary>
    public string Protocol { get; init; } = "inproc";
}
