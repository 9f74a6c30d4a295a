namespace SharpServing.Benchmark;

/// <summary>Sends one request and says whether it succeeded (transport and application level).</summary>
internal interface ILoadClient : IDisposable
{
    /// <summary>What the rows call this client: <c>grpc</c>, <c>rest</c>.</summary>
    string Protocol { get; }

    /// <summary>
    /// Sends the prebuilt request once on behalf of worker <paramref name="worker"/> (0..concurrency-1; a worker never
    /// has two calls in flight, so per-worker buffers need no locks).
    /// </summary>
    ValueTask<bool> SendAsync(int worker, CancellationToken cancellationToken);
}
