using System.Net;
using Microsoft.AspNetCore.Builder;

namespace SharpServing.Server.Rest;

/// <summary>A running RESTful server (see <see cref="RestServerHost"/>). Disposing it stops it.</summary>
public sealed class RestServer : IAsyncDisposable
{
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

    /// <summary>Stops accepting connections and waits for requests in flight, at most until <paramref name="cancellationToken"/> fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <summary>Stops the server (waiting up to 5 s for requests in flight) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await StopAsync(timeout.Token);
        }
        await _app.DisposeAsync();
    }
}
