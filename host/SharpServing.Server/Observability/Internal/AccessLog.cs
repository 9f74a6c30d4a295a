using Microsoft.Extensions.Logging;

namespace SharpServing.Server.Observability.Internal;

/// <summary>The access log: category <c>SharpServing.AccessLog</c>, event id 9000, one line per request.</summary>
internal static partial class AccessLog
{
    public const string Category = "SharpServing.AccessLog";

    [LoggerMessage(EventId = 9000, EventName = "Request", Level = LogLevel.Information,
        Message = "servable={Servable} method={Method} version={Version} protocol={Protocol} status={Status} duration_ms={DurationMs:F3} bytes_in={BytesIn} bytes_out={BytesOut} trace_id={TraceId}")]
    public static partial void Request(ILogger logger, string servable, string method, ulong version, string protocol, string status,
        double durationMs, long bytesIn, long bytesOut, string traceId);
}
