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

    public FunctionStageRunner(FunctionStage stage, string servable, string method, WorkerPool workers, ILogger logger)
        : base(stage, FunctionTag(stage, servable), method)
    {
        _invoker = new FunctionInvoker(stage);
        _workers = workers;
        _servable = servable;
        _logger = logger;
    }

    /// <summary>The name of a function stage in failure texts.</summary>
    public static string FunctionTag(FunctionStage stage, string servable) => stage.Tag ?? $"Function '{servable}.{stage.FunctionName}'";

    public override ValueTask RunAsync(RequestState state, int[] alive)
    {
        if (alive.Length == 1)
        {
            return new ValueTask(RunInstanceAsync(state, alive[0]));
        }
        var calls = new Task[alive.Length];
        for (var n = 0; n < alive.Length; n++)
        {
            calls[n] = RunInstanceAsync(state, alive[n]);
        }
        return new ValueTask(Task.WhenAll(calls));
    }

    private async Task RunInstanceAsync(RequestState state, int instance)
    {
        // Onto the thread pool: a stage's code never runs on (and blocks) the thread that submitted the request. Yield
        // rather than Task.Run: the pool then holds only the async state box, which lets go of the stage once done (an
        // idle pool thread may keep its last work item, and a Task.Run closure would keep the version's load context).
        await Task.Yield();
        var token = state.CancellationToken;
        await _workers.WaitAsync(Definition.Index, token);
        try
        {
            using var scope = StageContext.Enter(token);
            state.SetOutputs(instance, Definition.Index, _invoker.Invoke(state.Gather(instance, Definition.Inputs)));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            ExecutionLog.StageFailed(_logger, Definition.Index, _servable, Method, e);
            state.Fail(instance, Failure(e));
        }
        finally
        {
            _workers.Release();
        }
    }
}
