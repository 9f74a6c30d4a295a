using System.Collections.Frozen;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// The first middleware of the gRPC endpoint, before routing. A POST to the exact path of a bound gRPC method
/// (<c>/mindspore.serving.proto.MSService/Predict</c>) gets its endpoint from a dictionary, so routing skips its matcher:
/// the route table also holds grpc-dotnet's "unimplemented method/service" patterns, whose captures the matcher evaluates
/// (strings, a route value dictionary) on every call. Any other request is routed as before. Every gRPC service here is a
/// singleton, so calls resolve them from the root provider instead of a request scope made and disposed per call.
/// </summary>
internal static class GrpcMethodEndpoints
{
    public static void Use(WebApplication app)
    {
        var sources = ((IEndpointRouteBuilder)app).DataSources;
        var services = new RootServices(app.Services);
        // Services are mapped after this middleware is added: the table is built on the first request (a race builds it
        // twice, the same both times).
        FrozenDictionary<string, Endpoint>? byPath = null;
        app.Use((context, next) =>
        {
            context.Features.Set<IServiceProvidersFeature>(services);
            var endpoints = byPath ??= Build(sources);
            if (HttpMethods.IsPost(context.Request.Method)
                && context.Request.Path.Value is { } path
                && endpoints.TryGetValue(path, out var endpoint))
            {
                context.SetEndpoint(endpoint);
            }
            return next(context);
        });
    }

    private static FrozenDictionary<string, Endpoint> Build(ICollection<EndpointDataSource> sources)
    {
        var byPath = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            if (endpoint.RoutePattern.Parameters.Count == 0
                && endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null
                && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Post, StringComparer.Ordinal)
                && endpoint.RoutePattern.RawText is { } text)
            {
                byPath.TryAdd(text.StartsWith('/') ? text : "/" + text, endpoint);
            }
        }
        return byPath.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed class RootServices(IServiceProvider services) : IServiceProvidersFeature
    {
        public IServiceProvider RequestServices
        {
            get => services;
            set => throw new NotSupportedException("The gRPC endpoint's services are the root provider's.");
        }
    }
}
