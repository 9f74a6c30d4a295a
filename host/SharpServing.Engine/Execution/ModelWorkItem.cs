namespace SharpServing.Engine.Execution;

/// <summary>One checked instance waiting in a model's queue, and where its outputs go.</summary>
internal sealed class ModelWorkItem(Tensor[] inputs, long[][] shapes, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<Tensor[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Tensor[] Inputs { get; } = inputs;

    /// <summary>The per-instance shape each input runs with.</summary>
    public long[][] Shapes { get; } = shapes;

    /// <summary>The request's token: a cancelled item never reaches the model.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Completes with the instance's outputs, faults with the batch's failure, or is cancelled.</summary>
    public Task<Tensor[]> Completion => _completion.Task;

    public void SetResult(Tensor[] outputs) => _completion.TrySetResult(outputs);

    public void SetException(Exception exception) => _completion.TrySetException(exception);

    public void SetCanceled() => _completion.TrySetCanceled(CancellationToken);
}
