using System.Text.Json;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using SharpServing.OnnxRuntime;
using SharpServing.Worker.Internal;

namespace SharpServing.Worker;

/// <summary>
/// The worker side (<c>sharpserving worker ...</c>, started by the server, never by hand): loads one servable version
/// with its own engine, serves it on a unix socket (<see cref="WorkerFrames"/>), says <see cref="WorkerProtocol.ReadyLine"/>, and exits when
/// its standard input closes (the server stopped it, or the server is gone: a worker never outlives it).
/// </summary>
public static class WorkerProcess
{
    /// <summary>Runs the worker; the exit code: 0 stopped, 3 the version could not be loaded, 2 bad arguments.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        WorkerArguments options;
        try
        {
            options = WorkerArguments.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"sharpserving worker: {ex.Message}");
            return 2;
        }
        // Stdin closes when the server stops this worker or dies: either way the worker ends.
        var parentGone = Task.Run(WaitForEndOfInputAsync);

        var configuration = options.ToConfiguration();
        await using var manager = new ServableManager(configuration, OrtModelRuntime.Instance, TimeProvider.System, loggerFactory);
        var statuses = await manager.StartAsync(CancellationToken.None);
        if (statuses.FirstOrDefault(s => s.State == ServableVersionState.Failed) is { } failed || manager.Versions.Count != 1)
        {
            var error = statuses.FirstOrDefault(s => s.Error is not null)?.Error ?? $"servable '{options.Servable}' loaded no version";
            await Console.Out.WriteLineAsync(WorkerProtocol.ErrorPrefix + JsonSerializer.Serialize(error));
            return 3;
        }
        var version = manager.Versions[0];
        var dispatcher = new Dispatcher(manager, new ExecutionOptions { MaxEnqueuedRequests = configuration.MaxEnqueuedRequests }, loggerFactory);

        File.Delete(options.Socket);
        await using (var endpoint = new WorkerEndpoint(options.Socket, new WorkerService(version, dispatcher), loggerFactory.CreateLogger(typeof(WorkerProcess))))
        {
            endpoint.Start();
            await Console.Out.WriteLineAsync(WorkerProtocol.ReadyLine);
            await Console.Out.FlushAsync();
            await parentGone;
        }
        File.Delete(options.Socket);
        return 0;
    }

    private static async Task WaitForEndOfInputAsync()
    {
        using var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await input.ReadAsync(buffer) > 0)
        {
        }
    }
}
