using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SharpServing.Server.Observability;

/// <summary>
/// The Open Inference Protocol's health paths: <c>GET /v2/health/live</c> (200 while the process serves HTTP) and
/// <c>GET /v2/health/ready</c> (200 when ready, 503 otherwise), with bodies <c>{"live":true}</c> and
/// <c>{"ready":true|false}</c>. Reachable without any control-API token.
/// </summary>
public static class HealthProbes
{
    /// <summary>The liveness path.</summary>
    public const string LivePath = "/v2/health/live";

    /// <summary>The readiness path.</summary>
    public const string ReadyPath = "/v2/health/ready";

    /// <summary>Adds a middleware answering the two paths; <paramref name="isReady"/> is asked on each readiness probe.</summary>
    public static IApplicationBuilder Map(IApplicationBuilder app, Func<bool> isReady)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(isReady);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var live = path.Equals(LivePath, StringComparison.Ordinal);
            if (!live && !path.Equals(ReadyPath, StringComparison.Ordinal))
            {
                await next(context);
                return;
            }
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return;
            }
            var ok = live || isReady();
            context.Response.StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(live ? """{"live":true}""" : ok ? """{"ready":true}""" : """{"ready":false}""",
                context.RequestAborted);
        });
        return app;
    }
}
