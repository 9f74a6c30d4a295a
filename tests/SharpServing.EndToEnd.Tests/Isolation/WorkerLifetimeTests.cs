using System.Collections.Concurrent;
using System.Diagnostics;
using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests.Isolation;

/// <summary>Workers never outlive the server, and hot reload swaps workers under load without failing a request.</summary>
public sealed class WorkerLifetimeTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly IsolationRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task A_worker_exits_when_the_server_is_killed_with_SIGKILL()
    {
        _repository.WriteScript("exiter", IsolationRepository.ExitScript);
        int workerPid;
        var admin = $"127.0.0.1:{FreePort.Next()}";
        await using (var server = await ServerProcess.ServeAsync(["--servables", _repository.Root, "--isolation", "exiter=process", "--no-watch",
            "--admin", admin]))
        {
            await server.WaitForLineAsync($"Serving: control API listening on {admin}", s_wait);
            workerPid = (await IsolatedClient.VersionAsync(admin, "exiter")).GetProperty("worker").GetProperty("pid").GetInt32();
            using var worker = Process.GetProcessById(workerPid);
            Assert.True((await IsolatedClient.RunAsync(server.GrpcAddress, "exiter", 0)).IsSuccess);

            var serverPid = server.Pid;
            using (var main = Process.GetProcessById(serverPid))
            {
                main.Kill();
                await main.WaitForExitAsync().WaitAsync(s_wait);
            }

            await worker.WaitForExitAsync().WaitAsync(s_wait);
            Assert.True(worker.HasExited);
        }
    }

    [Fact]
    public async Task Hot_reload_with_workers_under_load_fails_no_request()
    {
        _repository.WriteScript("add", IsolationRepository.AddScript(0));
        _repository.AddModelVersion("add", 1);
        var admin = $"127.0.0.1:{FreePort.Next()}";
        await using var server = await ServerProcess.ServeAsync(["--servables", _repository.Root, "--isolation", "process",
            "--watch-debounce-ms", "200", "--admin", admin]);
        await server.WaitForLineAsync($"Serving: control API listening on {admin}", s_wait);
        var latest = 0f;
        var failures = new ConcurrentQueue<string>();
        var calls = 0;
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await IsolatedClient.AddAsync(server.GrpcAddress);
                Interlocked.Increment(ref calls);
                if (!result.IsSuccess)
                {
                    failures.Enqueue(result.Error ?? "an instance failed");
                    continue;
                }
                var y = ((Tensor)result.GetOutputs(0)["y"]).AsSpan<float>()[0];
                if (y > Volatile.Read(ref latest))
                {
                    Volatile.Write(ref latest, y);
                }
            }
        })).ToArray();
        try
        {
            await IsolatedClient.UntilAsync(() => Task.FromResult(Volatile.Read(ref latest) == 2f), "version 1 answers", s_wait);

            _repository.AddModelVersion("add", 2);
            await IsolatedClient.UntilAsync(async () =>
                (await IsolatedClient.VersionAsync(admin, "add")).GetProperty("version").GetInt64() == 2
                && (await IsolatedClient.VersionAsync(admin, "add")).GetProperty("state").GetString() == "available",
                "version 2 replaces version 1", s_wait);

            _repository.WriteScript("add", IsolationRepository.AddScript(40));
            await IsolatedClient.UntilAsync(() => Task.FromResult(Volatile.Read(ref latest) == 42f), "the edited script answers", s_wait);
            var seen = Volatile.Read(ref calls);
            await IsolatedClient.UntilAsync(() => Task.FromResult(Volatile.Read(ref calls) > seen + 20), "more calls after the swap", s_wait);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(s_wait);
        }

        Assert.Empty(failures);
        Assert.Contains("Worker of servable add version 2", server.Output);
    }
}
