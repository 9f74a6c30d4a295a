using System.Net;
using Microsoft.AspNetCore.Builder;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Rest;

/// <summary>A running RESTful server (see <see cref="RestServerHost"/>). Disposing it stops it.</summary>
public sealed class RestServer : IAsyncDisposable
{
    private readonly StoppableApp _app;

    internal RestServer(WebApplication app, string address, EndPoint localEndPoint)
    {
        _app = new StoppableApp(app);
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
    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
