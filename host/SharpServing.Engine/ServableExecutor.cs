using Microsoft.Extensions.Logging;

namespace SharpServing.Engine;

/// <summary>Minimal stub (to be replaced by the execution component): runs the methods of one servable version.</summary>
public sealed class ServableExecutor : IAsyncDisposable
{
    public ServableExecutor(ServableVersion version, ExecutionOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(options);
    }

    /// <summary>Drains queued work and stops.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
