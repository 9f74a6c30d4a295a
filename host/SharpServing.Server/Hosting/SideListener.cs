using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Hosting;

/// <summary>
/// A small HTTP listener of its own beside the inference front ends: the admin listener (control API) and the metrics
/// listener. TCP or a unix socket; HTTP/1.1 on cleartext, HTTP/1.1 and HTTP/2 over TLS. Disposing it stops it.
/// </summary>
public sealed class SideListener : StartedListener
{
    private SideListener(WebApplication app, string address, EndPoint localEndPoint)
        : base(app, address, localEndPoint)
    {
    }

    /// <summary>Binds <paramref name="address"/> and serves what <paramref name="map"/> adds; anything else is 404.</summary>
    /// <exception cref="ServerStartException">The address cannot be bound; the message names <paramref name="what"/>.</exception>
    internal static async Task<SideListener> StartAsync(
        string what, ListenAddress address, HttpsConnectionAdapterOptions? https, int maxConnections, ILoggerFactory loggerFactory,
        Action<IApplicationBuilder> map, CancellationToken cancellationToken)
    {
        if (!address.TryCreateEndPoint(out var endPoint))
        {
            throw new ServerStartException($"Serving Error: {what} server start failed, create server failed, address {address.Text}");
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        ListenOptions? bound = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = maxConnections;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(endPoint!, listen =>
            {
                listen.Protocols = https is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (https is not null)
                {
                    listen.UseHttps(https);
                }
                bound = listen;
            });
        });
        var app = builder.Build();
        map(app);
        app.Run(context =>
        {
            context.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new ServerStartException($"Serving Error: {what} server start failed, create server failed, address {address.Text}", ex);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var local = bound?.IPEndPoint ?? endPoint!;
        var text = address.Port == 0 && !address.IsUnixSocket ? local.ToString()! : address.Text;
        return new SideListener(app, text, local);
    }
}
