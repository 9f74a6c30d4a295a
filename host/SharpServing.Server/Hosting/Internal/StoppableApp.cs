using Microsoft.AspNetCore.Builder;

namespace SharpServing.Server.Hosting.Internal;

/// <summary>
/// A started listener's application with a bounded, once-only stop: stop accepting, let requests in flight finish (at
/// most 5 s, or until the caller's token fires), release it. Later calls do nothing.
/// </summary>
internal sealed class StoppableApp(WebApplication app)
{
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);
    private int _stopped;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_shutdownTimeout);
            await app.StopAsync(timeout.Token);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
