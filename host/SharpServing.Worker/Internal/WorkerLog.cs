using Microsoft.Extensions.Logging;

namespace SharpServing.Worker.Internal;

internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "Worker of servable {Servable} version {Version} started (pid {Pid}) in {ElapsedMs} ms.")]
    public static partial void Started(ILogger logger, string servable, long version, int pid, long elapsedMs);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error,
        Message = "Worker of servable {Servable} version {Version} (pid {Pid}) {Cause}; restarting it in {DelayMs} ms.")]
    public static partial void Exited(ILogger logger, string servable, long version, int pid, string cause, long delayMs);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information,
        Message = "Worker of servable {Servable} version {Version} serves again (pid {Pid}, restart {Restarts}).")]
    public static partial void Restarted(ILogger logger, string servable, long version, int pid, int restarts);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error,
        Message = "Worker of servable {Servable} version {Version} could not be started again: {Reason}; next try in {DelayMs} ms.")]
    public static partial void RestartFailed(ILogger logger, string servable, long version, string reason, long delayMs);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning,
        Message = "Killing the worker of servable {Servable} version {Version} (pid {Pid}): {Cause}.")]
    public static partial void Killing(ILogger logger, string servable, long version, int pid, string cause);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "[worker {Servable}/{Version} pid {Pid}] {Line}")]
    public static partial void Output(ILogger logger, string servable, long version, int pid, string line);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information,
        Message = "Worker of servable {Servable} version {Version} (pid {Pid}) stopped.")]
    public static partial void Stopped(ILogger logger, string servable, long version, int pid);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Error,
        Message = "A worker status handler of servable {Servable} version {Version} failed.")]
    public static partial void StatusHandlerFailed(ILogger logger, Exception exception, string servable, long version);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Error, Message = "The server's connection to this worker failed: {Reason}.")]
    public static partial void ConnectionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Error, Message = "A request to method {Method} failed in the worker.")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string method);
}
