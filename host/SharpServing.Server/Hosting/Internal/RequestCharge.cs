namespace SharpServing.Server.Hosting.Internal;

/// <summary>
/// What one request has taken from the <see cref="RequestByteBudget"/>; disposing it gives everything back. The charge of
/// the request being served flows with its async context (<see cref="Current"/>), so code that grpc-dotnet calls without
/// the request (the decompression stream) can charge it too.
/// </summary>
internal sealed class RequestCharge(RequestByteBudget budget) : IDisposable
{
    private static readonly AsyncLocal<RequestCharge?> s_current = new();
    private long _taken;

    /// <summary>The charge of the request whose code runs now, or null.</summary>
    public static RequestCharge? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    public RequestByteBudget Budget => budget;

    /// <summary>The inflated size already charged for the request's compressed message (from its gzip trailer); -1 when
    /// none was, and inflated bytes are charged as they come.</summary>
    public long InflateAllowance { get; set; } = -1;

    /// <summary>Bytes this request holds.</summary>
    public long Taken => Volatile.Read(ref _taken);

    /// <summary>Adds <paramref name="bytes"/> to the request's charge when the budget has room.</summary>
    public bool TryAdd(long bytes)
    {
        if (!budget.TryTake(bytes))
        {
            return false;
        }
        Interlocked.Add(ref _taken, bytes);
        return true;
    }

    public void Dispose()
    {
        var taken = Interlocked.Exchange(ref _taken, 0);
        if (taken > 0)
        {
            budget.Return(taken);
        }
    }
}
