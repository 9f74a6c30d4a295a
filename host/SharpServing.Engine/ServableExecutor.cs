using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Execution;
using SharpServing.Engine.Isolation;

namespace SharpServing.Engine;

/// <summary>
/// Runs the methods of one servable version: each request's instances go through the method's stages; model stages
/// queue instances on one batching queue per model subgraph and device replica, shared by all requests of the version
/// (an idle model runs a request's instances on the caller's thread instead, when it has no batch delay); batch
/// function stages queue them on one queue per stage of a method, shared by all requests, whose calls take up to the
/// stage's batch size and wait at most the longest batch delay of the method's models; C# stages run on the thread
/// pool, at most <see cref="ExecutionOptions.ParallelWorkers"/> calls at once.
/// </summary>
/// <remarks>
/// Lifecycle: the constructor binds every declared model (so <see cref="Model.Call(Tensor[])"/> works from stages) and
/// starts the batch loops (models and batch functions). <see cref="DisposeAsync"/> stops accepting requests, lets
/// pending ones finish (at most <see cref="ExecutionOptions.DrainTimeout"/>; after that queued work fails with code 4
/// and model runs stop), then ends the loops and drops every reference to the version's configuration code.
/// </remarks>
public sealed class ServableExecutor : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly string _servable;
    private readonly long _version;
    private readonly ExecutionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<(Model Model, int Subgraph), ModelBatcher> _batchers = [];
    private readonly WorkerPool _workers;
    private readonly IVersionProcess? _remote;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, TimeSpan> _timeLimits = new(StringComparer.Ordinal);
    private Dictionary<string, MethodRunner> _methods;
    private FunctionBatcher[] _functionBatchers;
    private int _pending;
    private bool _stopping;
    private Task? _disposal;

    /// <summary>Prepares the methods and models of <paramref name="version"/> and starts its batch loops.</summary>
    /// <exception cref="InvalidOperationException">A model's batch dimensions disagree, or a C# stage's signature cannot
    /// be fed from tensors (a load error).</exception>
    public ServableExecutor(ServableVersion version, ExecutionOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(options);
        _servable = version.Name;
        _version = version.Number;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ServableExecutor>();
        _remote = version.Worker;
        _workers = new WorkerPool(options.EffectiveParallelWorkers, version.Methods.Values.Select(m => m.Stages.Count).DefaultIfEmpty().Max());
        var workers = _workers;

        foreach (var loaded in version.Models)
        {
            for (var subgraph = 0; subgraph < loaded.Signatures.Count; subgraph++)
            {
                _batchers[(loaded.Model, subgraph)] = new ModelBatcher(loaded, subgraph, _time, _logger);
            }
        }
        var methods = new Dictionary<string, MethodRunner>(StringComparer.Ordinal);
        foreach (var method in version.Methods.Values)
        {
            var statistics = MethodStatistics.For(_servable, method.Name, _version);
            methods[method.Name] = new MethodRunner(method, [.. method.Stages.Select(s => CreateStage(method, s, workers, statistics))], statistics);
            _timeLimits[method.Name] = options.TimeLimitOf(method);
        }
        _methods = methods;
        _functionBatchers = [.. methods.Values.SelectMany(m => m.Stages).OfType<BatchFunctionStageRunner>().Select(s => s.Batcher)];

        // Last, so a failing constructor leaves nothing running.
        var invoker = new ModelInvoker(Batcher);
        foreach (var loaded in version.Models)
        {
            loaded.Model.Bind(invoker);
        }
        foreach (var batcher in _batchers.Values)
        {
            batcher.Start();
        }
        foreach (var batcher in _functionBatchers)
        {
            batcher.Start();
        }
    }

    /// <summary>Requests running on this executor now (a version with some is in use and is never unloaded to make room).</summary>
    public int PendingRequests
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>Whether the executor has stopped accepting requests.</summary>
    public bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _stopping;
            }
        }
    }

    /// <summary>
    /// The runs a model subgraph has seen so far, by the number of real (not padding) instances in each run: batch size
    /// → number of runs. For tests and benchmarks.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a model of this version.</exception>
    public IReadOnlyDictionary<int, long> GetBatchSizes(Model model, int subgraph = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _batchers.TryGetValue((model, subgraph), out var batcher)
            ? batcher.BatchSizes
            : throw new ArgumentException($"{model} subgraph {subgraph} is not a model of {_servable} version {_version}.", nameof(model));
    }

    /// <summary>
    /// How many times a model subgraph's batch loop waited for more instances on its own (the adaptive batch delay,
    /// <see cref="ModelOptions.AdaptiveBatchDelay"/>). For tests and benchmarks.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a model of this version.</exception>
    public long GetAdaptiveWaits(Model model, int subgraph = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _batchers.TryGetValue((model, subgraph), out var batcher)
            ? batcher.AdaptiveWaits
            : throw new ArgumentException($"{model} subgraph {subgraph} is not a model of {_servable} version {_version}.", nameof(model));
    }

    /// <summary>The batch size a model subgraph runs with (its first dimension, its maximum for a dynamic one, or 1).</summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a model of this version.</exception>
    public int GetBatchSize(Model model, int subgraph = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _batchers.TryGetValue((model, subgraph), out var batcher)
            ? batcher.Layout.BatchSize
            : throw new ArgumentException($"{model} subgraph {subgraph} is not a model of {_servable} version {_version}.", nameof(model));
    }

    /// <summary>Instances of a model subgraph waiting in its queues, not yet taken by a batch loop (for tests).</summary>
    internal int GetQueuedCount(Model model, int subgraph = 0) => Batcher(model, subgraph).QueuedCount;

    /// <summary>Requests waiting in the queue of a batch function stage (1-based index) of a method (for tests).</summary>
    internal int GetQueuedCount(string method, int stage)
    {
        lock (_gate)
        {
            return _methods[method].Stages[stage - 1] is BatchFunctionStageRunner runner
                ? runner.Batcher.QueuedCount
                : throw new ArgumentException($"Stage {stage} of method {method} is not a batch function stage.", nameof(stage));
        }
    }

    /// <summary>The time limit of a request of <paramref name="method"/> (<see cref="Timeout.InfiniteTimeSpan"/>: none).</summary>
    /// <exception cref="KeyNotFoundException">No such method.</exception>
    public TimeSpan GetTimeLimit(string method) => _timeLimits[method];

    /// <summary>
    /// Stage calls of this version still running after their request ended (past its time limit, or cancelled). Their
    /// workers were replaced; their code keeps a thread, and the version's load context, until it returns.
    /// </summary>
    public int AbandonedCalls => _workers.AbandonedRunning;

    /// <summary>Completes once no abandoned stage call of this version is running.</summary>
    public Task AbandonedCallsReturned => _workers.AbandonedReturned;

    /// <summary>C# stage calls waiting for a worker (for tests).</summary>
    internal int WorkersWaiting => _workers.WaitingCount;

    /// <summary>Runs of a model subgraph in progress, in its batch loops or on callers' threads (for tests).</summary>
    internal int GetRunningCount(Model model, int subgraph = 0) => Batcher(model, subgraph).RunningCount;

    /// <summary>Stops accepting requests, drains pending ones, stops the batch loops. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposal ??= StopAsync();
            return new ValueTask(_disposal);
        }
    }

    /// <summary>
    /// Runs the checked instances of <paramref name="request"/> through its method. Never throws for application errors: a version that is
    /// stopping answers with the code-5 text.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<InferReply> ExecuteAsync(InferRequest request, Tensor[][] instances, CancellationToken cancellationToken)
    {
        MethodRunner? runner;
        lock (_gate)
        {
            if (_stopping || !_methods.TryGetValue(request.Method, out runner))
            {
                var spec = ExecutionErrors.Spec(request.Servable, request.Method, request.Version);
                return InferReply.Failure(ExecutionErrors.ServableNotAvailable(spec, ErrorCode.ServableUnavailable));
            }
            _pending++;
        }
        var accepted = System.Diagnostics.Stopwatch.GetTimestamp();
        var limit = _timeLimits[request.Method];
        if (request.Timeout is { } requested && requested != Timeout.InfiniteTimeSpan && (limit == Timeout.InfiniteTimeSpan || requested < limit))
        {
            limit = requested < TimeSpan.Zero ? TimeSpan.Zero : requested;
        }
        // On the system clock: the injected one drives batch delays (tests move it), a time limit is wall time.
        var timeLimit = limit == Timeout.InfiniteTimeSpan ? null : RequestTimeLimit.Start(limit, cancellationToken);
        var token = timeLimit?.Token ?? cancellationToken;
        var ended = false;
        try
        {
            InferReply reply;
            if (_remote is not null)
            {
                reply = await _remote.ExecuteAsync(request, instances, token);
            }
            else
            {
                var state = new RequestState(request.Servable, request.Method, request.Version, instances, runner.Stages.Count, token);
                reply = InferReply.Create(await runner.RunAsync(state, accepted, token));
            }
            ended = true;
            return reply;
        }
        catch (OperationCanceledException) when (timeLimit is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            ExecutionLog.RequestTimedOut(_logger, request.Servable, request.Method, (long)limit.TotalMilliseconds);
            var failure = ExecutionErrors.TimeLimitExceeded(ExecutionErrors.Spec(request.Servable, request.Method, request.Version), limit);
            // The only way to stop a runaway stage in a worker: kill the worker; the supervisor restarts it.
            _remote?.Kill(failure.Message);
            return InferReply.Failure(failure);
        }
        finally
        {
            timeLimit?.End(reuse: ended);
            lock (_gate)
            {
                if (--_pending == 0 && _stopping)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }

    private async Task StopAsync()
    {
        int pending;
        lock (_gate)
        {
            _stopping = true;
            pending = _pending;
            if (pending == 0)
            {
                _drained.TrySetResult();
            }
        }
        ExecutionLog.Stopping(_logger, _servable, _version, pending);
        await Task.Yield();
        try
        {
            await _drained.Task.WaitAsync(_options.DrainTimeout, _time);
        }
        catch (TimeoutException)
        {
            ExecutionLog.DrainTimedOut(_logger, _servable, _version, _options.DrainTimeout);
            foreach (var batcher in _functionBatchers)
            {
                batcher.Abort();
            }
            foreach (var batcher in _batchers.Values)
            {
                batcher.Abort();
            }
        }
        foreach (var batcher in _functionBatchers)
        {
            batcher.Complete();
        }
        foreach (var batcher in _batchers.Values)
        {
            batcher.Complete();
        }
        await Task.WhenAll(_functionBatchers.Select(b => b.Completion).Concat(_batchers.Values.Select(b => b.Completion)));
        foreach (var batcher in _functionBatchers)
        {
            batcher.Dispose();
        }
        foreach (var batcher in _batchers.Values)
        {
            batcher.Dispose();
        }
        lock (_gate)
        {
            // Drops the stage delegates: nothing here keeps the version's load context alive any more.
            _methods = new Dictionary<string, MethodRunner>();
            _functionBatchers = [];
        }
        if (_remote is not null)
        {
            // Drained: the worker has nothing left to answer.
            await _remote.DisposeAsync();
        }
        ExecutionLog.Stopped(_logger, _servable, _version);
        if (_workers.AbandonedRunning is > 0 and var running)
        {
            ExecutionLog.StoppedWithRunningCalls(_logger, _servable, _version, running);
        }
    }

    private ModelBatcher Batcher(Model model, int subgraph)
        => _batchers.TryGetValue((model, subgraph), out var batcher)
            ? batcher
            : throw new InvalidOperationException($"Model({model.Key}).call() failed: the model is not declared");

    private StageRunner CreateStage(MethodDefinition method, StageDefinition stage, WorkerPool workers, MethodStatistics statistics) => stage switch
    {
        ModelStage model => new ModelStageRunner(model, method.Name, Batcher(model.Model, model.Subgraph), statistics),
        FunctionStage { BatchSize: null } function => new FunctionStageRunner(function, _servable, method.Name, workers, _logger),
        FunctionStage function => CreateBatchStage(method, function, workers),
        _ => throw new InvalidOperationException($"Stage {stage.Index} of method {method.Name} is of an unknown kind {stage.GetType().Name}."),
    };

    private BatchFunctionStageRunner CreateBatchStage(MethodDefinition method, FunctionStage stage, WorkerPool workers)
    {
        var tag = FunctionStageRunner.FunctionTag(stage, _servable);
        var batcher = new FunctionBatcher(stage, tag, method.Name, FunctionBatchSize(method, stage), FunctionBatchDelay(method),
            workers, _servable, _time, _logger);
        return new BatchFunctionStageRunner(stage, tag, method.Name, batcher);
    }

    /// <summary>
    /// How long a batch function's call waits for more instances: the longest batch delay of the method's models (the
    /// latency the servable trades for fuller batches), zero without models or delays.
    /// </summary>
    private TimeSpan FunctionBatchDelay(MethodDefinition method)
    {
        var delay = TimeSpan.Zero;
        foreach (var stage in method.Stages.OfType<ModelStage>())
        {
            var model = Batcher(stage.Model, stage.Subgraph).Delay;
            if (model > delay)
            {
                delay = model;
            }
        }
        return delay;
    }

    /// <summary>
    /// 0 for a per-instance function; N for a batch function with N; for 0: the smallest batch size of the method's
    /// models when the stage takes only method inputs, else the largest; 1 without models (specification 7.4).
    /// </summary>
    private int FunctionBatchSize(MethodDefinition method, FunctionStage stage)
    {
        if (stage.BatchSize is not { } requested)
        {
            return 0;
        }
        if (requested > 0)
        {
            return requested;
        }
        var sizes = method.Stages.OfType<ModelStage>().Select(m => Batcher(m.Model, m.Subgraph).Layout.BatchSize).ToArray();
        if (sizes.Length == 0)
        {
            return 1;
        }
        return stage.Inputs.All(i => i.Stage == 0) ? sizes.Min() : sizes.Max();
    }
}
