namespace SharpServing.Engine.Execution;

/// <summary>
/// The version's bound on C# function calls running at once (<see cref="ExecutionOptions.ParallelWorkers"/>). When
/// calls wait for a worker, a freed worker goes to the waiting call of the latest stage (specification 8.3: later
/// stages are served before earlier ones, so requests already in flight finish first); calls of the same stage index
/// are served in the order they came, whichever method they belong to.
/// </summary>
/// <remarks>A call that outlives its request (past its time limit, or cancelled) is abandoned: its worker is replaced at
/// once, so the bound never shrinks for good, and when its code returns at last it gives nothing back (see
/// <see cref="Hold"/>). One lock guards the free count and the queues. Invariant: a waiter is queued only while no worker is free
/// (a release hands its worker straight to a waiter), and a waiter leaves its queue exactly once: granted or cancelled.</remarks>
internal sealed class WorkerPool
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter>[] _waiting;   // by stage index
    private int _free;
    private int _waitingCount;
    private int _abandoned;
    private long _abandonedTotal;
    private TaskCompletionSource? _abandonedReturned;

    /// <param name="workers">How many calls may run at once (≥ 1).</param>
    /// <param name="stages">The largest stage index of the version's methods.</param>
    public WorkerPool(int workers, int stages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(stages);
        _free = workers;
        _waiting = new LinkedList<Waiter>[stages + 1];
        for (var i = 0; i < _waiting.Length; i++)
        {
            _waiting[i] = new LinkedList<Waiter>();
        }
    }

    /// <summary>Calls waiting for a worker.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waitingCount;
            }
        }
    }

    /// <summary>Abandoned calls whose code has not returned yet (each had its worker replaced).</summary>
    public int AbandonedRunning
    {
        get
        {
            lock (_gate)
            {
                return _abandoned;
            }
        }
    }

    /// <summary>Calls abandoned so far, returned or not.</summary>
    public long AbandonedTotal
    {
        get
        {
            lock (_gate)
            {
                return _abandonedTotal;
            }
        }
    }

    /// <summary>Completes once no abandoned call is running (at once when none is).</summary>
    public Task AbandonedReturned
    {
        get
        {
            lock (_gate)
            {
                if (_abandoned == 0)
                {
                    return Task.CompletedTask;
                }
                _abandonedReturned ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _abandonedReturned.Task;
            }
        }
    }

    /// <summary>
    /// The worker of a call just granted by <see cref="WaitAsync"/>, watched: when <paramref name="cancellationToken"/>
    /// (the request's) is cancelled while the call runs, the call is abandoned and its worker replaced at once, and
    /// <paramref name="abandoned"/> is told (with the count of abandoned calls still running). Dispose the lease when the
    /// call returns: it gives the worker back, or, for an abandoned call, only counts it as returned.
    /// </summary>
    public WorkerLease Hold(Action<int>? abandoned, CancellationToken cancellationToken)
        => new(this, abandoned, cancellationToken);

    /// <summary>A held call was abandoned: a replacement worker goes to the waiting calls (or the free count).</summary>
    internal int Abandon()
    {
        int running;
        lock (_gate)
        {
            running = ++_abandoned;
            _abandonedTotal++;
        }
        Release();
        return running;
    }

    /// <summary>An abandoned call's code returned; its worker was replaced already.</summary>
    internal void AbandonedCallReturned()
    {
        TaskCompletionSource? returned = null;
        lock (_gate)
        {
            if (--_abandoned == 0)
            {
                returned = _abandonedReturned;
                _abandonedReturned = null;
            }
        }
        returned?.TrySetResult();
    }

    /// <summary>Takes a worker for a call of stage <paramref name="stage"/>; give it back with <see cref="Release"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a worker came.</exception>
    public Task WaitAsync(int stage, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        lock (_gate)
        {
            if (_free > 0)
            {
                _free--;
                return Task.CompletedTask;
            }
            var queue = _waiting[stage];
            var waiter = new Waiter(this, cancellationToken);
            waiter.Node = queue.AddLast(waiter);
            _waitingCount++;
            // Under the lock, so a release always sees the registration it must drop. A token cancelled meanwhile runs
            // the callback right here; the lock is re-entrant.
            waiter.Watch();
            return waiter.Task;
        }
    }

    /// <summary>Gives a worker back: to the waiting call of the latest stage, else to the free count.</summary>
    public void Release()
    {
        Waiter? next = null;
        lock (_gate)
        {
            for (var stage = _waiting.Length - 1; _waitingCount > 0 && stage >= 0 && next is null; stage--)
            {
                if (_waiting[stage].First is { } first)
                {
                    next = first.Value;
                    Remove(next);
                }
            }
            if (next is null)
            {
                _free++;
                return;
            }
        }
        next.Grant();
    }

    private void Cancel(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node is null)
            {
                return;   // granted already
            }
            Remove(waiter);
        }
        waiter.Cancelled();
    }

    private void Remove(Waiter waiter)
    {
        waiter.Node!.List!.Remove(waiter.Node);
        waiter.Node = null;
        _waitingCount--;
    }

    private sealed class Waiter(WorkerPool pool, CancellationToken cancellationToken)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private CancellationTokenRegistration _registration;

        /// <summary>Its place in a queue; null once it has left (guarded by the pool's lock).</summary>
        public LinkedListNode<Waiter>? Node { get; set; }

        public void Watch()
            => _registration = cancellationToken.UnsafeRegister(static state => { var w = (Waiter)state!; w.Pool.Cancel(w); }, this);

        /// <summary>Hands it the worker (outside the pool's lock; it has left its queue).</summary>
        public void Grant()
        {
            _registration.Unregister();
            TrySetResult();
        }

        public void Cancelled() => TrySetCanceled(cancellationToken);

        private WorkerPool Pool => pool;
    }
}
