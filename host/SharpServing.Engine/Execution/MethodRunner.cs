using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs one registered method: the instances of a request go through the stages in order, each stage taking its values
/// from the method inputs or earlier stages' outputs. Instances fail independently: a failed instance skips the rest.
/// A request whose instances all succeed counts its durations in the method's statistics (docs/kserve-v2.md): queue,
/// compute input (C# stages before the first model stage), compute infer (model stages and C# stages between them; every
/// stage of a method without models), compute output (C# stages after the last model stage, collecting the outputs).
/// </summary>
internal sealed class MethodRunner
{
    private readonly StageRunner[] _stages;
    private readonly MethodStatistics _statistics;
    // The positions of the first and last model stage; -1 without model stages.
    private readonly int _firstModel;
    private readonly int _lastModel;

    public MethodRunner(MethodDefinition definition, StageRunner[] stages, MethodStatistics statistics)
    {
        Definition = definition;
        _stages = stages;
        _statistics = statistics;
        _firstModel = Array.FindIndex(stages, s => s is ModelStageRunner);
        _lastModel = Array.FindLastIndex(stages, s => s is ModelStageRunner);
    }

    public MethodDefinition Definition { get; }

    public IReadOnlyList<StageRunner> Stages => _stages;

    /// <summary>Runs the instances; returns one result per instance, in order.</summary>
    /// <param name="state">The request's instances.</param>
    /// <param name="accepted">When the version accepted the request (a <see cref="Stopwatch"/> timestamp): its queue time starts there.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    /// <exception cref="OperationCanceledException">The request was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<InstanceResult[]> RunAsync(RequestState state, long accepted, CancellationToken cancellationToken)
    {
        long queue = 0, input = 0, infer = 0, output = 0;
        var previous = accepted;
        for (var position = 0; position < _stages.Length; position++)
        {
            var stage = _stages[position];
            cancellationToken.ThrowIfCancellationRequested();
            var alive = state.Alive();
            if (alive.Length == 0)
            {
                break;
            }
            var started = Stopwatch.GetTimestamp();
            if (position == 0)
            {
                queue += started - previous;
            }
            using var activity = ExecutionTelemetry.StartStage(stage, alive.Length);
            if (stage is ModelStageRunner model)
            {
                var run = model.RunModelAsync(state, alive);
                // A cancelled request stops waiting at once: its queued instances watch the request's token themselves.
                var runs = run.IsCompletedSuccessfully ? run.Result : await run;
                var ended = Stopwatch.GetTimestamp();
                input += runs.Input;
                infer += runs.Infer;
                output += runs.Output;
                queue += Math.Max(0, ended - started - runs.Total);
                previous = ended;
            }
            else
            {
                var run = stage.RunAsync(state, alive);
                if (!run.IsCompletedSuccessfully)
                {
                    // A cancelled request stops waiting at once, even for a C# stage that does not watch the token; the stage's
                    // worker slot stays taken until its code returns.
                    await run.AsTask().WaitAsync(cancellationToken);
                }
                var ended = Stopwatch.GetTimestamp();
                var elapsed = ended - started;
                if (_firstModel < 0 || (position > _firstModel && position < _lastModel))
                {
                    infer += elapsed;
                }
                else if (position < _firstModel)
                {
                    input += elapsed;
                }
                else
                {
                    output += elapsed;
                }
                previous = ended;
            }
            ExecutionTelemetry.StageDone(stage, started);
        }
        var results = Results(state);
        // Every stage has returned and the outputs hold no request memory: it goes back to the pool. (A request that
        // failed or was cancelled leaves it to the garbage collector: an abandoned stage may still use it.)
        state.MemoryIfUsed?.Release();
        if (!state.AnyFailed)
        {
            _statistics.RecordRequest(queue, input, infer, output + (Stopwatch.GetTimestamp() - previous));
        }
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
