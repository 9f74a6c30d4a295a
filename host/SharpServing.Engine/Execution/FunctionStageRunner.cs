using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a per-instance C# function stage on the thread pool, one call per instance. At most the executor's worker count
/// of function calls run at once (across all requests and stages of the version). Batch functions go through
/// <see cref="FunctionBatcher"/> instead.
/// </summary>
internal sealed class FunctionStageRunner : StageRunner
{
    private readonly FunctionInvoker _invoker;
    private readonly WorkerPool _workers;
    private readonly string _servable;
    private readonly ILogger _logger;
    private readonly Action<int> _onAbandoned;

    public FunctionStageRunner(FunctionStage stage, string servable, string method, WorkerPool workers, ILogger logger)
        : base(stage, FunctionTag(stage, servable), method)
    {
        _invoker = new FunctionInvoker(stage);
        _workers = workers;
        _servable = servable;
        _logger = logger;
        _onAbandoned = running => ExecutionLog.CallAbandoned(_logger, Definition.Index, _servable, Method, running);
    }

    /// <summary>The name of a function stage in failure texts.</summary>
    public static string FunctionTag(FunctionStage stage, string servable) => stage.Tag ?? $"Function '{servable}.{stage.FunctionName}'";

    public override ValueTask RunAsync(RequestState state, int[] alive)
        => new(alive.Length == 1 ? RunOneAsync(state, alive[0]) : RunManyAsync(state, alive));

    private async Task RunOneAsync(RequestState state, int instance)
    {
        if (await RunInstanceAsync(state, instance) is { } failure)
        {
            LogFailures(1, 1, failure);
        }
    }

    private async Task RunManyAsync(RequestState state, int[] alive)
    {
        var calls = new Task<Exception?>[alive.Length];
        for (var n = 0; n < alive.Length; n++)
        {
            calls[n] = RunInstanceAsync(state, alive[n]);
        }
        try
        {
            await Task.WhenAll(calls);
        }
        finally
        {
            // One log entry for the request, however many of its instances failed.
            Exception? first = null;
            var failed = 0;
            foreach (var call in calls)
            {
                if (call.IsCompletedSuccessfully && call.Result is { } failure)
                {
                    first ??= failure;
                    failed++;
                }
            }
            if (first is not null)
            {
                LogFailures(failed, alive.Length, first);
            }
        }
    }

    private void LogFailures(int failed, int instances, Exception first)
    {
        ExecutionLog.StageFailed(_logger, Definition.Index, _servable, Method, failed, instances, $"{first.GetType().Name}: {first.Message}");
        ExecutionLog.StageFailedDetail(_logger, Definition.Index, _servable, Method, first);
    }

    /// <summary>Runs one instance; the exception that failed it (already recorded in the state), or null.</summary>
    private async Task<Exception?> RunInstanceAsync(RequestState state, int instance)
    {
        // Onto the thread pool: a stage's code never runs on (and blocks) the thread that submitted the request. Yield
        // rather than Task.Run: the pool then holds only the async state box, which lets go of the stage once done (an
        // idle pool thread may keep its last work item, and a Task.Run closure would keep the version's load context).
        await Task.Yield();
        var token = state.CancellationToken;
        await _workers.WaitAsync(Definition.Index, token);
        using var lease = _workers.Hold(_onAbandoned, token);
        try
        {
            using var scope = StageContext.Enter(token);
            using var memory = RequestMemory.Enter(state);
            state.SetOutputs(instance, Definition.Index, _invoker.Invoke(state.Gather(instance, Definition.Inputs)));
            return null;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            state.Fail(instance, Failure(e));
            return e;
        }
    }
}
