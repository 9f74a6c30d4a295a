namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a model stage: checks each instance against the model (byte size, data type; a misfit fails alone, code 2),
/// then runs the rest on the caller's thread when the model is idle (<see cref="ModelBatcher.TryRunInline"/>), else
/// queues them on the model's batching queue, where they share runs with other requests' instances.
/// </summary>
internal sealed class ModelStageRunner(ModelStage stage, string method, ModelBatcher batcher)
    : StageRunner(stage, stage.Tag ?? $"Model '{stage.Model.Key}'", method)
{
    public ModelBatcher Batcher { get; } = batcher;

    public override ValueTask RunAsync(RequestState state, int[] alive)
    {
        var inputs = new Tensor[alive.Length][];
        var shapes = new long[alive.Length][][];
        int[]? checkedInstances = null;   // the instances that fit, once one does not (else all of alive)
        var count = 0;
        for (var n = 0; n < alive.Length; n++)
        {
            var instance = alive[n];
            var values = state.GatherShared(instance, Definition.Inputs);
            if (BatchPacker.Check(Batcher.Layout, values, out var shape) is { } error)
            {
                state.Fail(instance, new ServingError(ErrorCode.InvalidInputs, error));
                if (checkedInstances is null)
                {
                    checkedInstances = new int[alive.Length];
                    Array.Copy(alive, checkedInstances, count);
                }
                continue;
            }
            if (checkedInstances is not null)
            {
                checkedInstances[count] = instance;
            }
            inputs[count] = values;
            shapes[count] = shape;
            count++;
        }
        if (count == 0)
        {
            return ValueTask.CompletedTask;
        }
        var instances = alive;
        if (checkedInstances is not null)
        {
            instances = checkedInstances[..count];
            inputs = inputs[..count];
            shapes = shapes[..count];
        }
        var token = state.CancellationToken;
        Tensor[][]? outputs;
        try
        {
            // A run on the request's own thread serves this request alone: its large outputs are the request's memory.
            using var memory = RequestMemory.Enter(state);
            outputs = Batcher.TryRunInline(inputs, shapes, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (WorkerStoppedException)
        {
            FailAll(state, instances, ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
            return ValueTask.CompletedTask;
        }
        catch (Exception e)
        {
            FailAll(state, instances, Failure(e));
            return ValueTask.CompletedTask;
        }
        if (outputs is null)
        {
            return QueueAsync(state, instances, inputs, shapes);
        }
        for (var n = 0; n < instances.Length; n++)
        {
            state.SetOutputs(instances[n], Definition.Index, outputs[n]);
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask QueueAsync(RequestState state, int[] instances, Tensor[][] inputs, long[][][] shapes)
    {
        var token = state.CancellationToken;
        var items = new ModelWorkItem?[instances.Length];
        for (var n = 0; n < instances.Length; n++)
        {
            var item = new ModelWorkItem(inputs[n], shapes[n], token);
            try
            {
                await Batcher.EnqueueAsync(item, token);
            }
            catch (WorkerStoppedException)
            {
                state.Fail(instances[n], ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
                continue;
            }
            items[n] = item;
        }
        // The last instance first: a replica's queue is first in, first out, so once the last one is done the others
        // are too, and the request resumes once for all of them instead of once per instance.
        for (var n = instances.Length - 1; n >= 0; n--)
        {
            if (items[n] is not { } item)
            {
                continue;
            }
            var instance = instances[n];
            try
            {
                // No WaitAsync here: the method runner stops waiting for the whole stage once the request is cancelled.
                state.SetOutputs(instance, Definition.Index, await item.Completion);
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

    private static void FailAll(RequestState state, int[] instances, ServingError error)
    {
        foreach (var instance in instances)
        {
            state.Fail(instance, error);
        }
    }
}
