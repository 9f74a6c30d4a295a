using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Rest;

/// <summary>
/// Starts MindSpore Serving's RESTful API on its own Kestrel server: HTTP/1.1 on cleartext (as MindSpore Serving's),
/// HTTP/1.1 and HTTP/2 chosen by ALPN over TLS, idle timeout 100 s, HTTPS and mutual TLS from an <see cref="SslConfig"/>.
/// </summary>
public static class RestServerHost
{
    /// <summary>Keep-alive idle timeout of RESTful connections.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// <c>start_restful_server(address, max_msg_mb_size, ssl_config)</c>: validates <paramref name="maxMsgMbSize"/>
    /// (1..512) and <paramref name="address"/> (<c>&lt;ip&gt;:&lt;port&gt;</c>, port 1..65535, no unix socket), loads
    /// the TLS files, binds, and prints <c>Serving: Serving RESTful server start success, listening on &lt;address&gt;</c>
    /// to <paramref name="output"/> (default: standard output).
    /// </summary>
    /// <exception cref="ServerStartException">With the exact text of the failure (specification 5.1 to 5.3).</exception>
    public static Task<RestServer> StartAsync(
        string address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor,
        ILoggerFactory? loggerFactory = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (maxMsgMbSize is < 1 or > 512)
        {
            throw new ServerStartException(RestOptions.MaxMessageMbSizeRangeMessage);
        }
        return StartAsync(Addresses.ParseRestful(address), new RestOptions { MaxMessageMbSize = maxMsgMbSize }, ssl, predictor,
            loggerFactory, output ?? Console.Out, cancellationToken);
    }

    /// <summary>
    /// Starts on a parsed address (<see cref="ListenAddress.Tcp"/> may ask for port 0: any free port) and writes the
    /// startup line to <paramref name="output"/> (nothing when null).
    /// </summary>
    /// <exception cref="ServerStartException">A unix socket address, bad TLS files, or the bind failed.</exception>
    public static Task<RestServer> StartAsync(
        ListenAddress address, RestOptions options, SslConfig? ssl, IPredictor predictor, ILoggerFactory? loggerFactory,
        TextWriter? output, CancellationToken cancellationToken)
        => StartAsync(address, options, ssl, predictor, loggerFactory, output, mapFirst: null, FrontEndLimits.Default(), cancellationToken);

    /// <summary>As above; <paramref name="mapFirst"/> adds middleware (the admin endpoints) ahead of the MindSpore handler,
    /// which answers every request that reaches it.</summary>
    internal static async Task<RestServer> StartAsync(
        ListenAddress address, RestOptions options, SslConfig? ssl, IPredictor predictor, ILoggerFactory? loggerFactory,
        TextWriter? output, Action<IApplicationBuilder, ILogger>? mapFirst, FrontEndLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(predictor);
        if (address.IsUnixSocket)
        {
            throw new ServerStartException("Serving Error: RESTful server does not support binding to unix domain socket");
        }
        var https = ssl is null ? null : TlsSetup.CreateHttpsOptions(ssl);
        if (!address.TryCreateEndPoint(out var endPoint) || endPoint is not IPEndPoint ipEndPoint)
        {
            throw new ServerStartException(Addresses.RestfulBindFailed(address.Text));
        }
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger(typeof(RestServerHost));
        ListenOptions? listenOptions = null;
        var app = Build(ipEndPoint, https, loggerFactory, limits, listen => listenOptions = listen);
        mapFirst?.Invoke(app, logger);
        app.Run(new RestRequestHandler(predictor, options, logger, limits).HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidOperationException)
        {
            await app.DisposeAsync();
            throw new ServerStartException(Addresses.RestfulBindFailed(address.Text), ex);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = listenOptions?.IPEndPoint ?? ipEndPoint;
        var text = address.Port == 0 ? bound.ToString() : address.Text;
        RestLog.Listening(logger, text);
        output?.WriteLine(Addresses.RestfulStartSuccess(text));
        return new RestServer(app, text, bound);
    }

    private static WebApplication Build(
        IPEndPoint endPoint, HttpsConnectionAdapterOptions? https, ILoggerFactory loggerFactory, FrontEndLimits limits, Action<ListenOptions> bound)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.KeepAliveTimeout = IdleTimeout;
            kestrel.Limits.MaxRequestBodySize = null; // the handler enforces max_msg_mb_size itself
            limits.Apply(kestrel);
            kestrel.Listen(endPoint, listen =>
            {
                // Without TLS there is no ALPN to choose HTTP/2 by: cleartext is HTTP/1.1 only.
                listen.Protocols = https is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (https is not null)
                {
                    listen.UseHttps(https);
                }
                bound(listen);
            });
        });
        return builder.Build();
    }
}
