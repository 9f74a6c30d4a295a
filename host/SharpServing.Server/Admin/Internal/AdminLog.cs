using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Admin.Internal;

/// <summary>Log messages of the admin endpoints (4101–4199).</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Admin request {Method} {Path}: {Status}")]
    public static partial void Answered(ILogger logger, string method, string path, int status);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Admin request {Method} {Path} failed")]
    public static partial void Failed(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "The control API at {Address} asks for no token: anyone who can reach this address can reload and unload servables")]
    public static partial void NoToken(ILogger logger, string address);
}
