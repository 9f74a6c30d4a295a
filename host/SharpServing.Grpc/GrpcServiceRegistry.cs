using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Grpc.Internal;

namespace SharpServing.Grpc;

/// <summary>
/// The gRPC methods of a server, and the endpoint that serves them: map <see cref="HandleAsync"/> with <c>app.Run</c>
/// (or as any <see cref="RequestDelegate"/>) on an HTTP/2 Kestrel endpoint.
/// </summary>
public sealed class GrpcServiceRegistry
{
    private readonly ConcurrentDictionary<string, MethodHandler> _methods = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    /// <param name="options">Message limits and clock; defaults when null.</param>
    /// <param name="logger">Where protocol events are logged; none when null.</param>
    public GrpcServiceRegistry(GrpcOptions? options = null, ILogger? logger = null)
    {
        Options = options ?? new GrpcOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The limits applied to every call.</summary>
    public GrpcOptions Options { get; }

    /// <summary>The registered method paths.</summary>
    public ICollection<string> Methods => _methods.Keys;

    /// <summary>Registers a unary method of Google.Protobuf messages, e.g. <c>/pkg.Service/Method</c>.</summary>
    /// <exception cref="InvalidOperationException">The path is registered already.</exception>
    public void AddUnary<TRequest, TReply>(
        string method, MessageParser<TRequest> parser, Func<TRequest, GrpcCallContext, Task<TReply>> handler)
        where TRequest : IMessage<TRequest>
        where TReply : IMessage<TReply>
    {
        ArgumentNullException.ThrowIfNull(parser);
        AddUnary(method, ProtobufMarshaller.For(parser), ReplyMarshaller<TReply>.Instance, handler);
    }

    /// <summary>Registers a unary method whose messages travel through the given marshallers.</summary>
    /// <exception cref="InvalidOperationException">The path is registered already.</exception>
    public void AddUnary<TRequest, TReply>(
        string method, GrpcMarshaller<TRequest> request, GrpcMarshaller<TReply> reply, Func<TRequest, GrpcCallContext, Task<TReply>> handler)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(handler);
        Add(method, new UnaryMethodHandler<TRequest, TReply>(request, reply, handler));
    }

    /// <summary>
    /// Registers a server-streaming method. The call ends with OK when the handler returns; cancellation of
    /// <see cref="GrpcCallContext.CancellationToken"/> (client gone) ends it without a status.
    /// </summary>
    /// <exception cref="InvalidOperationException">The path is registered already.</exception>
    public void AddServerStreaming<TRequest, TReply>(
        string method, MessageParser<TRequest> parser, Func<TRequest, GrpcStreamWriter<TReply>, GrpcCallContext, Task> handler)
        where TRequest : IMessage<TRequest>
        where TReply : IMessage<TReply>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        Add(method, new ServerStreamingMethodHandler<TRequest, TReply>(ProtobufMarshaller.For(parser), ReplyMarshaller<TReply>.Instance, handler));
    }

    /// <summary>Serves one HTTP request as a gRPC call (unknown paths get UNIMPLEMENTED).</summary>
    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return GrpcDispatcher.DispatchAsync(context, _methods, Options, _logger);
    }

    private void Add(string method, MethodHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method[0] != '/' || method.IndexOf('/', 1) < 0)
        {
            throw new ArgumentException($"A gRPC method path looks like /package.Service/Method, not '{method}'.", nameof(method));
        }
        if (!_methods.TryAdd(method, handler))
        {
            throw new InvalidOperationException($"The gRPC method {method} is registered already.");
        }
    }

    /// <summary>One write-only marshaller per reply type.</summary>
    private static class ReplyMarshaller<T>
        where T : IMessage<T>
    {
        public static readonly GrpcMarshaller<T> Instance = new(null, static m => m.CalculateSize(), static (m, output) => m.WriteTo(output));
    }
}
