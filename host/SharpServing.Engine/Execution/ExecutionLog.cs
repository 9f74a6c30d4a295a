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

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "Stage {Stage} of {Servable}.{Method} failed for {Failed} of {Instances} instances of a request; the first error: {Error}")]
    public static partial void StageFailed(ILogger logger, int stage, string servable, string method, int failed, int instances, string error);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Stage {Stage} of {Servable}.{Method}: the first error of the request")]
    public static partial void StageFailedDetail(ILogger logger, int stage, string servable, string method, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning,
        Message = "Request {Servable}.{Method} did not finish within its time limit of {LimitMs} ms and failed")]
    public static partial void RequestTimedOut(ILogger logger, string servable, string method, long limitMs);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning,
        Message = "A call of stage {Stage} of {Servable}.{Method} is still running after its request ended; its worker is replaced "
            + "({Running} abandoned calls of this version still running; a thread cannot be stopped, the code runs until it returns)")]
    public static partial void CallAbandoned(ILogger logger, int stage, string servable, string method, int running);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning,
        Message = "Servable {Servable} version {Version} stopped with {Running} abandoned stage calls still running; its code stays loaded until they return")]
    public static partial void StoppedWithRunningCalls(ILogger logger, string servable, long version, int running);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} is stopping with {Pending} requests pending")]
    public static partial void Stopping(ILogger logger, string servable, long version, int pending);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
        Message = "Servable {Servable} version {Version} did not drain within {Timeout}; queued work fails and model runs stop")]
    public static partial void DrainTimedOut(ILogger logger, string servable, long version, TimeSpan timeout);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Servable {Servable} version {Version} stopped")]
    public static partial void Stopped(ILogger logger, string servable, long version);
}
