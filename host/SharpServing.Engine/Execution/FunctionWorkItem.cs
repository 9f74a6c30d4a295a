namespace SharpServing.Engine.Execution;

/// <summary>
/// One request's live instances waiting for a batch function stage. The batch loop takes them in order, as many as fit
/// each call (so a request's instances may span calls, and share calls with other requests'); the item completes when
/// every instance has its outputs or its error.
/// </summary>
internal sealed class FunctionWorkItem(RequestState state, int[] instances)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = instances.Length;

    public RequestState State { get; } = state;

    /// <summary>The request's instances for this stage, in order (read-only).</summary>
    public int[] Instances { get; } = instances;

    /// <summary>How many of <see cref="Instances"/> the batch loop has taken into calls (touched by the loop only).</summary>
    public int Taken { get; set; }

    /// <summary>The request's token: a cancelled item's instances still queued never reach the function.</summary>
    public CancellationToken CancellationToken => State.CancellationToken;

    /// <summary>Completes when every instance is done, or is cancelled.</summary>
    public Task Completion => _completion.Task;

    /// <summary>A call finished <paramref name="count"/> of the instances (their outputs or errors are set).</summary>
    public void Done(int count)
    {
        if (Interlocked.Add(ref _remaining, -count) == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Fails the instances not yet taken into a call with <paramref name="error"/>.</summary>
    public void FailUntaken(ServingError error)
    {
        var rest = Instances.Length - Taken;
        for (var n = Taken; n < Instances.Length; n++)
        {
            State.Fail(Instances[n], error);
        }
        Taken = Instances.Length;
        if (rest > 0)
        {
            Done(rest);
        }
    }

    public void SetCanceled() => _completion.TrySetCanceled(CancellationToken);
}
