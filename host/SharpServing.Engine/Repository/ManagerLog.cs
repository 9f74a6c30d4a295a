using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Repository;

internal static partial class ManagerLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is available")]
    public static partial void Published(ILogger logger, string servable, long version);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Servable {Servable} version {Version} failed to start: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string servable, long version, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is unloading")]
    public static partial void Unloading(ILogger logger, string servable, long version);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is unloaded")]
    public static partial void Unloaded(ILogger logger, string servable, long version);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} warmed up {Models} models in {ElapsedMs} ms")]
    public static partial void WarmedUp(ILogger logger, string servable, long version, int models, long elapsedMs);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "A handler of the change of servable {Servable} failed")]
    public static partial void ChangedHandlerFailed(ILogger logger, Exception exception, string servable);
}
