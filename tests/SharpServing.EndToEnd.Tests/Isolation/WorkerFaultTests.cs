using System.Diagnostics;
using System.Text.Json;
using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests.Isolation;

/// <summary>
/// Servables in worker processes that exit, spin, allocate without bound, are killed from outside or cannot start: the
/// failing request gets an error naming the servable, the version and the cause, the neighbour keeps answering during
/// and after, the worker is restarted and answers again, and the status API tells what happened.
/// </summary>
public sealed class WorkerFaultTests(IsolatedServer fixture) : IClassFixture<IsolatedServer>
{
    private static readonly TimeSpan s_recovery = TimeSpan.FromSeconds(60);
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task A_stage_that_calls_Environment_Exit_fails_its_request_and_the_worker_serves_again()
    {
        await IsolatedClient.WhileAddAnswersAsync(_server.GrpcAddress, async () =>
        {
            // Its worker may still be starting (or restarting after an earlier test) on a busy machine.
            await ServingPidAsync("exiter");
            var failed = await IsolatedClient.RunAsync(_server.GrpcAddress, "exiter", 1);

            Assert.False(failed.IsSuccess);
            Assert.Contains("Servable 'exiter' version 1", failed.Error);
            Assert.Contains("exited with status 3", failed.Error);
            await AnswersAgainAsync("exiter", "exited with status 3");
        });
    }

    [Fact]
    public async Task A_stage_that_spins_forever_is_stopped_by_the_time_limit_and_the_worker_serves_again()
    {
        await IsolatedClient.WhileAddAnswersAsync(_server.GrpcAddress, async () =>
        {
            // Its worker may still be starting (or restarting after an earlier test) on a busy machine.
            await ServingPidAsync("spinner");
            var clock = Stopwatch.StartNew();
            var failed = await IsolatedClient.RunAsync(_server.GrpcAddress, "spinner", 1);

            Assert.False(failed.IsSuccess);
            Assert.True(clock.Elapsed < IsolatedClient.CallTimeout, $"the spinning request took {clock.Elapsed}");
            Assert.Contains("Servable 'spinner' version 1", failed.Error);
            Assert.Contains("ran longer than the time limit of 10000 ms", failed.Error);
            await AnswersAgainAsync("spinner", "time limit of 10000 ms");
        });
    }

    [Fact]
    public async Task A_stage_that_allocates_past_the_memory_limit_gets_its_worker_restarted()
    {
        await IsolatedClient.WhileAddAnswersAsync(_server.GrpcAddress, async () =>
        {
            // Its worker may still be starting (or restarting after an earlier test) on a busy machine.
            await ServingPidAsync("hog");
            var failed = await IsolatedClient.RunAsync(_server.GrpcAddress, "hog", 1);

            Assert.False(failed.IsSuccess);
            Assert.Contains("Servable 'hog' version 1", failed.Error);
            Assert.True(failed.Error?.Contains("exceeded the worker memory limit of 512 MiB", StringComparison.Ordinal), failed.Error);
            await AnswersAgainAsync("hog", "memory limit of 512 MiB");
        });
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_from_outside_is_restarted()
    {
        await IsolatedClient.WhileAddAnswersAsync(_server.GrpcAddress, async () =>
        {
            var pid = await ServingPidAsync("exiter");
            var restarts = (await IsolatedClient.VersionAsync(fixture.AdminAddress, "exiter")).GetProperty("worker").GetProperty("restarts").GetInt32();

            using (var worker = Process.GetProcessById(pid))
            {
                worker.Kill();
                await worker.WaitForExitAsync().WaitAsync(s_recovery);
            }

            await IsolatedClient.UntilAsync(async () =>
                (await IsolatedClient.VersionAsync(fixture.AdminAddress, "exiter")).GetProperty("worker").GetProperty("restarts").GetInt32() > restarts,
                "the killed worker is restarted", s_recovery);
            await AnswersAgainAsync("exiter", "was killed by signal 9 (SIGKILL)");
            Assert.NotEqual(pid, await ServingPidAsync("exiter"));
        });
    }

    [Fact]
    public async Task A_plugin_whose_constructor_throws_fails_to_load_and_its_state_says_why()
    {
        var version = await IsolatedClient.VersionAsync(fixture.AdminAddress, "broken");

        Assert.Equal("failed", version.GetProperty("state").GetString());
        Assert.Contains("the plugin cannot start without its licence file", version.GetProperty("error").GetString());
        Assert.True((await IsolatedClient.AddAsync(_server.GrpcAddress)).IsSuccess);
        var call = await IsolatedClient.RunAsync(_server.GrpcAddress, "broken", 0);
        Assert.False(call.IsSuccess);
    }

    /// <summary>Waits until <paramref name="servable"/> answers again, then checks its status names the cause of the exit.</summary>
    private async Task AnswersAgainAsync(string servable, string cause)
    {
        await IsolatedClient.UntilAsync(async () => (await IsolatedClient.RunAsync(_server.GrpcAddress, servable, 0)).IsSuccess,
            $"{servable} answers after its worker restarted", s_recovery);
        var worker = (await IsolatedClient.VersionAsync(fixture.AdminAddress, servable)).GetProperty("worker");
        Assert.Equal("serving", worker.GetProperty("state").GetString());
        Assert.True(worker.GetProperty("restarts").GetInt32() >= 1, worker.ToString());
        Assert.Contains(cause, worker.GetProperty("last_exit").GetString());
        Assert.Contains($"Worker of servable {servable} version 1", _server.Output);
    }

    private async Task<int> ServingPidAsync(string servable)
    {
        JsonElement worker = default;
        await IsolatedClient.UntilAsync(async () =>
        {
            worker = (await IsolatedClient.VersionAsync(fixture.AdminAddress, servable)).GetProperty("worker");
            return worker.GetProperty("state").GetString() == "serving";
        }, $"{servable} serves", s_recovery);
        return worker.GetProperty("pid").GetInt32();
    }
}
