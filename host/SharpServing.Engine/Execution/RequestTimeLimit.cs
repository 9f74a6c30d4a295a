using System.Collections.Concurrent;

namespace SharpServing.Engine.Execution;

/// <summary>
/// A request's time limit: one token cancelled when the limit passes or when the caller's token is cancelled. The sources
/// are pooled (<see cref="CancellationTokenSource.TryReset"/> keeps each one's timer), so a request under the default
/// limit allocates no cancellation source, timer or linked source: it moves one pooled timer and registers once on the
/// caller's token.
/// </summary>
/// <remarks>
/// A source goes back to the pool only when its request ended normally and it was not cancelled: a token that was
/// cancelled, or whose request failed with an exception (work of it may still hold the token), is never handed out again.
/// </remarks>
internal struct RequestTimeLimit : IDisposable
{
    // Enough for every request in flight at the server's usual concurrency; beyond it sources are simply dropped.
    private const int PoolCapacity = 1024;

    private static readonly ConcurrentQueue<CancellationTokenSource> s_pool = new();
    private static int s_pooled;

    private CancellationTokenSource? _source;
    private CancellationTokenRegistration _caller;

    /// <summary>Starts a limit of <paramref name="limit"/> (on the system clock) joined with <paramref name="cancellationToken"/>.</summary>
    public static RequestTimeLimit Start(TimeSpan limit, CancellationToken cancellationToken)
    {
        if (!s_pool.TryDequeue(out var source))
        {
            source = new CancellationTokenSource();
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
        var started = new RequestTimeLimit { _source = source };
        if (cancellationToken.CanBeCanceled)
        {
            started._caller = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
        }
        source.CancelAfter(limit);
        return started;
    }

    /// <summary>The request's token.</summary>
    public readonly CancellationToken Token => _source?.Token ?? CancellationToken.None;

    /// <summary>Whether the token was cancelled (by the limit or the caller).</summary>
    public readonly bool IsCancellationRequested => _source?.IsCancellationRequested ?? false;

    /// <summary>Ends the limit after a request that ended normally: the source goes back to the pool when it can.</summary>
    public void Dispose() => End(reuse: true);

    /// <summary>Ends the limit; <paramref name="reuse"/> false (the request failed) drops the source.</summary>
    public void End(bool reuse)
    {
        if (_source is not { } source)
        {
            return;
        }
        _source = null;
        // First: a later cancellation of the caller's token must not reach a source that serves another request.
        _caller.Dispose();
        if (reuse && source.TryReset())
        {
            if (Interlocked.Increment(ref s_pooled) <= PoolCapacity)
            {
                s_pool.Enqueue(source);
                return;
            }
            Interlocked.Decrement(ref s_pooled);
        }
        source.Dispose();
    }
}
