namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a batch function stage: queues the request's live instances on the stage's <see cref="FunctionBatcher"/>, where
/// they share calls with other requests' instances, and waits until every one has its outputs or its error.
/// </summary>
internal sealed class BatchFunctionStageRunner(FunctionStage stage, string tag, string method, FunctionBatcher batcher)
    : StageRunner(stage, tag, method)
{
    public FunctionBatcher Batcher { get; } = batcher;

    public override async ValueTask RunAsync(RequestState state, int[] alive)
    {
        var item = new FunctionWorkItem(state, alive);
        try
        {
            await Batcher.EnqueueAsync(item, state.CancellationToken);
        }
        catch (WorkerStoppedException)
        {
            var error = ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable);
            foreach (var instance in alive)
            {
                state.Fail(instance, error);
            }
            return;
        }
        await item.Completion;
    }
}
