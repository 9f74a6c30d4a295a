using Microsoft.AspNetCore.Server.Kestrel.Core;
using SharpServing.Engine.Configuration;

namespace SharpServing.Server.Hosting.Internal;

/// <summary>The limits a front end's Kestrel server and body readers apply (docs/security.md).</summary>
internal sealed record FrontEndLimits(
    RequestByteBudget Budget, int MaxConnections, int Http2MaxStreams, int MinRequestBodyBytesPerSecond, TimeSpan RequestBodyTimeout)
{
    /// <summary>The limits of <paramref name="limits"/> over the shared <paramref name="budget"/>.</summary>
    public static FrontEndLimits From(ConnectionLimits limits, RequestByteBudget budget)
        => new(budget, limits.MaxConnections, limits.Http2MaxStreams, limits.MinRequestBodyBytesPerSecond, limits.RequestBodyTimeout);

    /// <summary>The defaults, over a budget of their own (a front end started alone).</summary>
    public static FrontEndLimits Default()
    {
        var defaults = new ConnectionLimits();
        return From(defaults, new RequestByteBudget(defaults.MaxInflightBytes));
    }

    /// <summary>Connection count, HTTP/2 streams and the minimum body data rate on <paramref name="options"/>.</summary>
    public void Apply(KestrelServerOptions options)
    {
        options.Limits.MaxConcurrentConnections = MaxConnections;
        options.Limits.MaxConcurrentUpgradedConnections = MaxConnections;
        options.Limits.Http2.MaxStreamsPerConnection = Http2MaxStreams;
        options.Limits.MinRequestBodyDataRate = MinRequestBodyBytesPerSecond == 0
            ? null
            : new MinDataRate(MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
    }
}
