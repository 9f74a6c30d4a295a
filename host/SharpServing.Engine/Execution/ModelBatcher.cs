using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SharpServing.OnnxRuntime;

namespace SharpServing.Engine.Execution;

/// <summary>
/// The batching queue of one subgraph of one loaded model: a bounded channel per device replica (filled round-robin),
/// each read by one batch loop that takes what is queued up to the batch size, waits at most the model's batch delay for
/// more, runs the batch and hands each instance its outputs. Instances from different requests share runs.
/// </summary>
internal sealed class ModelBatcher : IDisposable
{
    private readonly ModelLayout _layout;
    private readonly Replica[] _replicas;
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<int, long> _batchSizes = [];
    private readonly KeyValuePair<string, object?> _modelTag;
    private int _next;
    private bool _disposed;

    public ModelBatcher(LoadedModel model, int subgraph, TimeProvider time, ILogger logger)
    {
        _layout = ModelLayout.Create(model.Model, model.Signatures[subgraph]);
        _delay = model.Model.Options.BatchDelay;
        _time = time;
        _logger = logger;
        _modelTag = new("model", _layout.Key);
        var capacity = Math.Max(1024, _layout.BatchSize * 8);
        _replicas = new Replica[model.Sessions.Count];
        for (var r = 0; r < _replicas.Length; r++)
        {
            var channel = Channel.CreateBounded<ModelWorkItem>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _replicas[r] = new Replica(model.Sessions[r][subgraph], channel);
        }
    }

    public ModelLayout Layout => _layout;

    /// <summary>Completes when every batch loop has ended.</summary>
    public Task Completion => Task.WhenAll(_replicas.Select(r => r.Loop ?? Task.CompletedTask));

    /// <summary>Starts one batch loop per replica.</summary>
    public void Start()
    {
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
        try
        {
            await replica.Channel.Writer.WriteAsync(item, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new WorkerStoppedException("The model no longer accepts work: its servable version is stopping.", e);
        }
        ExecutionMetrics.QueueLength.Add(1, _modelTag);
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
            var batch = instances.Skip(start).Take(end - start).ToArray();
            results.AddRange(BatchPacker.Run(_layout, replica.Session, batch, shapes[start..end], linked.Token));
            Record(end - start);
            start = end;
        }
        return results;
    }

    /// <summary>Number of runs by the count of real (not padding) instances in them.</summary>
    public IReadOnlyDictionary<int, long> BatchSizes
    {
        get
        {
            lock (_batchSizes)
            {
                return new Dictionary<int, long>(_batchSizes);
            }
        }
    }

    /// <summary>Instances waiting in the queues (not yet taken by a batch loop).</summary>
    public int QueuedCount => _replicas.Sum(r => r.Channel.Reader.Count);

    /// <summary>Stops accepting work; the loops run what is queued, then end.</summary>
    public void Complete()
    {
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
        _abort.Dispose();
    }

    private async Task RunLoopAsync(Replica replica)
    {
        var reader = replica.Channel.Reader;
        var batch = new List<ModelWorkItem>(Math.Min(_layout.BatchSize, 1024));
        ModelWorkItem? carried = null;
        while (carried is not null || await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            if (carried is not null)
            {
                batch.Add(carried);
                carried = null;
            }
            Fill(reader, batch, ref carried);
            if (_delay > TimeSpan.Zero && carried is null && batch.Count > 0 && batch.Count < _layout.BatchSize)
            {
                carried = await WaitForMoreAsync(reader, batch);
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
            RunBatch(replica.Session, batch);
        }
    }

    private async Task<ModelWorkItem?> WaitForMoreAsync(ChannelReader<ModelWorkItem> reader, List<ModelWorkItem> batch)
    {
        var started = _time.GetTimestamp();
        ModelWorkItem? carried = null;
        while (batch.Count < _layout.BatchSize && carried is null)
        {
            var remaining = _delay - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            using var timeout = new CancellationTokenSource(remaining, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _abort.Token);
            var wait = reader.WaitToReadAsync(linked.Token).AsTask();
            await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!wait.IsCompletedSuccessfully || !wait.Result)
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
            ExecutionMetrics.QueueLength.Add(-1, _modelTag);
            if (item.CancellationToken.IsCancellationRequested)
            {
                item.SetCanceled();
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

    private void RunBatch(OrtSession session, List<ModelWorkItem> batch)
    {
        using var cancellation = new BatchCancellation(batch, _abort.Token);
        try
        {
            var inputs = new Tensor[batch.Count][];
            var shapes = new long[batch.Count][][];
            for (var i = 0; i < batch.Count; i++)
            {
                inputs[i] = batch[i].Inputs;
                shapes[i] = batch[i].Shapes;
            }
            var outputs = BatchPacker.Run(_layout, session, inputs, shapes, cancellation.Token);
            Record(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].SetResult(outputs[i]);
            }
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested)
        {
            if (_abort.IsCancellationRequested)
            {
                Fail(batch, new WorkerStoppedException());
            }
            else
            {
                ExecutionLog.BatchCancelled(_logger, _layout.Key, batch.Count);
                foreach (var item in batch)
                {
                    item.SetCanceled();
                }
            }
        }
        catch (Exception e)
        {
            ExecutionLog.BatchFailed(_logger, _layout.Key, batch.Count, e);
            Fail(batch, e);
        }
    }

    private void Record(int instances)
    {
        ExecutionMetrics.BatchSize.Record(instances, _modelTag);
        lock (_batchSizes)
        {
            _batchSizes[instances] = _batchSizes.GetValueOrDefault(instances) + 1;
        }
    }

    private static void Fail(List<ModelWorkItem> batch, Exception exception)
    {
        foreach (var item in batch)
        {
            item.SetException(exception);
        }
    }

    private sealed class Replica(OrtSession session, Channel<ModelWorkItem> channel)
    {
        public OrtSession Session { get; } = session;

        public Channel<ModelWorkItem> Channel { get; } = channel;

        public Task? Loop { get; set; }
    }
}
