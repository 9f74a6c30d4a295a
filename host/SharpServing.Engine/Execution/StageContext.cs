namespace SharpServing.Engine.Execution;

/// <summary>
/// The request a C# stage runs for, on the thread that runs it, so a <see cref="Model.Call(Tensor[])"/> from inside
/// the stage stops when the request is cancelled even though the stage's code never sees the token.
/// </summary>
internal static class StageContext
{
    [ThreadStatic]
    private static CancellationToken t_cancellationToken;

    public static CancellationToken CancellationToken => t_cancellationToken;

    public static Scope Enter(CancellationToken cancellationToken)
    {
        var previous = t_cancellationToken;
        t_cancellationToken = cancellationToken;
        return new Scope(previous);
    }

    public readonly struct Scope(CancellationToken previous) : IDisposable
    {
        public void Dispose() => t_cancellationToken = previous;
    }
}
