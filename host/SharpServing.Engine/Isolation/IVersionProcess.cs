namespace SharpServing.Engine.Isolation;

/// <summary>
/// A servable version that runs in a supervised worker process: the executor forwards checked requests to it. Disposing
/// stops the worker (after the executor has drained).
/// </summary>
public interface IVersionProcess : IAsyncDisposable
{
    /// <summary>The worker's state, restarts and the cause of its last exit.</summary>
    WorkerStatus Status { get; }

    /// <summary>Whether the worker takes requests now (false while it restarts).</summary>
    bool IsServing { get; }

    /// <summary>Raised (outside locks) when the worker exits, is killed, or serves again after a restart.</summary>
    event EventHandler? StatusChanged;

    /// <summary>
    /// Runs the checked <paramref name="instances"/> of <paramref name="request"/> in the worker. Never throws for
    /// application errors: a worker that dies or is restarting answers with an error naming the servable, the version and
    /// the cause.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<InferReply> ExecuteAsync(InferRequest request, Tensor[][] instances, CancellationToken cancellationToken);

    /// <summary>
    /// Kills the worker now (requests in it fail with <paramref name="cause"/>) and restarts it: what a request time limit
    /// or a memory limit calls to stop a runaway stage.
    /// </summary>
    void Kill(string cause);
}
