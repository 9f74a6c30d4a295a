using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Rest.Internal;

/// <summary>Log messages of the RESTful front end (4001–4099).</summary>
internal static partial class RestLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "RESTful request {Target} rejected: {Error}")]
    public static partial void RequestRejected(ILogger logger, string target, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "RESTful request {Target} abandoned: the client went away")]
    public static partial void ClientGone(ILogger logger, string target);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "RESTful request {Target} failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string target);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "RESTful server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);
}
