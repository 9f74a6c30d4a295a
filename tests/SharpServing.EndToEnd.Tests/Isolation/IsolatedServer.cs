using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests.Isolation;

/// <summary>
/// One real server whose every servable runs in a worker process, with a 10 s request time limit and a 512 MiB memory
/// limit per worker: <c>add</c> (the real model), <c>exiter</c>, <c>spinner</c>, <c>hog</c> and <c>broken</c> (a plugin
/// whose constructor throws).
/// </summary>
public sealed class IsolatedServer : IAsyncLifetime
{
    private readonly IsolationRepository _repository = new();
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The admin listener (control API): loopback, no token.</summary>
    public string AdminAddress { get; } = $"127.0.0.1:{FreePort.Next()}";

    public async Task InitializeAsync()
    {
        _repository.WriteScript("add", IsolationRepository.AddScript(0));
        _repository.AddModelVersion("add", 1);
        _repository.WriteScript("exiter", IsolationRepository.ExitScript);
        _repository.WriteScript("spinner", IsolationRepository.SpinScript);
        _repository.WriteScript("hog", IsolationRepository.HogScript);
        _repository.WritePlugin("broken", IsolationRepository.BrokenPlugin);
        _server = await ServerProcess.ServeAsync(["--servables", _repository.Root, "--isolation", "process", "--no-watch",
            "--worker-time-limit-ms", "10000", "--worker-memory-limit-mb", "512", "--admin", AdminAddress]);
        await _server.WaitForLineAsync($"Serving: control API listening on {AdminAddress}", ServerProcess.DefaultStartupTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _repository.Dispose();
    }
}
