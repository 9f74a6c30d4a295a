using System.Collections.Concurrent;

namespace SharpServing.Engine.Execution;

/// <summary>
/// A request's time limit: one token cancelled when the limit passes or when the caller's token is cancelled. No timer
/// per request: a limit of <see cref="ScanFrom"/> or more (the default 60 s among them) is watched by one process-wide
/// scan every <see cref="ScanPeriod"/> that cancels overdue requests, so it fires up to one period late; a shorter limit
/// keeps a timer of its own (a pooled source's timer, moved with <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>).
/// Limits and their sources are pooled, so a request allocates nothing here either.
/// </summary>
/// <remarks>
/// A limit goes back to the pool only when its request ended normally and its source was not cancelled: a token that was
/// cancelled, or whose request failed with an exception (work of it may still hold the token), is never handed out again.
/// The scan and <see cref="End"/> decide an entry's fate under the same stripe lock, so a scan never cancels a source that
/// has gone back to the pool.
/// </remarks>
public sealed class RequestTimeLimit : IDisposable
{
    /// <summary>How often the scan looks for overdue requests: the most a watched limit fires late.</summary>
    public static readonly TimeSpan ScanPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>Limits this long or longer are watched by the scan; shorter ones get a timer.</summary>
    public static readonly TimeSpan ScanFrom = TimeSpan.FromSeconds(1);

    // Enough for every request in flight at the server's usual concurrency; beyond it limits are simply dropped.
    private const int PoolCapacity = 1024;

    private const int Active = 0;
    private const int Firing = 1;

    private static readonly ConcurrentQueue<RequestTimeLimit> s_pool = new();
    private static readonly Stripe[] s_stripes = [.. Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount * 2)).Select(_ => new Stripe())];
    private static readonly Lock s_timerGate = new();
    private static int s_pooled;
    private static Timer? s_scan;

    private readonly CancellationTokenSource _source = new();
    private CancellationTokenRegistration _caller;
    private Stripe? _stripe;
    private int _index;
    private long _deadline;
    private int _state;

    private RequestTimeLimit()
    {
    }

    /// <summary>The request's token.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the token was cancelled (by the limit or the caller).</summary>
    public bool IsCancellationRequested => _source.IsCancellationRequested;

    /// <summary>Starts a limit of <paramref name="limit"/> (on the system clock) joined with <paramref name="cancellationToken"/>.</summary>
    public static RequestTimeLimit Start(TimeSpan limit, CancellationToken cancellationToken)
    {
        if (s_pool.TryDequeue(out var started))
        {
            Interlocked.Decrement(ref s_pooled);
        }
        else
        {
            started = new RequestTimeLimit();
        }
        started._state = Active;
        if (cancellationToken.CanBeCanceled)
        {
            started._caller = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), started._source);
        }
        if (limit < ScanFrom)
        {
            started._source.CancelAfter(limit);
        }
        else
        {
            started._deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
            started.Watch();
        }
        return started;
    }

    /// <summary>Ends the limit after a request that ended normally (<see cref="End"/> with reuse).</summary>
    public void Dispose() => End(reuse: true);

    /// <summary>
    /// Ends the limit; <paramref name="reuse"/> false (the request failed) drops it. Either way the caller's token no longer
    /// reaches the source and the scan no longer watches it.
    /// </summary>
    public void End(bool reuse)
    {
        // First: a later cancellation of the caller's token must not reach a source that serves another request.
        _caller.Dispose();
        _caller = default;
        var fired = false;
        if (_stripe is { } stripe)
        {
            lock (stripe.Gate)
            {
                stripe.Remove(this);
                fired = _state == Firing;
            }
            _stripe = null;
        }
        if (!reuse || fired || !_source.TryReset())
        {
            return;
        }
        if (Interlocked.Increment(ref s_pooled) <= PoolCapacity)
        {
            s_pool.Enqueue(this);
            return;
        }
        Interlocked.Decrement(ref s_pooled);
        _source.Dispose();
    }

    private void Watch()
    {
        var stripe = s_stripes[(uint)Environment.CurrentManagedThreadId % (uint)s_stripes.Length];
        lock (stripe.Gate)
        {
            stripe.Add(this);
        }
        _stripe = stripe;
        if (Volatile.Read(ref s_scan) is null)
        {
            lock (s_timerGate)
            {
                // Runs for the life of the process once a watched limit exists: one wake-up per period, nothing per request.
                s_scan ??= new Timer(static _ => Scan(), null, ScanPeriod, ScanPeriod);
            }
        }
    }

    private static void Scan()
    {
        var now = Environment.TickCount64;
        List<RequestTimeLimit>? overdue = null;
        foreach (var stripe in s_stripes)
        {
            lock (stripe.Gate)
            {
                for (var i = 0; i < stripe.Count; i++)
                {
                    var limit = stripe.Items[i];
                    if (limit._state == Active && limit._deadline <= now)
                    {
                        // Decided under the lock End takes: from here End drops this limit instead of pooling it.
                        limit._state = Firing;
                        (overdue ??= []).Add(limit);
                    }
                }
            }
        }
        if (overdue is null)
        {
            return;
        }
        // Outside the locks: cancellation runs the request's callbacks, which may end the request (and take a stripe lock).
        foreach (var limit in overdue)
        {
            limit._source.Cancel();
        }
    }

    /// <summary>A share of the watched limits, with its own lock (requests on different threads rarely meet).</summary>
    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        public RequestTimeLimit[] Items = new RequestTimeLimit[16];
        public int Count;

        public void Add(RequestTimeLimit limit)
        {
            if (Count == Items.Length)
            {
                Array.Resize(ref Items, Items.Length * 2);
            }
            limit._index = Count;
            Items[Count++] = limit;
        }

        public void Remove(RequestTimeLimit limit)
        {
            var last = Items[--Count];
            Items[limit._index] = last;
            last._index = limit._index;
            Items[Count] = null!;
        }
    }
}
