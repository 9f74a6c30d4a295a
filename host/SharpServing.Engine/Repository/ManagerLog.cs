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

    [LoggerMessage(EventId = 1207, Level = LogLevel.Error,
        Message = "Servable {Servable} version {Version} did not load within the load time limit of {LimitMs} ms; the load is abandoned")]
    public static partial void LoadAbandoned(ILogger logger, string servable, long version, long limitMs);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "An abandoned load of servable {Servable} ended: {Outcome}")]
    public static partial void AbandonedLoadEnded(ILogger logger, string servable, string outcome);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Warning,
        Message = "Servable {Servable} version {Version} is unloaded but {Running} of its stage calls are still running past their time limit; its code stays loaded until they return")]
    public static partial void CodeStillRunning(ILogger logger, string servable, long version, int running);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is loading on demand (lazy loading)")]
    public static partial void LoadingOnDemand(ILogger logger, string servable, long version);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning,
        Message = "A request for servable {Servable} waited the load time limit of {LimitMs} ms for its load and was answered 'not available'")]
    public static partial void OnDemandLoadSlow(ILogger logger, string servable, long limitMs);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Information,
        Message = "Servable {Servable} version {Version} ({Bytes} bytes) is unloaded to make room under the loaded memory budget (least recently used)")]
    public static partial void Evicted(ILogger logger, string servable, long version, long bytes);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning,
        Message = "Loading servable {Servable} version {Version} passes the loaded memory budget ({UsedBytes} of {BudgetBytes} bytes): every other loaded version is in use")]
    public static partial void OverBudget(ILogger logger, string servable, long version, long usedBytes, long budgetBytes);
}
