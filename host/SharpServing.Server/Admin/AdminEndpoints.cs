using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Reload;
using SharpServing.Server.Admin.Internal;

namespace SharpServing.Server.Admin;

/// <summary>
/// The servable status and control endpoints (docs/hot-reload.md), under <c>/v1/servables</c>, a prefix MindSpore
/// Serving's paths (<c>/model/...</c>) never use; served on the admin listener (or, with <c>--admin public</c>, the
/// RESTful one), every request checked by an <see cref="AdminAccess"/> first (docs/security.md):
/// <list type="bullet">
/// <item><c>GET /v1/servables</c>: every servable with its version policy, versions, states, errors and methods.</item>
/// <item><c>GET /v1/servables/&lt;name&gt;</c>: one servable.</item>
/// <item><c>POST /v1/servables/&lt;name&gt;/reload</c>: load the servable again from its folder now.</item>
/// <item><c>POST /v1/servables/&lt;name&gt;/versions/&lt;n&gt;:load</c> and <c>:unload</c>: explicit control, with watching off.</item>
/// </list>
/// Answers are JSON with real HTTP status codes (200, 400, 401, 403, 404, 405, 409, 415, 422); errors read
/// <c>{"error_msg": "..."}</c>. Paths in status texts are relative to the servables root.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>The path prefix of every admin endpoint.</summary>
    public const string Prefix = "/v1/servables";

    /// <summary>Adds a middleware to <paramref name="app"/> that answers the admin paths (after <paramref name="access"/>
    /// lets the request through) and passes every other request on.</summary>
    public static IApplicationBuilder Map(IApplicationBuilder app, ReloadCoordinator coordinator, AdminAccess access, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(access);
        var handler = new AdminRequestHandler(coordinator, access, logger ?? NullLogger.Instance);
        app.Use(async (context, next) =>
        {
            if (!await handler.TryHandleAsync(context))
            {
                await next(context);
            }
        });
        return app;
    }
}
