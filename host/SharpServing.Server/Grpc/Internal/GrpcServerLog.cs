using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Grpc.Internal;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "gRPC server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);
}
