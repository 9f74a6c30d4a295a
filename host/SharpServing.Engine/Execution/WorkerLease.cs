namespace SharpServing.Engine.Execution;

/// <summary>
/// One call's worker of a <see cref="WorkerPool"/>, watching the call's request: if the request ends (its time limit, or
/// the client gone) before the call returns, the call is abandoned and the pool replaces its worker at once; a .NET
/// thread cannot be stopped, so the call's code runs on until it returns, outside the bound.
/// </summary>
internal sealed class WorkerLease : IDisposable
{
    private const int Running = 0;
    private const int Abandoned = 1;
    private const int Returned = 2;

    private readonly WorkerPool _pool;
    private readonly Action<int>? _abandoned;
    private CancellationTokenRegistration _registration;
    private int _state;

    public WorkerLease(WorkerPool pool, Action<int>? abandoned, CancellationToken cancellationToken)
    {
        _pool = pool;
        _abandoned = abandoned;
        _registration = cancellationToken.UnsafeRegister(static state => ((WorkerLease)state!).Abandon(), this);
    }

    /// <summary>The call returned: its worker goes back to the pool (unless it was replaced already).</summary>
    public void Dispose()
    {
        _registration.Dispose();
        switch (Interlocked.Exchange(ref _state, Returned))
        {
            case Running:
                _pool.Release();
                break;
            case Abandoned:
                _pool.AbandonedCallReturned();
                break;
        }
    }

    private void Abandon()
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Running) == Running)
        {
            var running = _pool.Abandon();
            _abandoned?.Invoke(running);
        }
    }
}
