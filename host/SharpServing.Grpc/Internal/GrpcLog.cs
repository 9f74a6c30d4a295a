using Microsoft.Extensions.Logging;

namespace SharpServing.Grpc.Internal;

internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with status {Status}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, GrpcStatusCode status, string detail);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Method} passed its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client; nothing is sent")]
    public static partial void ClientGone(ILogger logger, string method);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "gRPC handler of {Method} threw")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "gRPC request rejected for its {What}: {Value}")]
    public static partial void RequestRejected(ILogger logger, string what, string? value);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "gRPC handler of {Method} still ran when its deadline passed; the reply was sent without it")]
    public static partial void HandlerOutlivedDeadline(ILogger logger, string method);
}
