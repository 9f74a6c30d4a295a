using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Execution;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Limits;

/// <summary>Stages that never return, and stages that fail, on the real loader, manager and dispatcher.</summary>
public sealed class StageTimeLimitTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempServables _servables = new();
    private readonly StuckCode _stuck = new();
    private readonly CapturingLoggerFactory _logs = new();

    public void Dispose()
    {
        _stuck.Dispose();
        _servables.Dispose();
    }

    private async Task<ServableManager> StartAsync(Action<ServingConfiguration>? configure = null)
    {
        _servables.WriteScript("t", _stuck.StageScript);
        var configuration = _servables.Configuration(new ServableStartConfig(_servables.Root, "t") { NumParallelWorkers = 1 });
        configure?.Invoke(configuration);
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance, loggerFactory: _logs);
        var status = Assert.Single(await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout));
        Assert.Equal(ServableVersionState.Available, status.State);
        return manager;
    }

    /// <summary>
    /// Calls <c>spin</c> until a call's code was running when its time limit passed (the executor then counts it as
    /// abandoned). On a loaded machine the 500 ms can pass before the stage's code starts: that request fails the same way,
    /// but no code runs on, so there is nothing to abandon, and the call is made again (three tries).
    /// </summary>
    private static async Task<InferReply> CallUntilAbandonedAsync(ServableManager manager)
    {
        Assert.True(manager.TryGetVersion("t", 0, out var version));
        for (var attempt = 1; ; attempt++)
        {
            var before = version.Executor.AbandonedCalls;
            var reply = await CallAsync(manager, "spin");
            // The abandonment is counted by the time limit's own callback, at most moments after the reply.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (version.Executor.AbandonedCalls == before && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1);
            }
            if (version.Executor.AbandonedCalls > before || attempt == 3)
            {
                return reply;
            }
        }
    }

    private static Task<InferReply> CallAsync(IServableCatalog catalog, string method, int instances = 1)
    {
        var dispatcher = new Dispatcher(catalog, new ExecutionOptions());
        var request = new InferRequest("t", method, 0,
            [.. Enumerable.Range(0, instances).Select(i => new Dictionary<string, RequestInput> { ["x"] = Tensor.Create([(float)i], 1) })]);
        return dispatcher.PredictAsync(request, CancellationToken.None).WaitAsync(s_timeout);
    }

    [Fact]
    public async Task A_stage_in_an_endless_loop_fails_its_request_at_the_method_time_limit_and_frees_its_worker()
    {
        var manager = await StartAsync();
        try
        {
            var reply = await CallUntilAbandonedAsync(manager);

            Assert.NotNull(reply.Error);
            Assert.Equal(ErrorCode.SystemError, reply.Error.Code);
            Assert.Equal("Request servable(t) method(spin) , the method did not finish within its time limit of 500 ms", reply.Error.Message);
            // One worker (num_parallel_workers 1), still held by the loop: the other method answers on its replacement.
            Assert.True(manager.TryGetVersion("t", 0, out var version));
            Assert.Equal(1, version.Executor.AbandonedCalls);
            var echo = await CallAsync(manager, "echo");
            Assert.Null(echo.Error);
            Assert.Equal([0f], Assert.Single(echo.Instances).Outputs!.Single().Value.ToArray<float>());
            Assert.Contains(_logs.Entries, e => e.EventId.Id == 3012 && e.Message.Contains("stage 1 of t.spin", StringComparison.Ordinal));
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task An_unloaded_version_whose_stage_still_runs_says_so_in_its_status_until_the_code_returns()
    {
        var manager = await StartAsync();
        try
        {
            var reply = await CallUntilAbandonedAsync(manager);
            Assert.Contains("time limit of 500 ms", reply.Error!.Message, StringComparison.Ordinal);
            Assert.True(manager.TryGetVersion("t", 0, out var version));
            Assert.Equal(1, version.Executor.AbandonedCalls);

            Assert.True(await manager.UnloadVersionAsync("t", 1, CancellationToken.None).WaitAsync(s_timeout));

            var status = Assert.Single(manager.GetStatus());
            Assert.Equal(ServableVersionState.Unloading, status.State);
            Assert.Equal("Servable 't' version 1: 1 stage calls of the unloaded version are still running past their time limit; "
                + "its code stays loaded until they return (a thread cannot be stopped)", status.Error);
            Assert.Contains(_logs.Entries, e => e.EventId.Id == 1209);
            Assert.Contains(_logs.Entries, e => e.EventId.Id == 3013);

            _stuck.Release();
            await Eventually.True(() => manager.GetStatus().Count == 0, "the status goes once the stage returns");
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task The_start_configuration_wins_over_the_registration_and_the_default_applies_to_methods_without_a_limit()
    {
        var manager = await StartAsync(c =>
        {
            c.MethodTimeouts["t.spin"] = TimeSpan.FromMilliseconds(300);
            c.RequestTimeout = TimeSpan.FromMilliseconds(400);
        });
        try
        {
            var spin = await CallAsync(manager, "spin");
            var spinDefault = await CallAsync(manager, "spin_default");

            Assert.Equal("Request servable(t) method(spin) , the method did not finish within its time limit of 300 ms", spin.Error?.Message);
            Assert.Equal("Request servable(t) method(spin_default) , the method did not finish within its time limit of 400 ms", spinDefault.Error?.Message);
            Assert.True(manager.TryGetVersion("t", 0, out var version));
            Assert.Equal(TimeSpan.FromMilliseconds(300), version.Executor.GetTimeLimit("spin"));
            Assert.Equal(TimeSpan.FromMilliseconds(400), version.Executor.GetTimeLimit("spin_default"));
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task A_request_time_limit_from_the_front_end_only_shortens_the_method_limit()
    {
        var manager = await StartAsync();
        try
        {
            var dispatcher = new Dispatcher(manager, new ExecutionOptions());
            var instance = new Dictionary<string, RequestInput> { ["x"] = Tensor.Create([1f], 1) };

            var shorter = await dispatcher.PredictAsync(new InferRequest("t", "spin", 0, [instance]) { Timeout = TimeSpan.FromMilliseconds(200) },
                CancellationToken.None).WaitAsync(s_timeout);
            var longer = await dispatcher.PredictAsync(new InferRequest("t", "spin", 0, [instance]) { Timeout = TimeSpan.FromMinutes(5) },
                CancellationToken.None).WaitAsync(s_timeout);

            Assert.Equal("Request servable(t) method(spin) , the method did not finish within its time limit of 200 ms", shorter.Error?.Message);
            Assert.Equal("Request servable(t) method(spin) , the method did not finish within its time limit of 500 ms", longer.Error?.Message);
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task A_request_whose_instances_all_fail_logs_one_entry_with_the_count_and_the_first_error()
    {
        var manager = await StartAsync();
        try
        {
            var reply = await CallAsync(manager, "fail", instances: 40);

            // Every instance failed the same way: the reply carries the error once, for the request.
            Assert.Equal("Call Function 't.Fail' Failed, method: 'fail', stage index(begin with 1): 1, error msg: the stage is broken", reply.Error?.Message);
            var logged = Assert.Single(_logs.Entries, e => e.EventId.Id == 3006);
            Assert.Equal("Stage 1 of t.fail failed for 40 of 40 instances of a request; the first error: InvalidOperationException: the stage is broken",
                logged.Message);
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task A_method_registered_with_a_time_limit_of_zero_fails_the_load_naming_the_parameter()
    {
        _servables.WriteScript("zero", """
            RegisterMethod("echo", outputs: ["y"], x => AddStage(Echo, x), timeout: TimeSpan.Zero);
            Tensor Echo(Tensor x) => x;
            """);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("zero")), OrtModelRuntime.Instance);
        try
        {
            var status = Assert.Single(await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout));

            Assert.Equal(ServableVersionState.Failed, status.State);
            Assert.Contains("Parameter 'timeout' of method echo should be above 0 and at most 24 hours, but actually 0 ms", status.Error, StringComparison.Ordinal);
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }
}
