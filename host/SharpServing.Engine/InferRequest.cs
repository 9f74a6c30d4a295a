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
    /// <summary>
    /// A time limit the front end sets for this request (a client's deadline, a front end's default); it can only shorten
    /// the method's own limit (<see cref="ExecutionOptions.TimeLimitOf"/>). Null: the method's limit. Past it the request
    /// fails with the time-limit text (code 3), unlike a cancellation, which ends it without a reply.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The front end that received the request (<c>grpc</c>, <c>rest</c>; default <c>inproc</c>): a metric and trace tag.</summary>
    public string Protocol { get; init; } = "inproc";
}
