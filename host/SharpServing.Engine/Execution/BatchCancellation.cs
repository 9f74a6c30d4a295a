namespace SharpServing.Engine.Execution;

/// <summary>
/// The token of one model run: cancelled when every instance of the batch has been cancelled (nobody waits for the
/// result any more) or when the version stops.
/// </summary>
internal sealed class BatchCancellation : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration[] _registrations;
    private int _live;

    public BatchCancellation(IReadOnlyList<ModelWorkItem> batch, CancellationToken abort)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(abort);
        _live = batch.Count;
        _registrations = new CancellationTokenRegistration[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            // An instance whose token can never be cancelled keeps the count above zero for good, as it should.
            _registrations[i] = batch[i].CancellationToken.UnsafeRegister(static state => ((BatchCancellation)state!).InstanceCancelled(), this);
        }
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _source.Dispose();
    }

    private void InstanceCancelled()
    {
        if (Interlocked.Decrement(ref _live) == 0)
        {
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run already ended and released its token source: nothing left to stop.
            }
        }
    }
}
