namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs one registered method: the instances of a request go through the stages in order, each stage taking its values
/// from the method inputs or earlier stages' outputs. Instances fail independently: a failed instance skips the rest.
/// </summary>
internal sealed class MethodRunner(MethodDefinition definition, StageRunner[] stages)
{
    public MethodDefinition Definition { get; } = definition;

    public IReadOnlyList<StageRunner> Stages => stages;

    /// <summary>Runs the instances; returns one result per instance, in order.</summary>
    /// <exception cref="OperationCanceledException">The request was cancelled.</exception>
    public async ValueTask<InstanceResult[]> RunAsync(RequestState state, CancellationToken cancellationToken)
    {
        foreach (var stage in stages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var alive = state.Alive();
            if (alive.Length == 0)
            {
                break;
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var activity = ExecutionTelemetry.StartStage(stage, alive.Length);
            var run = stage.RunAsync(state, alive);
            if (!run.IsCompletedSuccessfully)
            {
                // A cancelled request stops waiting at once, even for a C# stage that does not watch the token; the stage's
                // worker slot stays taken until its code returns.
                await run.AsTask().WaitAsync(cancellationToken);
            }
            ExecutionTelemetry.StageDone(stage, started);
        }
        var results = Results(state);
        // Every stage has returned and the outputs hold no request memory: it goes back to the pool. (A request that
        // failed or was cancelled leaves it to the garbage collector: an abandoned stage may still use it.)
        state.MemoryIfUsed?.Release();
        return results;
    }

    private InstanceResult[] Results(RequestState state)
    {
        var memory = state.MemoryIfUsed;
        var results = new InstanceResult[state.Count];
        var outputs = Definition.Outputs;
        var sources = Definition.OutputSources;
        for (var i = 0; i < results.Length; i++)
        {
            if (state.Error(i) is { } error)
            {
                results[i] = InstanceResult.Failure(error);
                continue;
            }
            var values = new KeyValuePair<string, Tensor>[outputs.Count];
            for (var o = 0; o < values.Length; o++)
            {
                var value = state.Value(i, sources[o]);
                values[o] = new(outputs[o], memory is not null && memory.Owns(value) ? value.Clone() : value);
            }
            results[i] = InstanceResult.Success(values);
        }
        return results;
    }
}
