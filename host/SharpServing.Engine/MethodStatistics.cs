using System.Collections.Concurrent;
using System.Diagnostics;
using SharpServing.Engine.Execution;

namespace SharpServing.Engine;

/// <summary>
/// Where the time of one method of one servable version goes (the statistics of a KServe V2 model, docs/kserve-v2.md):
/// per successful request its queue time and its compute input, infer and output time, and per model run that carried
/// its instances the run's batch size and phases. Process-wide, like the engine's metrics: one object per servable,
/// method and version number, kept across reloads of that version; each executor resolves its methods' objects once, so
/// a request costs a few interlocked additions and no lookup.
/// </summary>
public sealed class MethodStatistics
{
    private static readonly ConcurrentDictionary<(string Servable, string Method, long Version), MethodStatistics> s_methods = new();
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly Lock _gate = new();
    // Indexed by batch size; grown under _gate, read without it.
    private BatchCounters?[] _batches = new BatchCounters?[9];
    private long _count;
    private long _queue;
    private long _input;
    private long _infer;
    private long _output;

    private MethodStatistics(string servable, string method, long version)
    {
        Servable = servable;
        Method = method;
        Version = version;
    }

    public string Servable { get; }

    public string Method { get; }

    public long Version { get; }

    /// <summary>Successful requests whose durations are counted (every duration below has this count).</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Time from the version accepting a request to its first stage, plus the time its instances waited in model
    /// stages outside model runs (batching queues, the hand-over to and from the batch loop), in nanoseconds.</summary>
    public long QueueNanoseconds => Nanoseconds(ref _queue);

    /// <summary>C# stages before the first model stage and the packing of model runs' inputs, in nanoseconds.</summary>
    public long ComputeInputNanoseconds => Nanoseconds(ref _input);

    /// <summary>The model runs (ONNX Runtime) and the C# stages between the first and last model stage, in nanoseconds;
    /// for a method without model stages, all its stages.</summary>
    public long ComputeInferNanoseconds => Nanoseconds(ref _infer);

    /// <summary>The slicing of model runs' outputs, C# stages after the last model stage and collecting the outputs, in
    /// nanoseconds.</summary>
    public long ComputeOutputNanoseconds => Nanoseconds(ref _output);

    /// <summary>The model runs that carried instances of this method, by batch size (real instances), smallest first.</summary>
    public IReadOnlyList<BatchStatistics> Batches
    {
        get
        {
            var batches = Volatile.Read(ref _batches);
            var result = new List<BatchStatistics>();
            for (var size = 1; size < batches.Length; size++)
            {
                if (Volatile.Read(ref batches[size]) is { } counters && counters.Snapshot(size) is { Count: > 0 } snapshot)
                {
                    result.Add(snapshot);
                }
            }
            return result;
        }
    }

    /// <summary>The statistics of a method of a servable version, or null when none of its requests has run yet.</summary>
    public static MethodStatistics? Find(string servable, string method, long version)
        => s_methods.TryGetValue((servable, method, version), out var statistics) ? statistics : null;

    /// <summary>The statistics object of a method (made on first use; the same object for every caller).</summary>
    internal static MethodStatistics For(string servable, string method, long version)
        => s_methods.GetOrAdd((servable, method, version), static key => new MethodStatistics(key.Servable, key.Method, key.Version));

    /// <summary>Counts one successful request's durations, in <see cref="Stopwatch"/> ticks.</summary>
    internal void RecordRequest(long queue, long input, long infer, long output)
    {
        Interlocked.Add(ref _queue, queue);
        Interlocked.Add(ref _input, input);
        Interlocked.Add(ref _infer, infer);
        Interlocked.Add(ref _output, output);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Counts one model run of <paramref name="size"/> real instances that carried instances of this method.</summary>
    internal void RecordBatch(int size, in RunTiming timing)
    {
        var batches = Volatile.Read(ref _batches);
        var counters = size < batches.Length ? Volatile.Read(ref batches[size]) : null;
        (counters ?? AddBatchSize(size)).Record(timing);
    }

    private BatchCounters AddBatchSize(int size)
    {
        lock (_gate)
        {
            var batches = _batches;
            if (size >= batches.Length)
            {
                Array.Resize(ref batches, Math.Max(size + 1, batches.Length * 2));
            }
            var counters = batches[size] ??= new BatchCounters();
            Volatile.Write(ref _batches, batches);
            return counters;
        }
    }

    private static long Nanoseconds(ref long ticks) => ToNanoseconds(Volatile.Read(ref ticks));

    private static long ToNanoseconds(long ticks) => (long)(ticks * s_nanosecondsPerTick);

    private sealed class BatchCounters
    {
        private long _count;
        private long _input;
        private long _infer;
        private long _output;

        public void Record(in RunTiming timing)
        {
            Interlocked.Add(ref _input, timing.Input);
            Interlocked.Add(ref _infer, timing.Infer);
            Interlocked.Add(ref _output, timing.Output);
            Interlocked.Increment(ref _count);
        }

        public BatchStatistics Snapshot(int size) => new(size, Volatile.Read(ref _count), ToNanoseconds(Volatile.Read(ref _input)),
            ToNanoseconds(Volatile.Read(ref _infer)), ToNanoseconds(Volatile.Read(ref _output)));
    }
}
