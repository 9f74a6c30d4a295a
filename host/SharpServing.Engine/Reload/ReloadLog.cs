using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Reload;

internal static partial class ReloadLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Watching {Roots} for servable changes (quiet period {DebounceMs} ms, rescan every {RescanMs} ms)")]
    public static partial void Watching(ILogger logger, string roots, long debounceMs, long rescanMs);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "The servables root {Root} does not exist: it is not watched")]
    public static partial void RootMissing(ILogger logger, string root);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} loads: {Reason}")]
    public static partial void Loading(ILogger logger, string servable, long version, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Error,
        Message = "Servable {Servable} version {Version} was not swapped in, what served before still serves: {Reason}")]
    public static partial void SwapFailed(ILogger logger, string servable, long version, string reason);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} unloads: {Reason}")]
    public static partial void Unloading(ILogger logger, string servable, long version, string reason);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Error, Message = "A reload pass failed; the next change or rescan tries again")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1307, Level = LogLevel.Warning, Message = "The servables root {Root} cannot be listed, nothing changes this pass: {Reason}")]
    public static partial void RootUnreadable(ILogger logger, string root, string reason);

    [LoggerMessage(EventId = 1308, Level = LogLevel.Warning, Message = "File change events were lost (queue overflow); rescanning every servable")]
    public static partial void EventsLost(ILogger logger);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Debug, Message = "The reload work of servable {Servable} was cancelled: the server is stopping")]
    public static partial void ApplyCancelled(ILogger logger, string servable);
}
