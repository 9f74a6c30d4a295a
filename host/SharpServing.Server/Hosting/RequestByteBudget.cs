namespace SharpServing.Server.Hosting;

/// <summary>
/// The server-wide budget of request bytes in flight (<c>max_inflight_mb</c>, docs/security.md): both front ends take
/// a request's bytes from it before they buffer them and give them back when the request ends. Thread-safe, lock-free.
/// </summary>
public sealed class RequestByteBudget
{
    private long _inFlight;

    /// <summary>A budget of <paramref name="limitBytes"/> bytes (at least 1).</summary>
    public RequestByteBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 1);
        Limit = limitBytes;
    }

    /// <summary>The budget in bytes.</summary>
    public long Limit { get; }

    /// <summary>Bytes taken now.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes <paramref name="bytes"/> when they fit; false (nothing taken) when they do not.</summary>
    public bool TryTake(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var current = Volatile.Read(ref _inFlight);
        while (true)
        {
            if (bytes > Limit - current)
            {
                return false;
            }
            var seen = Interlocked.CompareExchange(ref _inFlight, current + bytes, current);
            if (seen == current)
            {
                return true;
            }
            current = seen;
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> taken before.</summary>
    public void Return(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _inFlight, -bytes);
    }

    /// <summary>How every refusal text begins.</summary>
    internal const string RefusalPrefix = "Serving Error: request bytes in flight would exceed";

    /// <summary>The refusal text: what was asked and the limit.</summary>
    internal string RefusalMessage(long asked)
        => $"{RefusalPrefix} the server's limit of {Limit} bytes (max_inflight_mb); {asked} more bytes were refused, try again later";
}
