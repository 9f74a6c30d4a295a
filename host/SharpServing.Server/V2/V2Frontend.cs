using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Engine.Reload;
using SharpServing.Server.Admin;
using SharpServing.Server.Hosting.Internal;
using SharpServing.Server.V2.Internal;

namespace SharpServing.Server.V2;

/// <summary>
/// The Open Inference Protocol (KServe V2) front ends over the same servables and predictor as MindSpore Serving's
/// (docs/kserve-v2.md): <c>inference.GRPCInferenceService</c> on the gRPC listener, <c>/v2/...</c> on the REST listener.
/// </summary>
public sealed class V2Frontend
{
    /// <summary>The server name of the server metadata.</summary>
    public const string ServerName = "sharpserving";

    /// <summary>The text of a repository call the authorization refused.</summary>
    public const string RepositoryDenied = "the model repository extension needs the control API's credentials";

    /// <summary>The protocol extensions served, as server metadata lists them.</summary>
    public static readonly IReadOnlyList<string> Extensions = ["binary_tensor_data", "model_repository", "statistics"];

    private readonly Func<bool> _isReady;
    private readonly Func<ServerCallContext, bool> _authorizeRepository;

    /// <param name="coordinator">The servables and their control operations (the repository extension calls them).</param>
    /// <param name="predictor">What runs requests: the server's observed dispatcher.</param>
    /// <param name="isReady">The server's readiness.</param>
    /// <param name="authorizeRepository">Whether a gRPC call may use the repository extension; null denies every call.</param>
    public V2Frontend(ReloadCoordinator coordinator, IPredictor predictor, Func<bool> isReady, Func<ServerCallContext, bool>? authorizeRepository = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(isReady);
        Catalog = new V2Catalog(coordinator.Manager);
        Inference = new V2Inference(Catalog, predictor);
        Repository = new V2Repository(coordinator);
        Statistics = new V2Statistics(Catalog);
        _isReady = isReady;
        _authorizeRepository = authorizeRepository ?? (static _ => false);
    }

    /// <summary>The server version of the server metadata: the assembly's informational version.</summary>
    public static string ServerVersion { get; } =
        typeof(V2Frontend).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    internal V2Catalog Catalog { get; }

    internal V2Inference Inference { get; }

    internal V2Repository Repository { get; }

    internal V2Statistics Statistics { get; }

    internal bool IsReady() => _isReady();

    internal bool AuthorizeRepository(ServerCallContext context) => _authorizeRepository(context);

    /// <summary>Adds the inference and metadata paths (<c>/v2</c>, <c>/v2/models/...</c>) to the REST listener.</summary>
    /// <param name="app">The REST listener's application.</param>
    /// <param name="maxMessageBytes">The body limit (the RESTful server's).</param>
    /// <param name="logger">Where refused and failed requests are logged.</param>
    public IApplicationBuilder MapRest(IApplicationBuilder app, long maxMessageBytes, ILogger? logger = null)
        => MapRest(app, maxMessageBytes, FrontEndLimits.Default(), logger);

    /// <summary>As above, with the server's limits: request bodies are charged to its request byte budget and must arrive
    /// within its request body timeout.</summary>
    internal IApplicationBuilder MapRest(IApplicationBuilder app, long maxMessageBytes, FrontEndLimits limits, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(limits);
        var handler = new V2RestHandler(this, maxMessageBytes, limits, logger ?? NullLogger.Instance);
        app.Use(async (context, next) =>
        {
            if (!await handler.TryHandleAsync(context))
            {
                await next(context);
            }
        });
        return app;
    }

    /// <summary>Adds the repository extension's paths (<c>/v2/repository/...</c>) behind <paramref name="access"/>, the
    /// control API's access rules; mapped where the control API is.</summary>
    public IApplicationBuilder MapRepositoryRest(IApplicationBuilder app, AdminAccess access, ILogger? logger = null)
        => MapRepositoryRest(app, access, FrontEndLimits.Default(), logger);

    /// <summary>As above, with the server's limits: the index request's body is charged to its request byte budget and
    /// must arrive within its request body timeout.</summary>
    internal IApplicationBuilder MapRepositoryRest(IApplicationBuilder app, AdminAccess access, FrontEndLimits limits, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(limits);
        var handler = new V2RepositoryRestHandler(this, access, limits, logger ?? NullLogger.Instance);
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
