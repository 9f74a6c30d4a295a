using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Server.Hosting;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Rest;

/// <summary>
/// Starts MindSpore Serving's RESTful API on its own Kestrel server: HTTP/1.1 and HTTP/2 (h2c with prior knowledge, or
/// ALPN over TLS), idle timeout 100 s, HTTPS and mutual TLS from an <see cref="SslConfig"/>.
/// </summary>
public static class RestServerHost
{
    /// <summary>Keep-alive idle timeout of RESTful connections.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// MindSpore Serving's <c>start_restful_server(address, max_msg_mb_size, ssl_config)</c>: validates
    /// <paramref name="maxMsgMbSize"/> and the address (<c>&lt;ip&gt;:&lt;port&gt;</c>, port 1..65535), binds, prints
    /// <c>Serving: Serving RESTful server start success, listening on &lt;address&gt;</c> to standard output.
    /// </summary>
    /// <exception cref="ServerStartException">With the specification's text (sections 5.1 to 5.3).</exception>
    public static Task<RestServer> StartAsync(
        string address, int maxMsgMbSize, SslConfig? ssl, IPredictor predictor, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (maxMsgMbSize is < 1 or > 512)
        {
            throw new ServerStartException(RestOptions.MaxMessageMbSizeRangeMessage);
        }
        var listen = Addresses.ParseRestful(address);
        return StartAsync(listen, new RestOptions { MaxMessageMbSize = maxMsgMbSize }, ssl, predictor, loggerFactory, Console.Out, cancellationToken);
    }

    /// <summary>
    /// Starts on a parsed address (<see cref="ListenAddress.Tcp"/> allows port 0: any free port) and writes the
    /// startup line to <paramref name="output"/> (none when null).
    /// </summary>
    /// <exception cref="ServerStartException">Bad TLS files, or the bind failed.</exception>
    public static async Task<RestServer> StartAsync(
        ListenAddress address, RestOptions options, SslConfig? ssl, IPredictor predictor, ILoggerFactory? loggerFactory,
        TextWriter? output, CancellationToken cancellationToken)
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

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        ListenOptions? listenOptions = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.KeepAliveTimeout = IdleTimeout;
            kestrel.Limits.MaxRequestBodySize = null; // the handler enforces max_msg_mb_size itself
            // h2c connections look like TLS to Kestrel (see H2cPriorKnowledge): let their ":scheme http" through.
            kestrel.AllowAlternateSchemes = https is null;
            kestrel.Listen(ipEndPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (https is not null)
                {
                    listen.UseHttps(https);
                }
                else
                {
                    H2cPriorKnowledge.Use(listen, IdleTimeout);
                }
                listenOptions = listen;
            });
        });
        var app = builder.Build();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("SharpServing.Server.Rest");
        MindSporeRestService.Map(app, predictor, options, logger);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ServerStartException(Addresses.RestfulBindFailed(address.Text), e);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = listenOptions!.IPEndPoint ?? ipEndPoint;
        var shown = address.Port == 0 ? bound.ToString() : address.Text;
        output?.WriteLine($"Serving: Serving RESTful server start success, listening on {shown}");
        RestLog.Listening(logger, shown);
        return new RestServer(app, shown, bound);
    }
}
