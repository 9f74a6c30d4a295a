using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Proto = SharpServing.Protocol;

namespace SharpServing.Internal;

/// <summary>
/// One <see cref="GrpcChannel"/> (one HTTP/2 connection) and the generated Predict stub of a <see cref="Client"/>, with
/// the MindSpore Serving client's message limits; every failed call comes out as a <see cref="ServingRpcException"/>.
/// </summary>
internal sealed class PredictChannel : IDisposable
{
    /// <summary>The send and receive limit of the MindSpore Serving client: 512 MiB.</summary>
    public const int MaxMessageSize = 512 * 1024 * 1024;

    private readonly ServerAddress _address;
    // Null when the address cannot be parsed: every call then fails with the address's problem, as in gRPC.
    private readonly GrpcChannel? _channel;
    private readonly Proto.MSService.MSServiceClient? _stub;
    private bool _disposed;

    public PredictChannel(ServerAddress address, SslConfig? ssl)
    {
        _address = address;
        if (address.Problem is not null)
        {
            return;
        }
        var handler = HandlerFactory.Create(address, ssl);
        try
        {
            _channel = GrpcChannel.ForAddress(address.BaseUri(tls: ssl is not null), new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxSendMessageSize = MaxMessageSize,
                MaxReceiveMessageSize = MaxMessageSize,
            });
        }
        catch
        {
            handler.Dispose();
            throw;
        }
        _stub = new Proto.MSService.MSServiceClient(_channel);
    }

    /// <summary>
    /// Over the send limit → RESOURCE_EXHAUSTED with gRPC-core's text, before anything is sent (the call never starts,
    /// so <see cref="Client.InferAsync(object, CancellationToken)"/> can return it instead of faulting).
    /// </summary>
    public static void CheckSendSize(IMessage request)
    {
        var size = request.CalculateSize();
        if (size > MaxMessageSize)
        {
            throw new ServingRpcException(GrpcStatusCode.ResourceExhausted,
                string.Create(CultureInfo.InvariantCulture, $"Sent message larger than max ({size} vs. {MaxMessageSize})"));
        }
    }

    /// <summary>Calls Predict. <see cref="Timeout.InfiniteTimeSpan"/> = no deadline.</summary>
    /// <exception cref="ServingRpcException">The call ended with a non-OK status.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Proto.PredictReply> PredictAsync(Proto.PredictRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_address.Problem is { } problem)
        {
            throw new ServingRpcException(GrpcStatusCode.Unavailable, problem);
        }
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var call = _stub!.PredictAsync(request, new CallOptions(deadline: Deadline(timeout), cancellationToken: cancellationToken));
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        catch (RpcException e)
        {
            throw RpcFailure.ToServingRpcException(e);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _channel?.Dispose();
    }

    /// <summary>The call's deadline; none for an infinite timeout or one past <see cref="DateTime.MaxValue"/>.</summary>
    private static DateTime? Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return null;
        }
        var now = DateTime.UtcNow;
        return timeout < DateTime.MaxValue - now ? now + timeout : null;
    }
}
