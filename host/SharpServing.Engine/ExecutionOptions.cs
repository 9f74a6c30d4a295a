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

    /// <summary>The worker count in effect: <see cref="ParallelWorkers"/>, or the processor count when it is 0.</summary>
    public int EffectiveParallelWorkers => _parallelWorkers == 0 ? Environment.ProcessorCount : _parallelWorkers;
}
