using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;

namespace SharpServing.Internal;

/// <summary>
/// Turns a failed call of Grpc.Net.Client into a <see cref="ServingRpcException"/>: its status and detail, except where
/// gRPC-core (what MindSpore Serving's Python client runs on) says it differently. The one place that maps failures.
/// </summary>
internal static class RpcFailure
{
    public static ServingRpcException ToServingRpcException(RpcException e)
    {
        var code = (GrpcStatusCode)(int)e.StatusCode;
        var detail = e.Status.Detail;
        var cause = e.Status.DebugException;
        if (ConnectFailure(code, cause) is { } connect)
        {
            // gRPC-core's text; a failed TLS handshake is a failed connection too (UNAVAILABLE).
            code = GrpcStatusCode.Unavailable;
            detail = $"failed to connect to all addresses; last error: {Describe(connect)}";
        }
        else if (Find<InvalidProtocolBufferException>(cause) is { } parse)
        {
            // The parser's exception is an IOException, which Grpc.Net.Client reports as UNAVAILABLE: a server that
            // answered with bytes that are not a PredictReply is not one to retry.
            code = GrpcStatusCode.Internal;
            detail = $"Failed to deserialize response message: {parse.Message}";
        }
        else if (code == GrpcStatusCode.Internal && Find<HttpRequestException>(cause) is not null && Find<HttpProtocolException>(cause) is null)
        {
            // The connection failed without a stream reset, e.g. the server closed it during the HTTP/2 handshake (a
            // mutual TLS server refusing a client without a certificate does that): UNAVAILABLE, as for gRPC-core.
            code = GrpcStatusCode.Unavailable;
        }
        else if (code == GrpcStatusCode.DeadlineExceeded && detail.Length == 0)
        {
            detail = "Deadline Exceeded";
        }
        return new ServingRpcException(code, detail, e);
    }

    /// <summary>
    /// The exception that says no connection could be made: the channel's own connect (a <see cref="SocketException"/>
    /// for its subchannel), or the HTTP handler's (TCP, unix socket, name resolution or TLS).
    /// </summary>
    private static Exception? ConnectFailure(GrpcStatusCode code, Exception? cause)
    {
        if (code == GrpcStatusCode.Unavailable && cause is SocketException)
        {
            return cause;
        }
        return Find<HttpRequestException>(cause) is { HttpRequestError: HttpRequestError.ConnectionError
            or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } http ? http : null;
    }

    private static T? Find<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    /// <summary>
    /// The messages of the exception chain, most specific kept: a message repeated inside another, or one that only says
    /// "see inner exception", is left out (<c>Connection refused (127.0.0.1:5500)</c>, not three variants of it).
    /// </summary>
    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message);
        }
        var kept = messages
            .Where((m, i) => !m.Contains("see inner exception", StringComparison.OrdinalIgnoreCase)
                && !messages.Where((other, j) => j != i && other.Contains(m, StringComparison.Ordinal) && (other.Length > m.Length || j < i)).Any())
            .ToList();
        return kept.Count == 0 ? e.Message : string.Join("; ", kept);
    }
}
