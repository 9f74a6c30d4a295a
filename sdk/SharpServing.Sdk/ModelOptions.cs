namespace SharpServing;

/// <summary>How a declared model runs: runtime threads, device, and batching limits.</summary>
public sealed class ModelOptions
{
    private int _intraOpThreads;
    private int _interOpThreads;
    private int _maxBatchSize = 32;
    private TimeSpan _batchDelay = TimeSpan.Zero;
    private int _concurrentRuns;

    /// <summary>Threads inside one operator. Default 0: the runtime's choice. Range 0..1024.</summary>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        set => _intraOpThreads = InRange(value, 0, 1024);
    }

    /// <summary>Threads across operators. Default 0: the runtime's choice. Range 0..1024.</summary>
    public int InterOpThreads
    {
        get => _interOpThreads;
        set => _interOpThreads = InRange(value, 0, 1024);
    }

    /// <summary>
    /// Whether the runtime's threads spin-wait between runs instead of sleeping. Default false: a server shares its cores
    /// with the transport and the C# stages, and a spinning thread takes the CPU they need. Set true for a model that
    /// has cores to itself, to save the wake-up of its threads on each run.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Device of this model. Default <see cref="DeviceType.Auto"/>: the servable's start configuration decides.</summary>
    public DeviceType DeviceType { get; set; }

    /// <summary>
    /// The largest batch for a model whose batch dimension is dynamic (-1). Default 32, range 1..65536. A model with a
    /// fixed first dimension uses that dimension and ignores this.
    /// </summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        set => _maxBatchSize = InRange(value, 1, 65536);
    }

    /// <summary>
    /// How long a batch waits for more instances once it has one. Default zero: no fixed wait; the model waits only as
    /// <see cref="AdaptiveBatchDelay"/> decides. Range 0..10 s.
    /// </summary>
    public TimeSpan BatchDelay
    {
        get => _batchDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(10));
            _batchDelay = value;
        }
    }

    /// <summary>
    /// With <see cref="BatchDelay"/> zero: whether the model may wait for more instances on its own. Default true: a
    /// request that finds the model idle runs at once unless recent requests overlapped (concurrent load) and the model's
    /// measured runs show that a batch saves at least 10 µs of model time per instance; then the batch waits for more
    /// instances, at most what a full batch saves, never more than 1 ms. A lone client never waits. False: take what is
    /// queued and never wait.
    /// </summary>
    public bool AdaptiveBatchDelay { get; set; } = true;

    /// <summary>
    /// Runs of a model that does not batch (batch size 1: <c>withBatchDim: false</c>, or <see cref="MaxBatchSize"/> 1)
    /// that one device replica has in progress at once. Default 0: as many as the machine has cores, at most 4. 1: one at
    /// a time, in order of arrival. Range 0..64. A model that batches runs one batch at a time per replica, and what
    /// arrives during a run joins the next.
    /// </summary>
    public int ConcurrentRuns
    {
        get => _concurrentRuns;
        set => _concurrentRuns = InRange(value, 0, 64);
    }

    /// <summary>The value, when within <paramref name="min"/>..<paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    private static int InRange(int value, int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, min);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, max);
        return value;
    }
}
