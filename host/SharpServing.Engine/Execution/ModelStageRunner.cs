using System.Runtime.CompilerServices;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a model stage: checks each instance against the model (byte size, data type; a misfit fails alone, code 2),
/// then runs the rest on the caller's thread when the model is idle (<see cref="ModelBatcher.TryRunInline"/>), else
/// queues them on the model's batching queue, where they share runs with other requests' instances. Each run counts
/// once in the method's batch statistics; the time of the runs that held the request's instances is the stage's result.
/// </summary>
internal sealed class ModelStageRunner(ModelStage stage, string method, ModelBatcher batcher, MethodStatistics statistics)
    : StageRunner(stage, stage.Tag ?? $"Model '{stage.Model.Key}'", method)
{
    public ModelBatcher Batcher { get; } = batcher;

    public override ValueTask RunAsync(RequestState state, int[] alive)
    {
        var run = RunModelAsync(state, alive);
        return run.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(run.AsTask());
    }

    /// <summary>As <see cref="RunAsync"/>; the result is the time the request's instances spent in model runs (zero for
    /// instances that failed).</summary>
    public ValueTask<ModelTime> RunModelAsync(RequestState state, int[] alive)
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
            return default;
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
        RunTiming timing;
        try
        {
            // A run on the request's own thread serves this request alone: its large outputs are the request's memory.
            using var memory = RequestMemory.Enter(state);
            outputs = Batcher.TryRunInline(inputs, shapes, token, out timing);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (WorkerStoppedException)
        {
            FailAll(state, instances, ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
            return default;
        }
        catch (Exception e)
        {
            FailAll(state, instances, Failure(e));
            return default;
        }
        if (outputs is null)
        {
            return QueueAsync(state, instances, inputs, shapes);
        }
        for (var n = 0; n < instances.Length; n++)
        {
            state.SetOutputs(instances[n], Definition.Index, outputs[n]);
        }
        statistics.RecordBatch(instances.Length, timing);
        return new ValueTask<ModelTime>(new ModelTime().Add(timing));
    }

    // Pooled: the request resumes here once, on the batch loop's completion of its last instance.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ModelTime> QueueAsync(RequestState state, int[] instances, Tensor[][] inputs, long[][][] shapes)
    {
        var token = state.CancellationToken;
        var items = new ModelWorkItem?[instances.Length];
        try
        {
            for (var n = 0; n < instances.Length; n++)
            {
                var item = new ModelWorkItem(inputs[n], shapes[n], statistics, state, token);
                try
                {
                    await Batcher.EnqueueAsync(item, token);
                }
                catch (WorkerStoppedException)
                {
                    state.Fail(instances[n], ExecutionErrors.ServableNotAvailable(state.Spec, ErrorCode.WorkerUnavailable));
                    continue;
                }
                // A cancelled request stops waiting at once, whether or not the batch loop has taken the instance.
                item.WatchCancellation();
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
        finally
        {
            foreach (var item in items)
            {
                item?.StopWatching();
            }
        }
        return RunsOf(items);
    }

    /// <summary>The time of the runs that computed <paramref name="items"/>, each run once (several of a request's
    /// instances may share a run).</summary>
    private static ModelTime RunsOf(ModelWorkItem?[] items)
    {
        if (items.Length == 1)
        {
            return items[0] is { Completion.IsCompletedSuccessfully: true } item ? new ModelTime().Add(item.Timing) : default;
        }
        var runs = new List<RunTiming>(items.Length);
        foreach (var item in items)
        {
            if (item is { Completion.IsCompletedSuccessfully: true })
            {
                runs.Add(item.Timing);
            }
        }
        runs.Sort(static (a, b) => a.Started.CompareTo(b.Started));
        var time = new ModelTime();
        for (var r = 0; r < runs.Count; r++)
        {
            if (r == 0 || runs[r].Started != runs[r - 1].Started)
            {
                time = time.Add(runs[r]);
            }
        }
        return time;
    }

    private static void FailAll(RequestState state, int[] instances, ServingError error)
    {
        foreach (var instance in instances)
        {
            state.Fail(instance, error);
        }
    }
}
