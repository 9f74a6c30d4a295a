using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Rest;

/// <summary>MindSpore Serving's RESTful API (<c>POST /model/&lt;servable&gt;[/version/&lt;n&gt;]:&lt;method&gt;</c>) over an <see cref="IPredictor"/>.</summary>
public static class MindSporeRestService
{
    /// <summary>
    /// Answers every request reaching <paramref name="app"/> (a terminal middleware): HTTP 200, reason phrase
    /// <c>Client</c>, <c>Content-Type: application/json</c>, errors as <c>{"error_msg": …}</c>. The prediction is
    /// cancelled when the client goes away.
    /// </summary>
    public static IApplicationBuilder Map(IApplicationBuilder app, IPredictor predictor, RestOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(options);
        var handler = new RestRequestHandler(predictor, options, logger ?? NullLogger.Instance, Hosting.Internal.FrontEndLimits.Default());
        app.Run(handler.HandleAsync);
        return app;
    }
}
