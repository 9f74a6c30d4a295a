using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Runs a C# function stage on the thread pool: per instance, or in batches for a batch function. At most the
/// executor's worker count of function calls run at once (across all requests of the version).
/// </summary>
internal sealed class FunctionStageRunner : StageRunner
{
    private readonly FunctionInvoker _invoker;
    private readonly SemaphoreSlim _workers;
    private readonly int _batchSize;
    private readonly string _servable;
    private readonly ILogger _logger;

    // batchSize: 0 for a per-instance function; else the most instances per call of a batch function.
    public FunctionStageRunner(FunctionStage stage, string servable, string method, int batchSize, SemaphoreSlim workers, ILogger logger)
        : base(stage, stage.Tag ?? $"Function '{servable}.{stage.FunctionName}'", method)
    {
        _invoker = new FunctionInvoker(stage);
        _batchSize = batchSize;
        _workers = workers;
        _servable = servable;
        _logger = logger;
    }

    /// <summary>The most instances per call of a batch function; 0 for a per-instance function.</summary>
    public int BatchSize => _batchSize;

    public override Task RunAsync(RequestState state, int[] alive)
    {
        var size = _batchSize == 0 ? 1 : _batchSize;
        var chunks = alive.Chunk(size).ToArray();
        return chunks.Length == 1 ? RunChunkAsync(state, chunks[0]) : Task.WhenAll(chunks.Select(chunk => RunChunkAsync(state, chunk)));
    }

    private async Task RunChunkAsync(RequestState state, int[] chunk)
    {
        // Onto the thread pool: a stage's code never runs on (and blocks) the thread that submitted the request. Yield
        // rather than Task.Run: the pool then holds only the async state box, which lets go of the stage once done (an
        // idle pool thread may keep its last work item, and a Task.Run closure would keep the version's load context).
        await Task.Yield();
        var token = state.CancellationToken;
        await _workers.WaitAsync(token);
        try
        {
            using var scope = StageContext.Enter(token);
            if (_batchSize == 0)
            {
                RunInstance(state, chunk[0]);
            }
            else
            {
                RunBatch(state, chunk);
            }
        }
        finally
        {
            _workers.Release();
        }
    }

    private void RunInstance(RequestState state, int instance)
    {
        try
        {
            state.SetOutputs(instance, Definition.Index, _invoker.Invoke(state.Gather(instance, Definition.Inputs)));
        }
        catch (OperationCanceledException) when (state.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            ExecutionLog.StageFailed(_logger, Definition.Index, _servable, Method, e);
            state.Fail(instance, Failure(e));
        }
    }

    private void RunBatch(RequestState state, int[] chunk)
    {
        List<Tensor[]> outputs;
        try
        {
            var inputs = new Tensor[chunk.Length][];
            for (var i = 0; i < chunk.Length; i++)
            {
                inputs[i] = state.Gather(chunk[i], Definition.Inputs);
            }
            outputs = _invoker.InvokeBatch(inputs);
        }
        catch (OperationCanceledException) when (state.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A failing batch function fails every instance of that call.
            ExecutionLog.StageFailed(_logger, Definition.Index, _servable, Method, e);
            var error = Failure(e);
            foreach (var instance in chunk)
            {
                state.Fail(instance, error);
            }
            return;
        }
        for (var i = 0; i < chunk.Length; i++)
        {
            if (i < outputs.Count)
            {
                state.SetOutputs(chunk[i], Definition.Index, outputs[i]);
            }
            else
            {
                state.Fail(chunk[i], ExecutionErrors.StageFailure(Tag, Method, Definition.Index,
                    $"the batch function returned {outputs.Count} results for {chunk.Length} instances, no result for instance {i}"));
            }
        }
    }
}
