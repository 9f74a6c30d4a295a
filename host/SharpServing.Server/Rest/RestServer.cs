using System.Net;
using Microsoft.AspNetCore.Builder;

namespace SharpServing.Server.Rest;

/// <summary>A running RESTful server (see <see cref="RestServerHost"/>). Disposing it stops it.</summary>
public sealed class RestServer : IAsyncDisposable
{
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);
    private readonly WebApplication _app;
    private int _stopped;

    internal RestServer(WebApplication app, string address, EndPoint localEndPoint)
    {
        _app = app;
        Address = address;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The address as given, or the bound address when port 0 was asked for.</summary>
    public string Address { get; }

    /// <summary>The bound endpoint (with the actual port).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The bound TCP port.</summary>
    public int Port => LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>
    /// Stops accepting connections, waits for requests in flight (at most 5 s, or until
    /// <paramref name="cancellationToken"/> fires), then releases the server. Later calls do nothing.
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
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
