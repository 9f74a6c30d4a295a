using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Execution;

/// <summary>
/// The batching queue of one subgraph of one loaded model: a bounded channel per device replica (filled round-robin),
/// each read by one batch loop that takes what is queued up to the batch size, waits at most the model's batch delay for
/// more, runs the batch and hands each instance its outputs. Instances from different requests share runs.
/// </summary>
/// <remarks>
/// Fast path: with no batch delay, a request whose instances fit one run and that finds a replica idle (nothing queued,
/// no run in progress) runs them on its own thread, as the batch loop would have run them, without two thread hops,
/// unless the model's <see cref="AdaptiveBatchDelay"/> says to wait for more (concurrent load, and batching saves).
/// A replica of a model that batches runs one batch at a time: the loop and the fast path both hold the replica's run
/// permit while they take instances and run them, so under contention instances queue and share runs. A model that
/// cannot batch (batch size 1) has <see cref="ModelOptions.ConcurrentRuns"/> permits: callers run on their own threads
/// while one is free, and queue only when all are taken.
/// </remarks>
internal sealed class ModelBatcher : IDisposable
{
    private readonly ModelLayout _layout;
    private readonly Replica[] _replicas;
    private readonly TimeSpan _delay;
    private readonly AdaptiveBatchDelay? _adaptive;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    // Runs by real instance count (index); a run never holds more than the batch size. Counted without a lock: every
    // run of every replica (and of callers' threads) records here.
    private readonly long[] _batchSizes;
    private readonly KeyValuePair<string, object?> _modelTag;
    // The mean run time (Stopwatch ticks, a moving average of the last few runs); from LongRunTicks on, runs go to the
    // replica's run threads (RunThread says why).
    private long _meanRunTicks;
    private int _next;
    private int _running;
    private volatile bool _completed;
    private bool _disposed;

    public ModelBatcher(LoadedModel model, int subgraph, TimeProvider time, ILogger logger)
    {
        _layout = ModelLayout.Create(model.Model, model.Signatures[subgraph]);
        _delay = model.Model.Options.BatchDelay;
        _time = time;
        _logger = logger;
        _modelTag = new("model", _layout.Key);
        _batchSizes = new long[_layout.BatchSize + 1];
        if (_delay == TimeSpan.Zero && model.Model.Options.AdaptiveBatchDelay && _layout.BatchSize > 1)
        {
            _adaptive = new AdaptiveBatchDelay(_layout.BatchSize);
        }
        var capacity = Math.Max(1024, _layout.BatchSize * 8);
        _replicas = new Replica[model.Sessions.Count];
        for (var r = 0; r < _replicas.Length; r++)
        {
            var channel = Channel.CreateBounded<ModelWorkItem>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _replicas[r] = new Replica(model.Sessions[r][subgraph], channel, RunsAtOnce(_layout, model.Model.Options), _abort.Token);
        }
    }

    public ModelLayout Layout => _layout;

    /// <summary>The configured batch delay (zero: none; the adaptive delay decides, if on).</summary>
    public TimeSpan Delay => _delay;

    /// <summary>Waits the adaptive batch delay started (zero when it is off or never waited).</summary>
    public long AdaptiveWaits => _adaptive?.Waits ?? 0;

    /// <summary>Completes when every batch loop has ended and no run on a caller's thread is left.</summary>
    public Task Completion => CompleteAsync();

    /// <summary>Starts one batch loop per replica.</summary>
    public void Start()
    {
        ExecutionMetrics.AddQueue(this);
        foreach (var replica in _replicas)
        {
            replica.Loop = Task.Run(() => RunLoopAsync(replica));
        }
    }

    /// <summary>Queues a checked instance. Waits while the queue is full.</summary>
    /// <exception cref="WorkerStoppedException">The batcher no longer accepts work.</exception>
    public async ValueTask EnqueueAsync(ModelWorkItem item, CancellationToken cancellationToken)
    {
        var replica = _replicas[(int)((uint)Interlocked.Increment(ref _next) % (uint)_replicas.Length)];
        if (!replica.Channel.Writer.TryWrite(item))
        {
            try
            {
                await replica.Channel.Writer.WriteAsync(item, cancellationToken);
            }
            catch (ChannelClosedException e)
            {
                throw new WorkerStoppedException("The model no longer accepts work: its servable version is stopping.", e);
            }
        }
    }

    /// <summary>
    /// Runs checked instances of one request as one batch on the caller's thread, when that is what the batch loop would
    /// do: no batch delay, the instances fit one run, a replica is idle with nothing queued, and the adaptive delay does
    /// not ask to wait for more. Returns null when it declines (queue them instead); else each instance's outputs, and the
    /// run's <paramref name="timing"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="WorkerStoppedException">The version stopped the run.</exception>
    /// <exception cref="Exception">The run failed (every instance fails with it).</exception>
    public Tensor[][]? TryRunInline(IReadOnlyList<Tensor[]> inputs, IReadOnlyList<long[][]> shapes, CancellationToken cancellationToken,
        out RunTiming timing)
    {
        timing = default;
        if (_delay > TimeSpan.Zero || _completed || inputs.Count > _layout.BatchSize)
        {
            return null;
        }
        for (var i = 1; i < shapes.Count; i++)
        {
            if (!BatchPacker.Compatible(_layout, shapes[0], shapes[i]))
            {
                return null;
            }
        }
        var start = (uint)Interlocked.Increment(ref _next);
        for (var n = 0; n < _replicas.Length; n++)
        {
            var replica = _replicas[(int)((start + (uint)n) % (uint)_replicas.Length)];
            if (replica.Channel.Reader.Count != 0 || !replica.Permit.Wait(0, CancellationToken.None))
            {
                continue;
            }
            try
            {
                // Checked again under the permit: a queued instance goes first, and a stopping batcher runs nothing new.
                if (replica.Channel.Reader.Count != 0 || _completed)
                {
                    _adaptive?.Arrived(busy: true);
                    return null;
                }
                if (_adaptive is { } adaptive)
                {
                    adaptive.Arrived(busy: false);
                    if (adaptive.Wait(starting: false) > TimeSpan.Zero)
                    {
                        return null;
                    }
                }
                var cancellation = replica.TakeCancellation();
                cancellation.Begin();
                try
                {
                    cancellation.Watch(cancellationToken);
                    cancellation.Seal();
                    return Run(replica, inputs, shapes, cancellation.Token, out timing);
                }
                finally
                {
                    cancellation.End();
                    replica.ReturnCancellation(cancellation);
                }
            }
            finally
            {
                replica.Permit.Release();
            }
        }
        _adaptive?.Arrived(busy: true);
        return null;
    }

    /// <summary>
    /// Runs instances straight through a session (for <see cref="Model.CallBatch"/> from inside a C# stage), in runs of at
    /// most the batch size.
    /// </summary>
    /// <exception cref="ModelInputException">An instance does not fit the model.</exception>
    public IReadOnlyList<Tensor[]> RunDirect(IReadOnlyList<Tensor[]> instances, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) || _abort.IsCancellationRequested)
        {
            throw new WorkerStoppedException("The model no longer runs: its servable version has stopped.");
        }
        var shapes = new long[instances.Count][][];
        for (var i = 0; i < instances.Count; i++)
        {
            if (instances[i] is not { } values || values.Length != _layout.Inputs.Count)
            {
                throw new ModelInputException(
                    $"The inputs count {instances[i]?.Length ?? 0} of instance {i} is not equal to the inputs count {_layout.Inputs.Count} of the model");
            }
            if (BatchPacker.Check(_layout, values, out shapes[i]) is { } error)
            {
                throw new ModelInputException(instances.Count == 1 ? error : $"Instance {i}: {error}");
            }
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        var results = new List<Tensor[]>(instances.Count);
        var start = 0;
        while (start < instances.Count)
        {
            var end = start + 1;
            while (end < instances.Count && end - start < _layout.BatchSize && BatchPacker.Compatible(_layout, shapes[start], shapes[end]))
            {
                end++;
            }
            var replica = _replicas[(int)((uint)Interlocked.Increment(ref _next) % (uint)_replicas.Length)];
            var batch = new Tensor[end - start][];
            for (var i = start; i < end; i++)
            {
                batch[i - start] = instances[i];
            }
            using var activity = ExecutionTelemetry.StartModelRun(_layout.Key, end - start, default);
            results.AddRange(BatchPacker.Run(_layout, replica.Session, batch, shapes[start..end], linked.Token, out var timing));
            Record(end - start, timing);
            start = end;
        }
        return results;
    }

    /// <summary>Number of runs by the count of real (not padding) instances in them.</summary>
    public IReadOnlyDictionary<int, long> BatchSizes
    {
        get
        {
            var sizes = new Dictionary<int, long>();
            for (var size = 1; size < _batchSizes.Length; size++)
            {
                if (Volatile.Read(ref _batchSizes[size]) is > 0 and var runs)
                {
                    sizes[size] = runs;
                }
            }
            return sizes;
        }
    }

    /// <summary>Instances waiting in the queues (not yet taken by a batch loop).</summary>
    public int QueuedCount
    {
        get
        {
            var count = 0;
            foreach (var replica in _replicas)
            {
                count += replica.Channel.Reader.Count;
            }
            return count;
        }
    }

    /// <summary>Runs in progress (in a batch loop or on a caller's thread).</summary>
    public int RunningCount => Volatile.Read(ref _running);

    /// <summary>Stops accepting work; the loops run what is queued, then end.</summary>
    public void Complete()
    {
        _completed = true;
        foreach (var replica in _replicas)
        {
            replica.Channel.Writer.TryComplete();
        }
    }

    /// <summary>Stops running batches now: fails queued instances with <see cref="WorkerStoppedException"/>.</summary>
    public void Abort()
    {
        Complete();
        _abort.Cancel();
    }

    /// <summary>Releases the stop signal; only after <see cref="Completion"/>.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        ExecutionMetrics.RemoveQueue(this);
        foreach (var replica in _replicas)
        {
            replica.Dispose();
        }
        _abort.Dispose();
    }

    private async Task CompleteAsync()
    {
        foreach (var replica in _replicas)
        {
            await (replica.Loop ?? Task.CompletedTask);
            // A run on a caller's thread still holds a permit; none starts once the batcher is completed.
            for (var p = 0; p < replica.RunsAtOnce; p++)
            {
                await replica.Permit.WaitAsync();
            }
            replica.Permit.Release(replica.RunsAtOnce);
        }
    }

    private async Task RunLoopAsync(Replica replica)
    {
        var reader = replica.Channel.Reader;
        var batch = new List<ModelWorkItem>(Math.Min(_layout.BatchSize, 1024));
        ModelWorkItem? carried = null;
        while (carried is not null || await reader.WaitToReadAsync(CancellationToken.None))
        {
            // The replica's permit first: while a run on a caller's thread holds it, instances keep queueing and join this batch.
            await replica.Permit.WaitAsync();
            try
            {
                batch.Clear();
                if (carried is not null)
                {
                    batch.Add(carried);
                    carried = null;
                }
                Fill(reader, batch, ref carried);
                if (carried is null && batch.Count > 0 && batch.Count < _layout.BatchSize
                    && (_delay > TimeSpan.Zero ? _delay : _adaptive?.Wait(starting: true) ?? TimeSpan.Zero) is var wait
                    && wait > TimeSpan.Zero)
                {
                    carried = await WaitForMoreAsync(reader, batch, wait);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                if (_abort.IsCancellationRequested)
                {
                    Fail(batch, new WorkerStoppedException());
                    continue;
                }
                RunBatch(replica, batch);
            }
            finally
            {
                replica.Permit.Release();
            }
        }
    }

    private async Task<ModelWorkItem?> WaitForMoreAsync(ChannelReader<ModelWorkItem> reader, List<ModelWorkItem> batch, TimeSpan delay)
    {
        var started = _time.GetTimestamp();
        ModelWorkItem? carried = null;
        while (batch.Count < _layout.BatchSize && carried is null)
        {
            var remaining = delay - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            if (!await BatchWait.ForMoreAsync(reader, remaining, _time, _abort.Token))
            {
                break;
            }
            Fill(reader, batch, ref carried);
        }
        return carried;
    }

    private void Fill(ChannelReader<ModelWorkItem> reader, List<ModelWorkItem> batch, ref ModelWorkItem? carried)
    {
        while (batch.Count < _layout.BatchSize && reader.TryRead(out var item))
        {
            ExecutionTelemetry.QueueWaited(item, _modelTag);
            if (item.CancellationToken.IsCancellationRequested)
            {
                item.Cancel();
                continue;
            }
            if (batch.Count > 0 && !BatchPacker.Compatible(_layout, batch[0].Shapes, item.Shapes))
            {
                // A different shape of a dynamic input starts the next run.
                carried = item;
                return;
            }
            batch.Add(item);
        }
    }

    private void RunBatch(Replica replica, List<ModelWorkItem> batch)
    {
        var cancellation = replica.TakeCancellation();
        cancellation.Begin();
        try
        {
            var inputs = new Tensor[batch.Count][];
            var shapes = new long[batch.Count][][];
            var owners = new IRequestMemorySource[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                inputs[i] = batch[i].Inputs;
                shapes[i] = batch[i].Shapes;
                owners[i] = batch[i].Memory;
                cancellation.Watch(batch[i].CancellationToken);
            }
            cancellation.Seal();
            var outputs = Run(replica, inputs, shapes, cancellation.Token, out var timing, batch[0].Parent, owners);
            RecordMethods(batch, timing);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Timing = timing;
                batch[i].SetOutputs(outputs[i]);
            }
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested)
        {
            foreach (var item in batch)
            {
                item.Cancel();
            }
        }
        catch (Exception e)
        {
            Fail(batch, e);
        }
        finally
        {
            cancellation.End();
            replica.ReturnCancellation(cancellation);
        }
    }

    /// <summary>Runs one batch; logs a failed or stopped run and tells them apart by exception type.</summary>
    /// <exception cref="OperationCanceledException">Every request of the run was cancelled.</exception>
    /// <exception cref="WorkerStoppedException">The version stopped the run.</exception>
    private Tensor[][] Run(Replica replica, IReadOnlyList<Tensor[]> inputs, IReadOnlyList<long[][]> shapes, CancellationToken token,
        out RunTiming timing, ActivityContext parent = default, IReadOnlyList<IRequestMemorySource>? owners = null)
    {
        using var activity = ExecutionTelemetry.StartModelRun(_layout.Key, inputs.Count, parent);
        if (_abort.IsCancellationRequested)
        {
            throw new WorkerStoppedException();
        }
        Interlocked.Increment(ref _running);
        try
        {
            Tensor[][] outputs;
            if (Volatile.Read(ref _meanRunTicks) >= LongRunTicks)
            {
                var thread = replica.TakeRunThread(_layout.Key);
                try
                {
                    Tensor[][]? result = null;
                    RunTiming runTiming = default;
                    thread.Invoke(() => result = BatchPacker.Run(_layout, replica.Session, inputs, shapes, token, out runTiming, owners));
                    outputs = result!;
                    timing = runTiming;
                }
                finally
                {
                    replica.ReturnRunThread(thread);
                }
            }
            else
            {
                outputs = BatchPacker.Run(_layout, replica.Session, inputs, shapes, token, out timing, owners);
            }
            Record(inputs.Count, timing);
            return outputs;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (_abort.IsCancellationRequested)
            {
                throw new WorkerStoppedException();
            }
            ExecutionLog.BatchCancelled(_logger, _layout.Key, inputs.Count);
            throw;
        }
        catch (Exception e)
        {
            ExecutionLog.BatchFailed(_logger, _layout.Key, inputs.Count, e);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private void Record(int instances, in RunTiming timing)
    {
        var duration = Stopwatch.GetElapsedTime(timing.Started, timing.Ended);
        // Racing runs may each overwrite the other's update: the average stays an average of recent runs.
        var ticks = timing.Ended - timing.Started;
        var mean = Volatile.Read(ref _meanRunTicks);
        Volatile.Write(ref _meanRunTicks, mean == 0 ? ticks : mean + ((ticks - mean) / 8));
        ExecutionMetrics.RunDuration.Record(duration.TotalSeconds, _modelTag);
        _adaptive?.Ran(instances, duration);
        ExecutionMetrics.BatchSize.Record(instances, _modelTag);
        Interlocked.Increment(ref _batchSizes[instances]);
    }

    /// <summary>Counts the run once in the statistics of each method with instances in it.</summary>
    private static void RecordMethods(List<ModelWorkItem> batch, in RunTiming timing)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var statistics = batch[i].Statistics;
            var seen = false;
            for (var j = 0; j < i && !seen; j++)
            {
                seen = ReferenceEquals(batch[j].Statistics, statistics);
            }
            if (!seen)
            {
                statistics.RecordBatch(batch.Count, timing);
            }
        }
    }

    private static void Fail(List<ModelWorkItem> batch, Exception exception)
    {
        foreach (var item in batch)
        {
            item.SetFailure(exception);
        }
    }

    /// <summary>
    /// Runs one replica may have in progress at once: one for a model that batches (its loop gathers what arrives during a
    /// run into the next); for one that cannot (batch size 1), <see cref="ModelOptions.ConcurrentRuns"/>, by default the
    /// cores up to <see cref="DefaultConcurrentRunsLimit"/>: ONNX Runtime runs one session's runs concurrently, and
    /// queueing such an instance would only hand it to the batch loop and back (two thread-pool hops).
    /// </summary>
    private static int RunsAtOnce(ModelLayout layout, ModelOptions options)
        => layout.BatchSize > 1 ? 1
            : options.ConcurrentRuns > 0 ? options.ConcurrentRuns
            : Math.Clamp(Environment.ProcessorCount, 1, DefaultConcurrentRunsLimit);

    /// <summary>The most runs at once a model without batching gets by default.</summary>
    internal const int DefaultConcurrentRunsLimit = 4;

    /// <summary>
    /// The mean run time from which a model's runs are made by its replicas' <see cref="RunThread"/>s: 2 ms, where the
    /// hand-off's two wake-ups cost at most a few percent of a run.
    /// </summary>
    internal static readonly long LongRunTicks = Stopwatch.Frequency / 500;

    private sealed class Replica : IDisposable
    {
        private readonly ConcurrentQueue<BatchCancellation> _cancellations = new();
        // Most recently used on top: one permit reuses one thread. Only under a permit, so never more than RunsAtOnce.
        private readonly ConcurrentStack<RunThread> _runThreads = new();
        private volatile bool _disposed;

        public Replica(IModelSession session, Channel<ModelWorkItem> channel, int runsAtOnce, CancellationToken abort)
        {
            Session = session;
            Channel = channel;
            RunsAtOnce = runsAtOnce;
            Permit = new SemaphoreSlim(runsAtOnce, runsAtOnce);
            for (var i = 0; i < runsAtOnce; i++)
            {
                _cancellations.Enqueue(new BatchCancellation(abort));
            }
        }

        public IModelSession Session { get; }

        public Channel<ModelWorkItem> Channel { get; }

        /// <summary>Runs in progress at most (the permit's count).</summary>
        public int RunsAtOnce { get; }

        /// <summary>Held by whoever runs a batch on this replica: its batch loop, or a caller on the fast path.</summary>
        public SemaphoreSlim Permit { get; }

        public Task? Loop { get; set; }

        /// <summary>The token of a run, one per permit (reused: a run allocates none). Only under a permit.</summary>
        public BatchCancellation TakeCancellation()
            => _cancellations.TryDequeue(out var cancellation) ? cancellation : throw new InvalidOperationException("A run took a token without a permit.");

        public void ReturnCancellation(BatchCancellation cancellation) => _cancellations.Enqueue(cancellation);

        /// <summary>A run thread for a long run, started on first use. Only under a permit.</summary>
        public RunThread TakeRunThread(string model)
            => _runThreads.TryPop(out var thread) ? thread : new RunThread($"run {model}");

        public void ReturnRunThread(RunThread thread)
        {
            _runThreads.Push(thread);
            if (_disposed)
            {
                StopRunThreads();
            }
        }

        public void Dispose()
        {
            _disposed = true;
            StopRunThreads();
            while (_cancellations.TryDequeue(out var cancellation))
            {
                cancellation.Dispose();
            }
            Permit.Dispose();
        }

        private void StopRunThreads()
        {
            while (_runThreads.TryPop(out var thread))
            {
                thread.Dispose();
            }
        }
    }
}
