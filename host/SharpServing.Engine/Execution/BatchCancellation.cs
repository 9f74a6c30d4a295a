namespace SharpServing.Engine.Execution;

/// <summary>
/// The token of one run (a model batch or a batch function call): cancelled when every request in the run has been
/// cancelled (nobody waits for the result any more) or when the version stops. Reusable by one owner at a time: a model
/// replica keeps one for all its runs, so a run allocates nothing here beyond the registrations on request tokens.
/// </summary>
/// <remarks>
/// Use: <see cref="Begin"/>, <see cref="Watch"/> each request's token, <see cref="Seal"/>, run with <see cref="Token"/>,
/// <see cref="End"/>. The count of live requests starts with a hold that <see cref="Seal"/> drops, so a request cancelled
/// while later ones are still being watched cannot stop the run.
/// </remarks>
internal sealed class BatchCancellation : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationToken _abort;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly List<CancellationTokenRegistration> _registrations = [];
    private CancellationTokenSource _source = new();
    private int _live;

    public BatchCancellation(CancellationToken abort)
    {
        _abort = abort;
        _abortRegistration = abort.UnsafeRegister(static state => ((BatchCancellation)state!).Cancel(), this);
    }

    /// <summary>The token of the current run.</summary>
    public CancellationToken Token => Volatile.Read(ref _source).Token;

    /// <summary>Starts a run: a fresh token, no requests watched yet.</summary>
    public void Begin()
    {
        if (!_source.TryReset())
        {
            lock (_gate)
            {
                _source.Dispose();
                _source = new CancellationTokenSource();
            }
        }
        _live = 1;
        if (_abort.IsCancellationRequested)
        {
            Cancel();
        }
    }

    /// <summary>Counts one request of the run. A token that can never be cancelled keeps the run alive for good, as it should.</summary>
    public void Watch(CancellationToken token)
    {
        Interlocked.Increment(ref _live);
        if (token.CanBeCanceled)
        {
            _registrations.Add(token.UnsafeRegister(static state => ((BatchCancellation)state!).RequestCancelled(), this));
        }
    }

    /// <summary>Every request is watched: from now on the last one cancelled stops the run.</summary>
    public void Seal() => RequestCancelled();

    /// <summary>Ends the run: drops the registrations (waiting for a callback in progress).</summary>
    public void End()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _registrations.Clear();
    }

    public void Dispose()
    {
        End();
        _abortRegistration.Dispose();
        lock (_gate)
        {
            _source.Dispose();
        }
    }

    private void RequestCancelled()
    {
        if (Interlocked.Decrement(ref _live) == 0)
        {
            Cancel();
        }
    }

    private void Cancel()
    {
        lock (_gate)
        {
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Disposed with its owner: nothing left to stop.
            }
        }
    }
}
