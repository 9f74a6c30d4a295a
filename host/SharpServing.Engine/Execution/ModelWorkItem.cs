namespace SharpServing.Engine.Execution;

/// <summary>One checked instance waiting in a model's queue, and where its outputs go (the item is its own completion).</summary>
internal sealed class ModelWorkItem(Tensor[] inputs, long[][] shapes, MethodStatistics statistics, IRequestMemorySource memory,
    CancellationToken cancellationToken)
    : TaskCompletionSource<Tensor[]>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private CancellationTokenRegistration _cancellation;

    public Tensor[] Inputs { get; } = inputs;

    /// <summary>When the instance was queued (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Enqueued { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The span the instance was queued under (its model stage), or default when not traced.</summary>
    public System.Diagnostics.ActivityContext Parent { get; } = System.Diagnostics.Activity.Current?.Context ?? default;

    /// <summary>The per-instance shape each input runs with.</summary>
    public long[][] Shapes { get; } = shapes;

    /// <summary>The request's token: a cancelled item never reaches the model.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The request the instance serves: its large outputs are that request's memory.</summary>
    public IRequestMemorySource Memory { get; } = memory;

    /// <summary>The statistics of the method the instance runs for: its runs count in the method's batch statistics.</summary>
    public MethodStatistics Statistics { get; } = statistics;

    /// <summary>The run that computed the outputs; set by the batch loop before <see cref="SetOutputs"/>.</summary>
    public RunTiming Timing { get; set; }

    /// <summary>Completes with the instance's outputs, faults with the batch's failure, or is cancelled.</summary>
    public Task<Tensor[]> Completion => Task;

    public void SetOutputs(Tensor[] outputs) => TrySetResult(outputs);

    public void SetFailure(Exception exception) => TrySetException(exception);

    public void Cancel() => TrySetCanceled(CancellationToken);

    /// <summary>Cancels the item as soon as its request is cancelled, wherever it is (queued, or in a run).</summary>
    public void WatchCancellation()
        => _cancellation = CancellationToken.UnsafeRegister(static item => ((ModelWorkItem)item!).Cancel(), this);

    /// <summary>Stops watching (waits for a cancellation in progress).</summary>
    public void StopWatching() => _cancellation.Dispose();
}
