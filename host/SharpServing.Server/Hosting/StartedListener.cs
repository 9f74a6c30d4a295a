using System.Net;
using Microsoft.AspNetCore.Builder;

namespace SharpServing.Server.Hosting;

/// <summary>
/// What the server's started HTTP listeners (<see cref="Rest.RestServer"/>, <see cref="SideListener"/>) have in common:
/// where they listen, and a bounded, once-only stop. Disposing one stops it.
/// </summary>
public abstract class StartedListener : IAsyncDisposable
{
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);
    private readonly WebApplication _app;
    private int _stopped;

    private protected StartedListener(WebApplication app, string address, EndPoint localEndPoint)
    {
        _app = app;
        Address = address;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The address as given, or the bound address when port 0 was asked for.</summary>
    public string Address { get; }

    /// <summary>The bound endpoint (with the actual port), or the unix socket.</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The bound TCP port; 0 for a unix socket.</summary>
    public int Port => LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>
    /// Stops accepting connections, lets requests in flight finish (at most 5 s, or until
    /// <paramref name="cancellationToken"/> fires), then releases the listener. Later calls do nothing.
    /// </summary>
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
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        GC.SuppressFinalize(this);
    }
}
