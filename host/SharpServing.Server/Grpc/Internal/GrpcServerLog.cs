using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>The gRPC front end's log events (2001–2099).</summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "gRPC server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with status {Status}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode status, string detail);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled (client gone or deadline passed); nothing is sent")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "gRPC handler of {Method} threw")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "gRPC call {Method} refused before it was read ({Bytes} bytes asked): {Reason}")]
    public static partial void Refused(ILogger logger, string method, long bytes, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "gRPC call {Method} reset: its request message did not arrive within {TimeoutMs} ms")]
    public static partial void BodyTimedOut(ILogger logger, string method, double timeoutMs);
}
