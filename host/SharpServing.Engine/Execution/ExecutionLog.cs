using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Execution;

/// <summary>Log messages of request execution. Client faults at Debug/Information, server faults at Error.</summary>
internal static partial class ExecutionLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Request {Servable}.{Method} refused: {Error}")]
    public static partial void RequestRefused(ILogger logger, string servable, string method, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Request {Servable}.{Method} refused: {Limit} requests are already pending")]
    public static partial void QueueFull(ILogger logger, string servable, string method, int limit);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "A run of model {Model} with {BatchSize} instances failed")]
    public static partial void BatchFailed(ILogger logger, string model, int batchSize, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "A run of model {Model} with {BatchSize} instances was stopped: every instance was cancelled")]
    public static partial void BatchCancelled(ILogger logger, string model, int batchSize);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Stage {Stage} of {Servable}.{Method} failed")]
    public static partial void StageFailed(ILogger logger, int stage, string servable, string method, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is stopping with {Pending} requests pending")]
    public static partial void Stopping(ILogger logger, string servable, long version, int pending);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
        Message = "Servable {Servable} version {Version} did not drain within {Timeout}; queued work fails and model runs stop")]
    public static partial void DrainTimedOut(ILogger logger, string servable, long version, TimeSpan timeout);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} stopped")]
    public static partial void Stopped(ILogger logger, string servable, long version);
}
