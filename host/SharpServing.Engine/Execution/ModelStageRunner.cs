namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a model stage: checks each instance against the model (byte size, data type; a misfit fails alone, code 2),
/// queues the rest on the model's batching queue, where they share runs with other requests' instances.
/// </summary>
internal sealed class ModelStageRunner(ModelStage stage, string method, ModelBatcher batcher)
    : StageRunner(stage, stage.Tag ?? $"Model '{stage.Model.Key}'", method)
{
    public ModelBatcher Batcher { get; } = batcher;

    public override async Task RunAsync(RequestState state, int[] alive)
    {
        var token = state.CancellationToken;
        var items = new ModelWorkItem?[alive.Length];
        for (var n = 0; n < alive.Length; n++)
        {
            var instance = alive[n];
            var inputs = state.Gather(instance, Definition.Inputs);
            if (BatchPacker.Check(Batcher.Layout, inputs, out var shapes) is { } error)
            {
                state.Fail(instance, new ServingError(ErrorCode.InvalidInputs, error));
                continue;
            }
            var item = new ModelWorkItem(inputs, shapes, token);
            try
            {
                await Batcher.EnqueueAsync(item, token);
            }
            catch (WorkerStoppedException)
            {
                state.Fail(instance, ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
                continue;
            }
            items[n] = item;
        }
        for (var n = 0; n < alive.Length; n++)
        {
            if (items[n] is not { } item)
            {
                continue;
            }
            var instance = alive[n];
            try
            {
                state.SetOutputs(instance, Definition.Index, await item.Completion.WaitAsync(token));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (WorkerStoppedException)
            {
                state.Fail(instance, ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
            }
            catch (Exception e)
            {
                state.Fail(instance, Failure(e));
            }
        }
    }
}
