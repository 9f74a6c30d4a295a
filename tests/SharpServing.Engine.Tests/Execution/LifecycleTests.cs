using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static SharpServing.Engine.Tests.Execution.TestServable;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

public sealed class LifecycleTests(ITestOutputHelper output)
{
    /// <summary>
    /// A model that runs long enough (hundreds of milliseconds here) for a test to act while it runs; with
    /// <paramref name="concurrentRuns"/> 1, a request that finds it running queues.
    /// </summary>
    private static TestServable Slow(ILoggerFactory? logs = null, int concurrentRuns = 0) => Create(b =>
    {
        var model = b.DeclareModel("slow.onnx", withBatchDim: false, options: new ModelOptions { ConcurrentRuns = concurrentRuns });
        b.RegisterMethod("m", ["y"], x => b.AddStage(model, x));
    }, new Dictionary<string, byte[]> { ["slow.onnx"] = Fixtures.MatMulChain(200) }, logs: logs);

    /// <summary>
    /// True once <paramref name="runs"/> runs of the model are in progress at once; false if <paramref name="over"/> first.
    /// Watches from a thread of its own: a thread-pool poll can be held up, under load, for longer than the run lasts.
    /// </summary>
    private static Task<bool> RunStartedAsync(TestServable servable, Func<bool> over, int runs = 1)
        => OwnThread(() =>
        {
            var seen = SpinWait.SpinUntil(() => servable.Executor.GetRunningCount(servable.Models[0]) == runs || over(), TestTimeout);
            return seen && servable.Executor.GetRunningCount(servable.Models[0]) == runs;
        });

    /// <summary>Runs <paramref name="work"/> on a thread of its own, not the pool (which the model's runs may all hold).</summary>
    private static Task<T> OwnThread<T>(Func<T> work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(TestTimeout);

    private static Dictionary<string, RequestInput> SlowInput(int size = 256) => Instance(("x", Floats(0.001f, size, size)));

    [Fact]
    public async Task A_cancelled_instance_still_queued_never_reaches_the_model()
    {
        await using var servable = Slow(concurrentRuns: 1);
        var model = servable.Models[0];
        // From the thread pool, as a server calls: an idle model runs the first request on the caller's thread.
        Task<InferReply>? running = null;
        var started = RunStartedAsync(servable, () => running?.IsCompleted == true);
        running = Task.Run(() => servable.PredictAsync("m", SlowInput()));
        Assert.True(await started, "the first request's run was seen in progress");

        using var client = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var cancelled = servable.PredictAsync("m", client.Token, SlowInput());
        Assert.Equal(1, servable.Executor.GetQueuedCount(model));   // the model is busy: the instance waits in the queue
        client.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        output.WriteLine($"cancelled after {watch.ElapsedMilliseconds} ms");
        ReplyAssert.Success(await running, 1);
        output.WriteLine($"the run ended after {watch.ElapsedMilliseconds} ms");
        ReplyAssert.Success(await servable.PredictAsync("m", SlowInput()), 1);
        // Two runs of one instance: the cancelled request's instance was dropped from the queue.
        Assert.Equal(new Dictionary<int, long> { [1] = 2 }, servable.Executor.GetBatchSizes(model));
    }

    [Fact]
    public async Task Concurrent_runs_that_are_cancelled_give_their_permits_back_to_the_queued_request()
    {
        await using var servable = Slow(concurrentRuns: 2);
        var model = servable.Models[0];
        using var client = new CancellationTokenSource();
        Task<InferReply>[] running = [];
        var started = RunStartedAsync(servable, () => running.Any(r => r.IsCompleted), runs: 2);
        // Each request from a thread of its own: a pool thread for the second could wait until the first run ends.
        running = [.. Enumerable.Range(0, 2).Select(_ => OwnThread(() => servable.PredictAsync("m", client.Token, SlowInput(1024))).Unwrap())];
        Assert.True(await started, "both runs were seen in progress at once");

        // Both permits are held: the next request queues behind them (sent and watched from threads of their own too).
        var queued = OwnThread(() => servable.PredictAsync("m", SlowInput())).Unwrap();
        Assert.True(await OwnThread(() => SpinWait.SpinUntil(() => servable.Executor.GetQueuedCount(model) == 1, TestTimeout)),
            "the third request queued");
        client.Cancel();

        foreach (var run in running)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        ReplyAssert.Success(await queued.WaitAsync(TestTimeout), 1);
        await Eventually.True(() => servable.Executor.GetRunningCount(model) == 0, "no run left in progress");
        // The stopped runs were not counted; the queued request ran once, and a new one still runs.
        ReplyAssert.Success(await servable.PredictAsync("m", SlowInput()), 1);
        Assert.Equal(new Dictionary<int, long> { [1] = 2 }, servable.Executor.GetBatchSizes(model));
    }

    [Fact]
    public async Task A_run_whose_every_instance_was_cancelled_is_stopped()
    {
        var logs = new CapturingLoggerFactory();
        await using var servable = Slow(logs);
        using var client = new CancellationTokenSource();
        Task<InferReply>? request = null;
        var started = RunStartedAsync(servable, () => request?.IsCompleted == true);
        request = Task.Run(() => servable.PredictAsync("m", client.Token, SlowInput(1024)));
        Assert.True(await started, "the run was seen in progress");

        var watch = Stopwatch.StartNew();
        client.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await Eventually.True(() => logs.Entries.Any(e => e.EventId.Id == 3005), "the engine reports the stopped run");
        output.WriteLine($"the run stopped {watch.ElapsedMilliseconds} ms after the cancellation");
        Assert.Empty(servable.Executor.GetBatchSizes(servable.Models[0]));
    }

    [Fact]
    public async Task Stopping_lets_pending_requests_finish_and_refuses_new_ones()
    {
        var gate = new StageGate();
        var add = AddServable.Create(more: (b, model) =>
            b.RegisterMethod("gated", ["y"], (x1, x2) => b.AddStage(model, (Placeholder)b.AddStage(gate.Pass, x1), x2)));
        var pending = add.PredictAsync("gated", AddServable.Pair(1));
        await gate.Entered.WaitAsync(TestTimeout);

        var stopping = add.DisposeAsync().AsTask();
        Assert.True(add.Executor.IsStopping);
        Assert.False(stopping.IsCompleted);
        var refused = await add.PredictAsync("add_common", AddServable.Pair(1));
        gate.Release();

        ReplyAssert.Error(refused, ErrorCode.ServableUnavailable, "Request servable(add) method(add_common) , servable is not available");
        ReplyAssert.Floats(ReplyAssert.Success(await pending, 1)[0]["y"], [2, 2], 2, 2, 2, 2);
        await stopping.WaitAsync(TestTimeout);
        await add.DisposeAsync();   // idempotent
    }

    [Fact]
    public async Task Work_left_when_the_drain_times_out_fails_with_worker_unavailable()
    {
        var gate = new StageGate();
        var add = AddServable.Create(new ExecutionOptions { DrainTimeout = TimeSpan.Zero }, (b, model) =>
            b.RegisterMethod("gated", ["y"], (x1, x2) => b.AddStage(model, (Placeholder)b.AddStage(gate.Pass, x1), x2)));
        var pending = add.PredictAsync("gated", AddServable.Pair(1), AddServable.Pair(2));
        await gate.Entered.WaitAsync(TestTimeout);

        await add.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        gate.Release();

        ReplyAssert.Error(await pending, ErrorCode.WorkerUnavailable, "Request servable(add) method(gated) , servable is not available");
    }
}
