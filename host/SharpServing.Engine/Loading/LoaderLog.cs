using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Loading;

internal static partial class LoaderLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Compiled servable_config.csx of servable {Servable} version {Version} in {ElapsedMs} ms")]
    public static partial void ScriptCompiled(ILogger logger, string servable, long version, long elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug,
        Message = "Loaded the compiled servable_config.csx of servable {Servable} version {Version} from the cache")]
    public static partial void ScriptFromCache(ILogger logger, string servable, long version);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Servable {Servable}: {Warning}")]
    public static partial void ScriptWarning(ILogger logger, string servable, string warning);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Compiled script cache: {Problem}; continuing without it")]
    public static partial void CacheProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information,
        Message = "Loaded servable {Servable} version {Version} ({ConfigKind}): {Models} models, {Methods} methods in {ElapsedMs} ms (sessions {SessionMs} ms)")]
    public static partial void VersionLoaded(ILogger logger, string servable, long version, string configKind, int models, int methods,
        long elapsedMs, long sessionMs);
}
