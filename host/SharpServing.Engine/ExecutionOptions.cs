namespace SharpServing.Engine;

/// <summary>
/// Limits of request execution: how many requests may wait per method, how many C# stages run at once, how long a
/// stopping version may take to drain. Plain options: read when a dispatcher or executor is created.
/// </summary>
public sealed class ExecutionOptions
{
    /// <summary>The largest accepted value of <see cref="ParallelWorkers"/>.</summary>
    public const int MaxParallelWorkers = 64;

    private int _maxEnqueuedRequests = 10000;
    private int _parallelWorkers;
    private TimeSpan _drainTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan _requestTimeout = DefaultRequestTimeout;

    /// <summary>The default of <see cref="RequestTimeout"/>: 60 s.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The longest time limit a request or method may have (24 h); longer limits are refused.</summary>
    public static readonly TimeSpan MaxTimeLimit = TimeSpan.FromHours(24);

    /// <summary>
    /// Accepted, not yet answered requests per servable method before new ones are refused with
    /// <c>Serving Error: enqueued requests count exceeds the limit N</c> (code 1). Default 10000; at least 1.
    /// </summary>
    public int MaxEnqueuedRequests
    {
        get => _maxEnqueuedRequests;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxEnqueuedRequests = value;
        }
    }

    /// <summary>
    /// The most C# function stages of one servable version running at the same time (MindSpore Serving's
    /// <c>num_parallel_workers</c>). Default 0: the number of processor cores. Range 0..64.
    /// </summary>
    public int ParallelWorkers
    {
        get => _parallelWorkers;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxParallelWorkers);
            _parallelWorkers = value;
        }
    }

    /// <summary>
    /// How long a stopping version waits for its pending requests before it fails what is still queued (code 4) and
    /// stops its model runs. Default 30 s; range 0..1 h.
    /// </summary>
    public TimeSpan DrainTimeout
    {
        get => _drainTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1));
            _drainTimeout = value;
        }
    }

    /// <summary>
    /// How long a request of a method without a time limit of its own may run (from the start of its first stage to its
    /// reply) before it fails with <c>Request servable(..) method(..) , the method did not finish within its time limit of N ms</c>
    /// (code 3). Default 60 s; <see cref="Timeout.InfiniteTimeSpan"/>: no limit; otherwise above 0 and at most 24 h.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get => _requestTimeout;
        set
        {
            CheckTimeLimit(value);
            _requestTimeout = value;
        }
    }

    /// <summary>
    /// Time limits of single methods by method name, set by the start configuration; they win over the limit the method's
    /// registration gives (<see cref="MethodDefinition.Timeout"/>), which wins over <see cref="RequestTimeout"/>. Each
    /// value as for <see cref="RequestTimeout"/>. Default empty.
    /// </summary>
    public IDictionary<string, TimeSpan> MethodTimeouts { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>The time limit of <paramref name="method"/>: <see cref="MethodTimeouts"/>, else the method's own, else
    /// <see cref="RequestTimeout"/>.</summary>
    public TimeSpan TimeLimitOf(MethodDefinition method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (MethodTimeouts.TryGetValue(method.Name, out var configured))
        {
            CheckTimeLimit(configured);
            return configured;
        }
        return method.Timeout ?? _requestTimeout;
    }

    /// <summary>Throws unless <paramref name="value"/> is a valid time limit: above 0 and at most 24 h, or infinite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static void CheckTimeLimit(TimeSpan value)
    {
        if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value > MaxTimeLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A time limit is above 0 and at most 24 h, or infinite.");
        }
    }

    /// <summary>The worker count in effect: <see cref="ParallelWorkers"/>, or the processor count when it is 0.</summary>
    public int EffectiveParallelWorkers => _parallelWorkers == 0 ? Environment.ProcessorCount : _parallelWorkers;
}
