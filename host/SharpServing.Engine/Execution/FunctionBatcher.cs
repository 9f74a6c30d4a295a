using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Execution;

/// <summary>
/// The queue of one batch function stage of a method, shared by all requests: one loop takes a worker (the version's
/// <see cref="ExecutionOptions.ParallelWorkers"/> bound), then up to the stage's batch size of the instances queued,
/// waits at most the batch delay for more, and hands them to one call of the function on the thread pool. While every
/// worker is busy, instances keep queueing and join the next call, whichever requests they come from.
/// </summary>
/// <remarks>
/// Errors follow the specification (4.5): a call that throws fails every instance in it; instances the function gave
/// no result for fail with our own text; extra results are ignored. A call in flight belongs to the requests in it: it
/// always completes their work items, and shutdown does not wait for user code (as for per-instance stages).
/// </remarks>
internal sealed class FunctionBatcher : IDisposable
{
    private readonly FunctionStage _stage;
    private readonly string _tag;
    private readonly string _method;
    private readonly FunctionInvoker _invoker;
    private readonly int _batchSize;
    private readonly TimeSpan _delay;
    private readonly WorkerPool _workers;
    private readonly string _servable;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<FunctionWorkItem> _channel;
    private readonly CancellationTokenSource _abort = new();
    private Task? _loop;

    /// <param name="stage">The batch function stage.</param>
    /// <param name="tag">The stage's name in failure texts.</param>
    /// <param name="method">The method the stage belongs to.</param>
    /// <param name="batchSize">The most instances per call (≥ 1).</param>
    /// <param name="delay">How long a call that is not full waits for more instances (zero: never).</param>
    /// <param name="workers">The version's bound on running function calls, shared with its other C# stages.</param>
    /// <param name="servable">The servable's name, for logs.</param>
    /// <param name="time">The clock of the batch delay.</param>
    /// <param name="logger">Logs failing calls.</param>
    /// <exception cref="InvalidOperationException">The function's signature cannot be fed from tensors.</exception>
    public FunctionBatcher(FunctionStage stage, string tag, string method, int batchSize, TimeSpan delay, WorkerPool workers, string servable,
        TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _stage = stage;
        _tag = tag;
        _method = method;
        _invoker = new FunctionInvoker(stage);
        _batchSize = batchSize;
        _delay = delay;
        _workers = workers;
        _servable = servable;
        _time = time;
        _logger = logger;
        // Each request has at most one item queued here; the dispatcher's queue limit bounds requests.
        _channel = Channel.CreateBounded<FunctionWorkItem>(new BoundedChannelOptions(1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The most instances per call.</summary>
    public int BatchSize => _batchSize;

    /// <summary>How long a call that is not full waits for more instances.</summary>
    public TimeSpan Delay => _delay;

    /// <summary>Requests waiting in the queue (not yet wholly taken into calls).</summary>
    public int QueuedCount => _channel.Reader.Count;

    /// <summary>Completes when the loop has ended.</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    /// <summary>Starts the loop.</summary>
    public void Start() => _loop = RunLoopAsync();

    /// <summary>Queues a request's instances. Waits while the queue is full.</summary>
    /// <exception cref="WorkerStoppedException">The stage no longer accepts work.</exception>
    public async ValueTask EnqueueAsync(FunctionWorkItem item, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(item))
        {
            return;
        }
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new WorkerStoppedException("The stage no longer accepts work: its servable version is stopping.", e);
        }
    }

    /// <summary>Stops accepting work; the loop hands what is queued to calls, then ends.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Stops calling the function: what is queued fails with code 4.</summary>
    public void Abort()
    {
        Complete();
        _abort.Cancel();
    }

    /// <summary>Releases the stop signal; only after <see cref="Completion"/>.</summary>
    public void Dispose() => _abort.Dispose();

    private async Task RunLoopAsync()
    {
        // Off the constructing thread; an async method (not a Task.Run closure) lets go of everything once it ends.
        await Task.Yield();
        var reader = _channel.Reader;
        FunctionWorkItem? carried = null;   // a request whose instances did not all fit the last call
        while (carried is not null || await reader.WaitToReadAsync(CancellationToken.None))
        {
            // A worker first: while every worker is busy, instances keep queueing and join this call.
            try
            {
                await _workers.WaitAsync(_stage.Index, _abort.Token);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                carried = FailQueued(reader, carried);
                continue;
            }
            var call = new List<Segment>();
            var count = 0;
            carried = Fill(reader, call, ref count, carried);
            if (_delay > TimeSpan.Zero && carried is null && count > 0 && count < _batchSize)
            {
                (carried, count) = await WaitForMoreAsync(reader, call, count);
            }
            if (count == 0 || _abort.IsCancellationRequested)
            {
                _workers.Release();
                Fail(call, StoppedError);
                Done(call);
                continue;
            }
            var cancellation = new BatchCancellation(_abort.Token);
            cancellation.Begin();
            foreach (var segment in call)
            {
                cancellation.Watch(segment.Item.CancellationToken);
            }
            cancellation.Seal();
            // Owned by the requests in the call: it always completes their items and releases the worker.
            _ = RunCallAsync(call, count, cancellation);
        }
    }

    /// <summary>Takes up to the room left in the call: the carried request first, then the queue in order.</summary>
    private FunctionWorkItem? Fill(ChannelReader<FunctionWorkItem> reader, List<Segment> call, ref int count, FunctionWorkItem? carried)
    {
        while (count < _batchSize)
        {
            var item = carried;
            carried = null;
            if (item is null && !reader.TryRead(out item))
            {
                return null;
            }
            if (item.CancellationToken.IsCancellationRequested)
            {
                item.SetCanceled();
                continue;
            }
            var take = Math.Min(_batchSize - count, item.Instances.Length - item.Taken);
            call.Add(new Segment(item, item.Taken, take));
            item.Taken += take;
            count += take;
            if (item.Taken < item.Instances.Length)
            {
                return item;
            }
        }
        return carried;
    }

    private async Task<(FunctionWorkItem? Carried, int Count)> WaitForMoreAsync(ChannelReader<FunctionWorkItem> reader, List<Segment> call, int count)
    {
        var started = _time.GetTimestamp();
        FunctionWorkItem? carried = null;
        while (count < _batchSize && carried is null)
        {
            var remaining = _delay - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            if (!await BatchWait.ForMoreAsync(reader, remaining, _time, _abort.Token))
            {
                break;
            }
            carried = Fill(reader, call, ref count, null);
        }
        return (carried, count);
    }

    private async Task RunCallAsync(List<Segment> call, int count, BatchCancellation cancellation)
    {
        // Onto the thread pool, as for per-instance stages: the loop goes on forming the next call meanwhile.
        await Task.Yield();
        // Every request in the call gone (time limit, client) while the function runs: its worker is replaced.
        var lease = _workers.Hold(running => ExecutionLog.CallAbandoned(_logger, _stage.Index, _servable, _method, running), cancellation.Token);
        try
        {
            using var scope = StageContext.Enter(cancellation.Token);
            Invoke(call, count, cancellation.Token);
        }
        catch (Exception e)
        {
            // Boundary: whatever went wrong, every instance of the call gets an answer.
            LogFailure(count, e);
            Fail(call, Failure(e.Message));
        }
        finally
        {
            lease.Dispose();
            cancellation.Dispose();
            Done(call);
        }
    }

    private void LogFailure(int count, Exception e)
    {
        ExecutionLog.StageFailed(_logger, _stage.Index, _servable, _method, count, count, $"{e.GetType().Name}: {e.Message}");
        ExecutionLog.StageFailedDetail(_logger, _stage.Index, _servable, _method, e);
    }

    private static void Done(List<Segment> call)
    {
        foreach (var segment in call)
        {
            segment.Item.Done(segment.Count);
        }
    }

    private void Invoke(List<Segment> call, int count, CancellationToken token)
    {
        var definition = _stage;
        var inputs = new Tensor[count][];
        var i = 0;
        foreach (var segment in call)
        {
            for (var n = 0; n < segment.Count; n++)
            {
                inputs[i++] = segment.Item.State.Gather(segment.Item.Instances[segment.Start + n], definition.Inputs);
            }
        }
        List<Tensor[]> outputs;
        try
        {
            outputs = _invoker.InvokeBatch(inputs);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Every request in the call was cancelled (nobody waits), or the version stopped.
            if (_abort.IsCancellationRequested)
            {
                Fail(call, StoppedError);
            }
            else
            {
                foreach (var segment in call)
                {
                    segment.Item.SetCanceled();
                }
            }
            return;
        }
        catch (Exception e)
        {
            // A failing batch function fails every instance of that call.
            LogFailure(count, e);
            Fail(call, Failure(e.Message));
            return;
        }
        i = 0;
        foreach (var segment in call)
        {
            var state = segment.Item.State;
            for (var n = 0; n < segment.Count; n++, i++)
            {
                var instance = segment.Item.Instances[segment.Start + n];
                if (i < outputs.Count)
                {
                    state.SetOutputs(instance, definition.Index, outputs[i]);
                }
                else
                {
                    state.Fail(instance, Failure($"the batch function returned {outputs.Count} results for {count} instances, no result for instance {i}"));
                }
            }
        }
    }

    /// <summary>After an abort: fails every request still queued (and the carried one's rest) with code 4.</summary>
    private static FunctionWorkItem? FailQueued(ChannelReader<FunctionWorkItem> reader, FunctionWorkItem? carried)
    {
        carried?.FailUntaken(StoppedError(carried));
        while (reader.TryRead(out var item))
        {
            item.FailUntaken(StoppedError(item));
        }
        return null;
    }

    private static void Fail(List<Segment> call, ServingError error) => Fail(call, _ => error);

    private static void Fail(List<Segment> call, Func<FunctionWorkItem, ServingError> error)
    {
        foreach (var segment in call)
        {
            var reason = error(segment.Item);
            for (var n = 0; n < segment.Count; n++)
            {
                segment.Item.State.Fail(segment.Item.Instances[segment.Start + n], reason);
            }
        }
    }

    private ServingError Failure(string message) => ExecutionErrors.StageFailure(_tag, _method, _stage.Index, message);

    private static ServingError StoppedError(FunctionWorkItem item)
        => ExecutionErrors.ServableNotAvailable(item.State.Spec, ErrorCode.WorkerUnavailable);

    /// <summary>Instances <paramref name="Start"/>..+<paramref name="Count"/> of one request's item, in one call.</summary>
    private readonly record struct Segment(FunctionWorkItem Item, int Start, int Count);
}
