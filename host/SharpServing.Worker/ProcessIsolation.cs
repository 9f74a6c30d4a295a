using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Isolation;
using SharpServing.Engine.Loading;
using SharpServing.Worker.Internal;

namespace SharpServing.Worker;

/// <summary>
/// The server side of worker processes (docs/isolation.md): starts each isolated servable version in a worker of the
/// same host binary (<c>sharpserving worker ...</c>), talks gRPC to it over a unix socket, and supervises it.
/// </summary>
public sealed class ProcessIsolation : IServableIsolation
{
    private readonly ServingConfiguration _configuration;
    private readonly IReadOnlyList<string> _command;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    /// <param name="configuration">The serving configuration (its <see cref="ServingConfiguration.Isolation"/> limits apply).</param>
    /// <param name="command">The host binary and the arguments before <c>worker</c>: null finds it (this process when it is
    /// <c>sharpserving</c>, else <c>sharpserving.dll</c> next to this assembly run by <c>dotnet</c>).</param>
    /// <param name="loggerFactory">Where worker starts, exits, restarts and the workers' own output are logged.</param>
    public ProcessIsolation(ServingConfiguration configuration, IReadOnlyList<string>? command = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = configuration;
        _command = command ?? FindHost();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ProcessIsolation>();
    }

    /// <summary>How long a worker may take to load and warm up its version. 5 minutes.</summary>
    public static TimeSpan ReadyTimeout => TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public async Task<IsolatedVersion> StartAsync(ServableStartConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var name = config.ServableName;
        var (worker, description) = await StartWorkerAsync(config, cancellationToken);
        // Restarts load the version this worker loaded, even when the start asked for the newest.
        var pinned = config.Clone();
        pinned.VersionNumber = description.Version;
        var supervisor = new WorkerSupervisor(worker, ct => StartWorkerAsync(pinned, ct), name, description.Version, _configuration.Isolation, _logger);
        var methods = description.Methods
            .Select(m => new MethodDefinition(m.Name, [.. m.Inputs], [.. m.Outputs], [], []))
            .ToList();
        return new IsolatedVersion(description.Version, description.Directory, methods, supervisor);
    }

    private Task<(WorkerInstance, Protocol.DescribeReply)> StartWorkerAsync(ServableStartConfig config, CancellationToken cancellationToken)
    {
        return WorkerInstance.StartAsync(_command, WorkerArguments.Format(config, _configuration), config.DecKey, config.ServableName,
            config.VersionNumber, ReadyTimeout, _logger, cancellationToken);
    }

    private static IReadOnlyList<string> FindHost()
    {
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileName(process) == "sharpserving")
        {
            return [process];
        }
        var dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        if (Assembly.GetEntryAssembly() is { } entry && entry.GetName().Name == "sharpserving" && entry.Location.Length > 0)
        {
            return [dotnet, entry.Location];
        }
        var beside = Path.Combine(AppContext.BaseDirectory, "sharpserving.dll");
        if (File.Exists(beside))
        {
            return [dotnet, beside];
        }
        throw new ServingConfigurationException("isolation",
            "servables isolated in worker processes need the sharpserving host binary, which is neither this process nor beside it");
    }
}
