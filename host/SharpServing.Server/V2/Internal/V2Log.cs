using Microsoft.Extensions.Logging;

namespace SharpServing.Server.V2.Internal;

/// <summary>Log messages of the Open Inference Protocol front ends (4201–4299).</summary>
internal static partial class V2Log
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "V2 request {Method} {Path} answered {Status}: {Error}")]
    public static partial void Refused(ILogger logger, string method, string path, int status, string error);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "V2 request {Method} {Path} failed")]
    public static partial void Failed(ILogger logger, Exception exception, string method, string path);
}
