namespace SharpServing.Engine.Execution;

/// <summary>
/// The batch delay a model without a configured one (<see cref="ModelOptions.BatchDelay"/> zero) chooses for itself, from
/// what it measures: how often an arriving request finds the model busy (concurrent load), and what a run of one instance
/// costs against the per-instance cost of a batched run (what a batch saves).
/// </summary>
/// <remarks>
/// A request that finds the model idle runs at once unless recent requests overlapped (a lone client's next request comes
/// only after its reply, so it never overlaps and never waits) and batching saves at least <see cref="MinSaving"/> per
/// instance (less is about what handing an instance to the batch loop costs). Then the batch waits for more instances,
/// at most what a full batch saves over running its instances one by one, never more than <see cref="MaxWait"/>.
/// The estimates are moving averages updated without a lock from every thread: a lost update only makes them a little
/// older. Run times fall fast and rise slowly, so a run slowed by something else (a first run's setup, a preempted
/// thread) does not make the model look worth waiting for.
/// </remarks>
internal sealed class AdaptiveBatchDelay(int batchSize)
{
    /// <summary>Upper bound of the wait, whatever the model's run time.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(1);

    /// <summary>The least model time a batch must save per instance before instances wait for each other.</summary>
    public static readonly TimeSpan MinSaving = TimeSpan.FromMicroseconds(10);

    /// <summary>Share of recent arrivals that found the model busy from which the load counts as concurrent.</summary>
    private const double ConcurrentShare = 0.25;

    // Weight of one new sample in the moving average of arrivals: about the last eight count.
    private const double Weight = 1.0 / 8;

    // Weights of a run time below and above its moving average.
    private const double FallWeight = 1.0 / 2;
    private const double RiseWeight = 1.0 / 16;

    private readonly int _batchSize = batchSize;
    private double _overlap;
    private double _singleRun = double.NaN;      // seconds, runs of one instance
    private double _batchedRun = double.NaN;     // seconds per instance, runs of two or more
    private long _waits;

    /// <summary>Batch loop waits this policy started (none for a lone client).</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Records an arriving request: whether it found the model busy (instances queued, a run or a wait in progress).</summary>
    public void Arrived(bool busy)
        => Volatile.Write(ref _overlap, Volatile.Read(ref _overlap) + (((busy ? 1.0 : 0.0) - Volatile.Read(ref _overlap)) * Weight));

    /// <summary>Records a finished run of <paramref name="instances"/> real instances.</summary>
    public void Ran(int instances, TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        if (instances == 1)
        {
            UpdateRun(ref _singleRun, seconds);
        }
        else
        {
            UpdateRun(ref _batchedRun, seconds / instances);
        }
    }

    /// <summary>
    /// How long a batch should wait for more instances now; zero: run what there is. Counts a wait when
    /// <paramref name="starting"/> (the batch loop is about to wait), not when only asked (a request deciding whether to
    /// run at once).
    /// </summary>
    public TimeSpan Wait(bool starting)
    {
        if (_batchSize < 2 || Volatile.Read(ref _overlap) < ConcurrentShare || double.IsNaN(Volatile.Read(ref _singleRun)))
        {
            return TimeSpan.Zero;
        }
        var batched = Volatile.Read(ref _batchedRun);
        // Before any batched run is seen, assume batching saves the whole run; the first batched runs correct it.
        var saving = Volatile.Read(ref _singleRun) - (double.IsNaN(batched) ? 0 : batched);
        if (saving < MinSaving.TotalSeconds)
        {
            return TimeSpan.Zero;
        }
        if (starting)
        {
            Interlocked.Increment(ref _waits);
        }
        return TimeSpan.FromSeconds(Math.Min(saving * _batchSize, MaxWait.TotalSeconds));
    }

    private static void UpdateRun(ref double average, double sample)
    {
        var old = Volatile.Read(ref average);
        Volatile.Write(ref average, double.IsNaN(old) ? sample : old + ((sample - old) * (sample < old ? FallWeight : RiseWeight)));
    }
}
