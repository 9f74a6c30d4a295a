namespace SharpServing.Engine.Execution;

/// <summary>
/// The metric series of one (servable, method), process-wide: its request series (by version, protocol and reason), its
/// instances executed and its pending requests. Counted here and read by the observable instruments when a listener
/// collects, so a request adds to counts instead of making measurements.
/// </summary>
internal sealed class MethodSeries(string servable, string method)
{
    private readonly Lock _lock = new();

    // Copy on write: a request reads it without a lock; a new series (rare) copies it under the lock.
    private RequestSeries[] _requests = [];

    private long _instancesOk;
    private long _instancesFailed;
    private long _pending;

    public string Servable { get; } = servable;

    public string Method { get; } = method;

    public long InstancesOk => Volatile.Read(ref _instancesOk);

    public long InstancesFailed => Volatile.Read(ref _instancesFailed);

    public long Pending => Volatile.Read(ref _pending);

    /// <summary>Whether a dispatcher counts pending requests here (an unresolved name never does).</summary>
    public bool Dispatched { get; set; }

    public IReadOnlyList<RequestSeries> Requests => Volatile.Read(ref _requests);

    /// <summary>The series of (<paramref name="version"/>, <paramref name="protocol"/>, <paramref name="reason"/>).</summary>
    public RequestSeries Request(long version, string protocol, string reason)
    {
        foreach (var series in Volatile.Read(ref _requests))
        {
            if (series.Version == version && string.Equals(series.Reason, reason, StringComparison.Ordinal)
                && string.Equals(series.Protocol, protocol, StringComparison.Ordinal))
            {
                return series;
            }
        }
        lock (_lock)
        {
            foreach (var series in _requests)
            {
                if (series.Version == version && series.Reason == reason && series.Protocol == protocol)
                {
                    return series;
                }
            }
            var added = new RequestSeries(Servable, Method, version, protocol, reason);
            Volatile.Write(ref _requests, [.. _requests, added]);
            return added;
        }
    }

    public void Executed(int instances, bool ok) => Interlocked.Add(ref ok ? ref _instancesOk : ref _instancesFailed, instances);

    public void Started() => Interlocked.Increment(ref _pending);

    public void Answered() => Interlocked.Decrement(ref _pending);
}
