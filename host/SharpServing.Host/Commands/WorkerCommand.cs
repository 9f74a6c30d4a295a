using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.ML.OnnxRuntime;
using SharpServing.OnnxRuntime;
using SharpServing.Worker;

namespace SharpServing.Host.Commands;

/// <summary>
/// <c>sharpserving worker ...</c>: a servable worker process (docs/isolation.md). Started and supervised by
/// <c>serve</c>, never by hand, so it is not in the usage text. It logs to standard error, which the server relays.
/// </summary>
internal static class WorkerCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        OrtEnvironment.Configure(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning));
        // The server stops its workers itself (it closes their input once they have drained): a Ctrl+C or SIGTERM sent to
        // the whole process group must not end a worker while the server still drains requests into it.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = true);
        return await WorkerProcess.RunAsync(args, loggerFactory);
    }
}
