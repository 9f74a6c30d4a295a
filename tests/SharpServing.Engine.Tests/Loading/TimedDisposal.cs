namespace SharpServing.Engine.Tests.Loading;

/// <summary>Disposal with a timeout, for <c>await using</c>: a test never waits forever on a drain.</summary>
internal static class TimedDisposal
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Disposer DisposeWithTimeout(this IAsyncDisposable disposable) => new(disposable);

    public static Task DisposeWithin(this IAsyncDisposable disposable) => disposable.DisposeAsync().AsTask().WaitAsync(Timeout);

    public readonly struct Disposer(IAsyncDisposable disposable) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await disposable.DisposeWithin();
    }
}
