using static SharpServing.Engine.Tests.Execution.TestServable;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// Batch function stages share calls across requests. Determinism without sleeps: with one worker, a gated
/// per-instance stage of another method holds it while requests queue on the batch stage; the batch loop waits for a
/// worker before it takes anything, so everything queued by then joins the first call.
/// </summary>
public sealed class FunctionBatchingTests
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Method <c>hold(x)</c>: a gated per-instance stage; method <c>batch(x)</c>: <paramref name="function"/> as a batch
    /// function stage of batch size <paramref name="batchSize"/>. One worker.
    /// </summary>
    private static TestServable Servable(StageGate gate, Func<IReadOnlyList<float>, IEnumerable<float>> function, int batchSize = 8,
        TimeSpan? drainTimeout = null)
        => Create(b =>
        {
            b.RegisterMethod("hold", ["y"], x => b.AddStage(gate.Pass, x));
            b.RegisterMethod("batch", ["y"], x => b.AddStage(function, [x], batchSize: batchSize, tag: "Batch"));
        }, options: new ExecutionOptions { ParallelWorkers = 1, DrainTimeout = drainTimeout ?? TimeSpan.FromSeconds(30) });

    private static Dictionary<string, RequestInput> X(float value) => Instance(("x", Tensor.Scalar(value)));

    private static async Task QueuedAsync(TestServable servable, int requests)
        => await Eventually.True(() => servable.Executor.GetQueuedCount("batch", 1) == requests, $"{requests} requests wait for the batch function");

    [Fact]
    public async Task Instances_of_concurrent_requests_reach_one_call_and_each_request_gets_its_own_results_in_order()
    {
        var calls = new List<float[]>();
        IEnumerable<float> Times10(IReadOnlyList<float> xs)
        {
            lock (calls)
            {
                calls.Add([.. xs]);
            }
            return xs.Select(x => x * 10);
        }
        var gate = new StageGate();
        await using var servable = Servable(gate, Times10);
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);

        var first = servable.PredictAsync("batch", X(1), X(2));
        var second = servable.PredictAsync("batch", X(3));
        var third = servable.PredictAsync("batch", X(4), X(5), X(6));
        await QueuedAsync(servable, 3);
        gate.Release();

        Assert.Equal([10f, 20f], ReplyAssert.Success(await first, 2).Select(o => o["y"].ToScalar<float>()));
        Assert.Equal([30f], ReplyAssert.Success(await second, 1).Select(o => o["y"].ToScalar<float>()));
        Assert.Equal([40f, 50f, 60f], ReplyAssert.Success(await third, 3).Select(o => o["y"].ToScalar<float>()));
        ReplyAssert.Success(await held, 1);
        var call = Assert.Single(calls);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], call);
    }

    [Fact]
    public async Task A_request_larger_than_the_room_left_spans_two_calls_in_order()
    {
        var calls = new List<float[]>();
        IEnumerable<float> Same(IReadOnlyList<float> xs)
        {
            lock (calls)
            {
                calls.Add([.. xs]);
            }
            return xs;
        }
        var gate = new StageGate();
        await using var servable = Servable(gate, Same, batchSize: 3);
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);

        var first = servable.PredictAsync("batch", X(1), X(2));
        var second = servable.PredictAsync("batch", X(3), X(4), X(5));
        await QueuedAsync(servable, 2);
        gate.Release();

        Assert.Equal([1f, 2f], ReplyAssert.Success(await first, 2).Select(o => o["y"].ToScalar<float>()));
        Assert.Equal([3f, 4f, 5f], ReplyAssert.Success(await second, 3).Select(o => o["y"].ToScalar<float>()));
        ReplyAssert.Success(await held, 1);
        Assert.Equal([[1f, 2f, 3f], [4f, 5f]], calls);
    }

    [Fact]
    public async Task Instances_without_a_result_fail_alone_even_across_requests()
    {
        var gate = new StageGate();
        await using var servable = Servable(gate, xs => xs.Take(2));
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);

        var first = servable.PredictAsync("batch", X(1));
        var second = servable.PredictAsync("batch", X(2), X(3));
        await QueuedAsync(servable, 2);
        gate.Release();

        Assert.Equal([1f], ReplyAssert.Success(await first, 1).Select(o => o["y"].ToScalar<float>()));
        var reply = await second;
        Assert.Null(reply.Error);
        Assert.Equal(2f, reply.Instances[0].Outputs![0].Value.ToScalar<float>());
        Assert.Equal(ErrorCode.SystemError, reply.Instances[1].Error!.Code);
        Assert.Equal("Call Batch Failed, method: 'batch', stage index(begin with 1): 1, error msg: "
            + "the batch function returned 2 results for 3 instances, no result for instance 2", reply.Instances[1].Error!.Message);
        ReplyAssert.Success(await held, 1);
    }

    [Fact]
    public async Task A_call_that_throws_fails_every_instance_of_every_request_in_it()
    {
        var gate = new StageGate();
        await using var servable = Servable(gate, _ => throw new InvalidOperationException("batch broke"));
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);

        var first = servable.PredictAsync("batch", X(1), X(2));
        var second = servable.PredictAsync("batch", X(3));
        await QueuedAsync(servable, 2);
        gate.Release();

        const string Text = "Call Batch Failed, method: 'batch', stage index(begin with 1): 1, error msg: batch broke";
        ReplyAssert.Error(await first, ErrorCode.SystemError, Text);
        ReplyAssert.Error(await second, ErrorCode.SystemError, Text);
        ReplyAssert.Success(await held, 1);
    }

    [Fact]
    public async Task A_cancelled_request_still_queued_never_reaches_the_function()
    {
        var seen = new List<float>();
        IEnumerable<float> Record(IReadOnlyList<float> xs)
        {
            lock (seen)
            {
                seen.AddRange(xs);
            }
            return xs;
        }
        var gate = new StageGate();
        await using var servable = Servable(gate, Record);
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);
        using var client = new CancellationTokenSource();

        var cancelled = servable.PredictAsync("batch", client.Token, X(1), X(2));
        var kept = servable.PredictAsync("batch", X(3));
        await QueuedAsync(servable, 2);
        client.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);   // at once, while the worker is still held
        gate.Release();
        Assert.Equal([3f], ReplyAssert.Success(await kept, 1).Select(o => o["y"].ToScalar<float>()));
        ReplyAssert.Success(await held, 1);
        Assert.Equal([3f], seen);
    }

    [Fact]
    public async Task Requests_still_queued_when_the_drain_times_out_fail_with_worker_unavailable()
    {
        var calls = 0;
        var gate = new StageGate();
        var servable = Servable(gate, xs =>
        {
            Interlocked.Increment(ref calls);
            return xs;
        }, drainTimeout: TimeSpan.Zero);
        var held = servable.PredictAsync("hold", X(0));
        await gate.Entered.WaitAsync(TestTimeout);
        var queued = servable.PredictAsync("batch", X(1));
        await QueuedAsync(servable, 1);

        await servable.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        gate.Release();

        ReplyAssert.Error(await queued, ErrorCode.WorkerUnavailable, "Request servable(svc) method(batch) , servable is not available");
        ReplyAssert.Success(await held, 1);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_call_waits_at_most_the_batch_delay_of_the_method_models_for_more_instances()
    {
        var time = new ManualTimeProvider();
        var calls = new List<int>();
        IEnumerable<Tensor> Record(IReadOnlyList<Tensor> xs)
        {
            lock (calls)
            {
                calls.Add(xs.Count);
            }
            return xs;
        }
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("add.onnx", options: new ModelOptions { MaxBatchSize = 4, BatchDelay = s_delay });
            b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(model, b.AddStage(Record, [x1], batchSize: 0)[0], x2));
        }, new Dictionary<string, byte[]> { ["add.onnx"] = Fixtures.AddDynamicBatch(2) }, time: time);
        Dictionary<string, RequestInput> Pair(float value) => Instance(("x1", Floats(value, 2)), ("x2", Floats(1, 2)));

        var first = servable.PredictAsync("m", Pair(1));
        await time.WaitForTimersCreatedAsync(1).WaitAsync(TestTimeout);   // the call holds the first instance and waits
        var second = servable.PredictAsync("m", Pair(2));
        await time.WaitForTimersCreatedAsync(2).WaitAsync(TestTimeout);   // took the second and waits again (batch size 4)
        Assert.Empty(calls);
        time.Advance(s_delay);
        var both = Task.WhenAll(first, second);
        while (!both.IsCompleted)
        {
            // The model stage waits too, with the same delay.
            await Eventually.True(() => both.IsCompleted || (time.ActiveTimers > 0 && servable.Executor.GetQueuedCount(servable.Models[0]) == 0),
                "the model's batch loop waits with nothing queued");
            time.Advance(s_delay);
        }

        ReplyAssert.Floats(ReplyAssert.Success(await first, 1)[0]["y"], [2], 2, 2);
        ReplyAssert.Floats(ReplyAssert.Success(await second, 1)[0]["y"], [2], 3, 3);
        Assert.Equal([2], calls);
    }

    [Fact]
    public async Task A_freed_worker_goes_to_a_later_stage_before_an_earlier_one()
    {
        var order = new List<string>();
        var first = new StageGate();
        var second = new StageGate();
        Tensor Record(string stage, Tensor x)
        {
            lock (order)
            {
                order.Add($"{stage}:{x.ToScalar<float>()}");
            }
            return x;
        }
        Tensor StageOne(Tensor x) => Record("1", x.ToScalar<float>() switch
        {
            1 => first.Pass(x),
            2 => second.Pass(x),
            _ => x,
        });
        Tensor StageTwo(Tensor x) => Record("2", x);
        await using var servable = Create(b => b.RegisterMethod("two", ["y"], x => b.AddStage(StageTwo, (Placeholder)b.AddStage(StageOne, x))),
            options: new ExecutionOptions { ParallelWorkers = 1 });

        var a = servable.PredictAsync("two", X(1));
        await first.Entered.WaitAsync(TestTimeout);                   // a holds the only worker in stage 1
        var b = servable.PredictAsync("two", X(2));
        var c = servable.PredictAsync("two", X(3));
        await Eventually.True(() => servable.Executor.WorkersWaiting == 2, "b and c wait for stage 1");
        first.Release();
        await second.Entered.WaitAsync(TestTimeout);                  // b got the worker (first come in stage 1)
        await Eventually.True(() => servable.Executor.WorkersWaiting == 2, "a waits for stage 2, c for stage 1");
        second.Release();

        foreach (var (reply, value) in new[] { (a, 1f), (b, 2f), (c, 3f) })
        {
            Assert.Equal(value, ReplyAssert.Success(await reply, 1)[0]["y"].ToScalar<float>());
        }
        Assert.Equal(["1:1", "1:2", "2:1"], order.Take(3));         // a's stage 2 before c's stage 1
        Assert.True(order.IndexOf("2:1") < order.IndexOf("1:3"));
    }
}
