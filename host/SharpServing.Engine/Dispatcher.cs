using System.Diagnostics;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Execution;

namespace SharpServing.Engine;

/// <summary>
/// The engine's <see cref="IPredictor"/>: resolves a request's servable version and method, checks its instances
/// against the method's inputs, applies the queue limit, and runs it on the version's executor. Request-wide checks
/// stop at the first failure, in the order of the specification (4.4): servable and version, method, zero instances,
/// each instance's declared inputs (presence, then the wire tensor check), queue limit; then per-instance execution.
/// </summary>
public sealed class Dispatcher : IPredictor
{
    private readonly IServableCatalog _catalog;
    private readonly int _maxEnqueuedRequests;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Servable, string Method), PendingRequests> _pending = new();

    /// <param name="catalog">Where published servable versions are found.</param>
    /// <param name="options">The queue limit (<see cref="ExecutionOptions.MaxEnqueuedRequests"/>), read once.</param>
    /// <param name="loggerFactory">Logs refused requests (Debug/Information: they are client faults).</param>
    public Dispatcher(IServableCatalog catalog, ExecutionOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _maxEnqueuedRequests = options.MaxEnqueuedRequests;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Dispatcher>();
    }

    /// <inheritdoc />
    public async Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        using var activity = ExecutionTelemetry.StartRequest(request);
        // The version number once servable and method resolve; -1 keeps made-up names out of metric tags.
        long resolved = -1;
        try
        {
            InferReply reply;
            // A version not loaded (lazy loading, or unloaded to make room) loads on demand, waiting at most its load limit.
            if (!_catalog.TryGetVersion(request.Servable, request.Version, out var version)
                && (version = await _catalog.LoadOnDemandAsync(request.Servable, request.Version, cancellationToken)) is null)
            {
                reply = Refuse(request, ExecutionErrors.ServableNotAvailable(Spec(request)));
            }
            else if (!version.Methods.TryGetValue(request.Method, out var method))
            {
                reply = Refuse(request, ExecutionErrors.MethodNotAvailable(Spec(request)));
            }
            else
            {
                resolved = version.Number;
                reply = await PredictCoreAsync(request, version, method, cancellationToken);
            }
            ExecutionTelemetry.Complete(activity, request, resolved, reply, started);
            return reply;
        }
        catch (OperationCanceledException)
        {
            ExecutionTelemetry.Complete(activity, request, resolved, reply: null, started);
            throw;
        }
    }

    // Pooled: a request that waits (a queued model stage) reuses a state machine box instead of allocating one.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<InferReply> PredictCoreAsync(InferRequest request, ServableVersion version, MethodDefinition method, CancellationToken cancellationToken)
    {
        if (request.Instances.Count == 0)
        {
            return Refuse(request, ExecutionErrors.ZeroInstances(request.Servable, request.Method));
        }
        var instances = new Tensor[request.Instances.Count][];
        if (CheckAll(request, method, instances) is { } error)
        {
            return Refuse(request, error);
        }

        var pending = _pending.GetOrAdd((request.Servable, request.Method), static key => new PendingRequests(key.Servable, key.Method));
        if (Interlocked.Increment(ref pending.Count) > _maxEnqueuedRequests)
        {
            Interlocked.Decrement(ref pending.Count);
            ExecutionLog.QueueFull(_logger, request.Servable, request.Method, _maxEnqueuedRequests);
            return InferReply.Failure(ExecutionErrors.QueueFull(_maxEnqueuedRequests));
        }
        pending.Series.Started();
        try
        {
            var reply = await version.Executor.ExecuteAsync(request, instances, cancellationToken);
            // A version swapped out between resolution and execution refuses the request untouched (code 5): run it on the
            // version published now (or loaded again on demand, when it was unloaded to make room), so a reload never fails
            // a request.
            while (reply.Error is { Code: ErrorCode.ServableUnavailable } && version.Executor.IsStopping
                && await ResolveAgainAsync(request, cancellationToken) is { } current && !ReferenceEquals(current, version))
            {
                version = current;
                if (!version.Methods.TryGetValue(request.Method, out var published))
                {
                    reply = InferReply.Failure(ExecutionErrors.MethodNotAvailable(Spec(request)));
                    break;
                }
                method = published;
                if (CheckAll(request, method, instances) is { } invalid)
                {
                    reply = InferReply.Failure(invalid);
                    break;
                }
                reply = await version.Executor.ExecuteAsync(request, instances, cancellationToken);
            }
            pending.Series.Executed(instances.Length, reply.Error is null && !reply.HasInstanceErrors);
            return reply;
        }
        finally
        {
            Interlocked.Decrement(ref pending.Count);
            pending.Series.Answered();
        }
    }

    private async ValueTask<ServableVersion?> ResolveAgainAsync(InferRequest request, CancellationToken cancellationToken)
        => _catalog.TryGetVersion(request.Servable, request.Version, out var current)
            ? current
            : await _catalog.LoadOnDemandAsync(request.Servable, request.Version, cancellationToken);

    /// <summary>Checks every instance against <paramref name="method"/>, filling <paramref name="instances"/>; the first error.</summary>
    private static ServingError? CheckAll(InferRequest request, MethodDefinition method, Tensor[][] instances)
    {
        for (var i = 0; i < instances.Length; i++)
        {
            if (Check(request, method, request.Instances[i], out instances[i]) is { } error)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>Presence, then the wire check, of each declared input in declaration order; extra keys are ignored.</summary>
    private static ServingError? Check(InferRequest request, MethodDefinition method, IReadOnlyDictionary<string, RequestInput> instance, out Tensor[] values)
    {
        values = new Tensor[method.Inputs.Count];
        for (var k = 0; k < values.Length; k++)
        {
            var name = method.Inputs[k];
            if (!instance.TryGetValue(name, out var input))
            {
                return ExecutionErrors.InputMissing(name, request.Servable, request.Method);
            }
            if (input.Tensor is not { } tensor)
            {
                return ExecutionErrors.InputInvalid(name, input.InvalidDetail ?? WireTensorCheck.UnknownDataType);
            }
            values[k] = tensor;
        }
        return null;
    }

    private InferReply Refuse(InferRequest request, ServingError error)
    {
        ExecutionLog.RequestRefused(_logger, request.Servable, request.Method, error.Message);
        return InferReply.Failure(error);
    }

    private static string Spec(InferRequest request) => ExecutionErrors.Spec(request.Servable, request.Method, request.Version);

    /// <summary>A method's requests in flight: this dispatcher's count (the queue limit) and the process-wide metric series.</summary>
    private sealed class PendingRequests(string servable, string method)
    {
        public int Count;
        public readonly MethodSeries Series = ExecutionMetrics.DispatchedMethod(servable, method);
    }
}
