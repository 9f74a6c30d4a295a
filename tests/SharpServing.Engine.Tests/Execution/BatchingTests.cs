using Xunit.Abstractions;
using static SharpServing.Engine.Tests.Execution.TestServable;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

public sealed class BatchingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(10);

    /// <summary>Method <c>m(x1, x2)</c> over one model file; the model's options as given.</summary>
    private static TestServable Servable(byte[] model, ModelOptions? options = null, TimeProvider? time = null, bool withBatchDim = true,
        IReadOnlyList<int>? withoutBatchDimInputs = null, string[]? outputs = null)
        => Create(b =>
        {
            var declared = b.DeclareModel("model.onnx", withBatchDim, withoutBatchDimInputs, options);
            b.RegisterMethod("m", outputs ?? ["y"], (x1, x2) => b.AddStage(declared, x1, x2));
        }, new Dictionary<string, byte[]> { ["model.onnx"] = model }, time: time);

    /// <summary>As above, over a managed model (the tests of batching logic do not need ONNX Runtime).</summary>
    private static TestServable Servable(IModelSession model, ModelOptions? options = null, TimeProvider? time = null, bool withBatchDim = true)
        => Create(b =>
        {
            var declared = b.DeclareModel("model.onnx", withBatchDim, null, options);
            b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(declared, x1, x2));
        }, _ => model, time: time);

    private static Dictionary<string, RequestInput> Pair(float[] x1, float[] x2)
        => Instance(("x1", Floats(x1, x1.Length)), ("x2", Floats(x2, x2.Length)));

    /// <summary>Advances the clock whenever the batch loop waits for more instances while none are queued, until done.</summary>
    private static async Task DriveAsync(ManualTimeProvider time, TestServable servable, Task request)
    {
        while (!request.IsCompleted)
        {
            await Eventually.True(() => request.IsCompleted || (time.ActiveTimers > 0 && servable.Executor.GetQueuedCount(servable.Models[0]) == 0),
                "the batch loop waits with nothing queued");
            if (!request.IsCompleted)
            {
                time.Advance(s_delay);
            }
        }
    }

    [Fact]
    public async Task A_misfit_size_fails_only_its_instance()
    {
        await using var servable = Servable(ManagedModels.Add(2, 2));
        var bad = Instance(("x1", Floats(1, 2)), ("x2", Floats(1, 1, 3)));

        var reply = await servable.PredictAsync("m", Pair([1, 2], [3, 4]), bad, Pair([5, 6], [7, 8]));

        Assert.Null(reply.Error);
        Assert.Equal([ErrorCode.Success, ErrorCode.InvalidInputs, ErrorCode.Success],
            reply.Instances.Select(i => i.Error?.Code ?? ErrorCode.Success));
        Assert.Equal("Given model input 1 size 12 not match the size 8 defined in model", reply.Instances[1].Error!.Message);
        Assert.Null(reply.Instances[1].Outputs);
        ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], 4, 6);
        ReplyAssert.Floats(reply.Instances[2].Outputs![0].Value, [2], 12, 14);
    }

    [Fact]
    public async Task A_misfit_data_type_fails_only_its_instance()
    {
        await using var servable = Servable(ManagedModels.Add(2, 2));
        var bad = Instance(("x1", Floats(1, 2)), ("x2", Tensor.Create(new[] { 1, 1 }, 2)));

        var reply = await servable.PredictAsync("m", Pair([1, 2], [3, 4]), bad, Pair([5, 6], [7, 8]));

        Assert.Equal([ErrorCode.Success, ErrorCode.InvalidInputs, ErrorCode.Success],
            reply.Instances.Select(i => i.Error?.Code ?? ErrorCode.Success));
        Assert.Equal("Given model input 1 data type kMSI_Int32 not match the data type kMSI_Float32 defined in model",
            reply.Instances[1].Error!.Message);
    }

    [Fact]
    public async Task The_same_misfit_in_every_instance_collapses_to_a_request_error()
    {
        await using var servable = Servable(ManagedModels.Add(2, 2), withBatchDim: false);
        var bad = Instance(("x1", Floats(1, 2, 2)), ("x2", Floats(1, 2, 3)));

        var reply = await servable.PredictAsync("m", bad, bad);

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Given model input 1 size 24 not match the size 16 defined in model");
    }

    [Fact]
    public async Task Only_size_and_type_are_checked_not_the_shape()
    {
        await using var servable = Servable(ManagedModels.Add(2, 2));

        var reply = await servable.PredictAsync("m", Instance(("x1", Floats([1, 2], 2, 1)), ("x2", Floats([3, 4], 1, 2))));

        ReplyAssert.Floats(ReplyAssert.Success(reply, 1)[0]["y"], [2], 4, 6);
    }

    [Fact]
    public async Task Instances_of_concurrent_requests_share_a_run_and_the_padding_is_a_copy_of_the_first()
    {
        var time = new ManualTimeProvider();
        await using var servable = Servable(TestModels.AddWithBatchSum(), new ModelOptions { BatchDelay = s_delay }, time, outputs: ["y", "total"]);

        var first = servable.PredictAsync("m", Pair([1, 2], [10, 10]));
        await time.WaitForTimersCreatedAsync(1).WaitAsync(TestTimeout);   // the loop holds the first instance and waits
        var second = servable.PredictAsync("m", Pair([3, 4], [0, 0]), Pair([5, 6], [1, 1]));
        await time.WaitForTimersCreatedAsync(2).WaitAsync(TestTimeout);   // ran [first, second#0]; holds second#1 and waits
        time.Advance(s_delay);

        var a = ReplyAssert.Success(await first, 1);
        var b = ReplyAssert.Success(await second, 2);
        ReplyAssert.Floats(a[0]["y"], [2], 11, 12);
        ReplyAssert.Floats(b[0]["y"], [2], 3, 4);
        ReplyAssert.Floats(b[1]["y"], [2], 6, 7);
        // "total" sums x1 over the whole run: 1+2+3+4 for the shared run; the padded run holds second#1 twice (not zeros).
        ReplyAssert.Floats(a[0]["total"], [], 10);
        ReplyAssert.Floats(b[0]["total"], [], 10);
        ReplyAssert.Floats(b[1]["total"], [], 22);
        Assert.Equal(new Dictionary<int, long> { [2] = 1, [1] = 1 }, servable.Executor.GetBatchSizes(servable.Models[0]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_fixed_batch_of_two_splits_a_request_and_pads_the_rest(int count)
    {
        var time = new ManualTimeProvider();
        await using var servable = Servable(TestModels.AddWithBatchSum(), new ModelOptions { BatchDelay = s_delay }, time, outputs: ["y", "total"]);
        var instances = Enumerable.Range(0, count).Select(i => Pair([i + 1, 0], [100, 100])).ToArray();

        var request = servable.PredictAsync("m", instances);
        await DriveAsync(time, servable, request);

        var outputs = ReplyAssert.Success(await request, count);
        for (var i = 0; i < count; i++)
        {
            ReplyAssert.Floats(outputs[i]["y"], [2], 101 + i, 100);
        }
        // Runs: [1, 2] (total 3), and for three instances [3, copy of 3] (total 6).
        ReplyAssert.Floats(outputs[0]["total"], [], 3);
        ReplyAssert.Floats(outputs[1]["total"], [], 3);
        if (count == 3)
        {
            ReplyAssert.Floats(outputs[2]["total"], [], 6);
        }
        var expected = count == 2 ? new Dictionary<int, long> { [2] = 1 } : new Dictionary<int, long> { [2] = 1, [1] = 1 };
        Assert.Equal(expected, servable.Executor.GetBatchSizes(servable.Models[0]));
    }

    [Fact]
    public async Task A_dynamic_batch_runs_exactly_the_instances_present_up_to_its_maximum()
    {
        var time = new ManualTimeProvider();
        await using var servable = Servable(ManagedModels.AddDynamicBatch(2), new ModelOptions { MaxBatchSize = 4, BatchDelay = s_delay }, time);

        var requests = Enumerable.Range(0, 5).Select(i => servable.PredictAsync("m", Pair([i, i], [1, 1]))).ToArray();
        await DriveAsync(time, servable, Task.WhenAll(requests));

        for (var i = 0; i < requests.Length; i++)
        {
            ReplyAssert.Floats(ReplyAssert.Success(await requests[i], 1)[0]["y"], [2], i + 1, i + 1);
        }
        Assert.Equal(new Dictionary<int, long> { [4] = 1, [1] = 1 }, servable.Executor.GetBatchSizes(servable.Models[0]));
    }

    [Fact]
    public async Task An_input_without_a_batch_dim_takes_the_first_instance_value_for_the_whole_run()
    {
        var time = new ManualTimeProvider();
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("scale.onnx", withoutBatchDimInputs: [1], options: new ModelOptions { MaxBatchSize = 2, BatchDelay = s_delay });
            b.RegisterMethod("m", ["y"], (x, s) => b.AddStage(model, x, s));
        }, new Dictionary<string, byte[]> { ["scale.onnx"] = Fixtures.ScaleByScalar() }, time: time);

        var request = servable.PredictAsync("m",
            Instance(("x", Floats([1, 2], 2)), ("s", Tensor.Scalar(2f))),
            Instance(("x", Floats([3, 4], 2)), ("s", Tensor.Scalar(3f))));
        await DriveAsync(time, servable, request);

        var outputs = ReplyAssert.Success(await request, 2);
        ReplyAssert.Floats(outputs[0]["y"], [2], 2, 4);
        ReplyAssert.Floats(outputs[1]["y"], [2], 6, 8);
        Assert.Equal(new Dictionary<int, long> { [2] = 1 }, servable.Executor.GetBatchSizes(servable.Models[0]));
    }

    [Fact]
    public async Task Several_outputs_are_split_per_instance()
    {
        await using var servable = Servable(Fixtures.SumAndProduct(), outputs: ["sum", "product"]);

        var reply = await servable.PredictAsync("m", Pair([1, 2], [3, 4]), Pair([5, 6], [7, 8]));

        var outputs = ReplyAssert.Success(reply, 2);
        ReplyAssert.Floats(outputs[0]["sum"], [2], 4, 6);
        ReplyAssert.Floats(outputs[0]["product"], [2], 3, 8);
        ReplyAssert.Floats(outputs[1]["sum"], [2], 12, 14);
        ReplyAssert.Floats(outputs[1]["product"], [2], 35, 48);
    }

    [Fact]
    public async Task Instances_with_different_dynamic_shapes_run_apart()
    {
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("identity.onnx");
            b.RegisterMethod("m", ["y"], x => b.AddStage(model, x));
        }, new Dictionary<string, byte[]> { ["identity.onnx"] = Fixtures.Identity(DataType.Float32) });

        var reply = await servable.PredictAsync("m", Instance(("x", Floats([1, 2, 3], 3))), Instance(("x", Floats([4, 5], 2))),
            Instance(("x", Floats([6, 7, 8], 3))));

        var outputs = ReplyAssert.Success(reply, 3);
        ReplyAssert.Floats(outputs[0]["y"], [3], 1, 2, 3);
        ReplyAssert.Floats(outputs[1]["y"], [2], 4, 5);
        ReplyAssert.Floats(outputs[2]["y"], [3], 6, 7, 8);
    }

    [Fact]
    public async Task A_model_that_fails_while_running_fails_its_instances_with_the_model_tag()
    {
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("reshape.onnx");
            b.RegisterMethod("m", ["y"], x => b.AddStage(model, x));
        }, new Dictionary<string, byte[]> { ["reshape.onnx"] = TestModels.ReshapeToThree() });

        var reply = await servable.PredictAsync("m", Instance(("x", Floats([1, 2], 2))));

        Assert.Equal(ErrorCode.SystemError, reply.Error?.Code);
        Assert.StartsWith("Call Model 'reshape.onnx' Failed, method: 'm', stage index(begin with 1): 1, error msg: ", reply.Error!.Message);
        Assert.True(reply.Error.Message.Length > "Call Model 'reshape.onnx' Failed, method: 'm', stage index(begin with 1): 1, error msg: ".Length);
    }

    [Fact]
    public async Task Sixteen_concurrent_single_instance_requests_share_runs_of_a_dynamic_batch()
    {
        await using var servable = Servable(ManagedModels.AddDynamicBatch(2));
        // Warm the session so the first run's setup does not decide the shape of the batches.
        ReplyAssert.Success(await servable.PredictAsync("m", Pair([0, 0], [0, 0])), 1);
        var warm = servable.Executor.GetBatchSizes(servable.Models[0]).Values.Sum();

        using var start = new ManualResetEventSlim();
        var requests = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            start.Wait(TestTimeout);
            return servable.PredictAsync("m", Pair([i, i], [1, 1]));
        })).ToArray();
        start.Set();

        for (var i = 0; i < requests.Length; i++)
        {
            ReplyAssert.Floats(ReplyAssert.Success(await requests[i].WaitAsync(TestTimeout), 1)[0]["y"], [2], i + 1, i + 1);
        }
        var sizes = servable.Executor.GetBatchSizes(servable.Models[0]);
        output.WriteLine("runs by batch size (16 requests, BatchDelay 0, MaxBatchSize 32, one warm-up run of 1): "
            + string.Join(", ", sizes.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.Equal(17, sizes.Sum(s => s.Key * s.Value));
        Assert.True(sizes.Keys.All(k => k <= 32));
        Assert.True(sizes.Values.Sum() - warm <= 16);
    }

    /// <summary>
    /// Method <c>m(x)</c> over a dense layer whose weights (8 MiB) outweigh one instance: a run of one costs nearly what a
    /// run of many does, so batching saves model time. No batch delay is configured. <paramref name="gate"/>, if given,
    /// holds the first run until released (the model is busy while later requests arrive).
    /// </summary>
    private static TestServable DenseServable(ModelOptions? options = null, TimeProvider? time = null, StageGate? gate = null)
        => Create(b =>
        {
            var declared = b.DeclareModel("dense.onnx", options: options);
            b.RegisterMethod("m", ["y"], x => b.AddStage(declared, x));
        }, _ =>
        {
            var session = OrtSession.FromBytes(Fixtures.Dense(DenseInputs, DenseOutputs));
            return gate is null ? session : new GatedSession(session, gate);
        }, time: time);

    private const int DenseInputs = 2048;
    private const int DenseOutputs = 1024;

    private static Dictionary<string, RequestInput> DenseInstance(int i)
    {
        var x = new float[DenseInputs];
        x[i % DenseInputs] = 1;
        return Instance(("x", Floats(x, DenseInputs)));
    }

    /// <summary>Row <paramref name="i"/> of the weights: the reply to <see cref="DenseInstance"/>(i).</summary>
    private static void AssertDenseRow(InferReply reply, int i)
        => ReplyAssert.Floats(ReplyAssert.Success(reply, 1)[0]["y"], [DenseOutputs],
            [.. Enumerable.Range(0, DenseOutputs).Select(j => Fixtures.DenseWeight(i, j))]);

    [Fact]
    public async Task Under_concurrent_load_requests_that_find_the_model_idle_wait_for_each_other_without_a_configured_delay()
    {
        var time = new ManualTimeProvider();
        var gate = new StageGate();
        await using var servable = DenseServable(time: time, gate: gate);
        var model = servable.Models[0];

        // 64 concurrent single-instance requests: the first runs at once and is held; the other 63 arrive while the model
        // is busy and queue.
        var first = Task.Run(() => servable.PredictAsync("m", DenseInstance(0)));
        await gate.Entered.WaitAsync(TestTimeout);
        var rest = Enumerable.Range(1, 63).Select(i => Task.Run(() => servable.PredictAsync("m", DenseInstance(i)))).ToArray();
        await Eventually.True(() => servable.Executor.GetQueuedCount(model) == 63, "63 requests queue behind the held run");
        gate.Release();
        AssertDenseRow(await first.WaitAsync(TestTimeout), 0);
        // A full batch of 32 runs at once; the 31 left wait for more (no delay is configured), until the clock says enough.
        await time.WaitForTimersCreatedAsync(1).WaitAsync(TestTimeout);
        time.Advance(Engine.Execution.AdaptiveBatchDelay.MaxWait);
        for (var i = 0; i < rest.Length; i++)
        {
            AssertDenseRow(await rest[i].WaitAsync(TestTimeout), i + 1);
        }
        Assert.Equal(new Dictionary<int, long> { [1] = 1, [32] = 1, [31] = 1 }, servable.Executor.GetBatchSizes(model));

        // Still under concurrent load by the recent arrivals: a request that finds the model idle waits for company, and
        // the next one joins its run.
        var a = servable.PredictAsync("m", DenseInstance(100));
        await time.WaitForTimersCreatedAsync(2).WaitAsync(TestTimeout);
        var b = servable.PredictAsync("m", DenseInstance(101));
        await time.WaitForTimersCreatedAsync(3).WaitAsync(TestTimeout);   // took b, waits on for the rest of the bound
        time.Advance(Engine.Execution.AdaptiveBatchDelay.MaxWait);
        AssertDenseRow(await a.WaitAsync(TestTimeout), 100);
        AssertDenseRow(await b.WaitAsync(TestTimeout), 101);

        Assert.Equal(new Dictionary<int, long> { [1] = 1, [2] = 1, [32] = 1, [31] = 1 }, servable.Executor.GetBatchSizes(model));
        Assert.Equal(2, servable.Executor.GetAdaptiveWaits(model));
    }

    /// <summary>
    /// Instances of a run shared by several requests get slices of the run's outputs: a later run must not reuse that
    /// memory while a reply may still read it (runs of at least 64 KiB, the size from which memory would be pooled).
    /// </summary>
    [Theory]
    [InlineData(1024)]    // rows of 4 KB, runs of 16
    [InlineData(16384)]   // rows of 64 KB, runs of 2
    public async Task Outputs_of_a_shared_run_stay_intact_after_later_runs(int outputs)
    {
        var batchSize = Math.Max(2, RequestMemory.MinPooledBytes / (outputs * sizeof(float)));
        var time = new ManualTimeProvider();
        await using var servable = Create(b =>
        {
            var declared = b.DeclareModel("dense.onnx", options: new ModelOptions { MaxBatchSize = batchSize, BatchDelay = s_delay });
            b.RegisterMethod("m", ["y"], x => b.AddStage(declared, x));
        }, _ => OrtSession.FromBytes(Fixtures.Dense(4, outputs)), time: time);

        var replies = new List<InferReply>();
        for (var run = 0; run < 4; run++)
        {
            // One run at a time, each of exactly the batch size: with a configured delay and a clock that never moves, the
            // batch loop waits until the batch is full. Every run's instances differ from the last run's.
            var requests = Enumerable.Range(0, batchSize).Select(i => servable.PredictAsync("m", OneHot((run + i) % 4))).ToList();
            foreach (var request in requests)
            {
                replies.Add(await request.WaitAsync(TestTimeout));
            }
        }

        Assert.Equal(new Dictionary<int, long> { [batchSize] = 4 }, servable.Executor.GetBatchSizes(servable.Models[0]));
        for (var i = 0; i < replies.Count; i++)
        {
            var row = ((i / batchSize) + (i % batchSize)) % 4;
            ReplyAssert.Floats(ReplyAssert.Success(replies[i], 1)[0]["y"], [outputs],
                [.. Enumerable.Range(0, outputs).Select(j => Fixtures.DenseWeight(row, j))]);
        }

        static Dictionary<string, RequestInput> OneHot(int i)
        {
            var x = new float[4];
            x[i] = 1;
            return Instance(("x", Floats(x, 4)));
        }
    }

    /// <summary>
    /// A run shared by several requests whose rows are large enough to pool gives each instance a copy of its rows in its
    /// own request's memory, and the run's output memory goes back to the pool (as one array, a batch of such rows would
    /// be a new large-object-heap array every run); smaller rows stay slices of the run's output, uncopied.
    /// </summary>
    [Theory]
    [InlineData(1024, false)]   // rows of 4 KB
    [InlineData(16384, true)]   // rows of 64 KB
    public async Task Large_rows_of_a_shared_run_are_each_request_s_own_memory(int outputs, bool copied)
    {
        var time = new ManualTimeProvider();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, object>();
        await using var servable = Create(b =>
        {
            var declared = b.DeclareModel("dense.onnx", options: new ModelOptions { MaxBatchSize = 2, BatchDelay = s_delay });
            b.RegisterMethod("m", ["i"], x => b.AddStage((Tensor onehot, Tensor y) =>
            {
                var row = onehot.AsSpan<float>().IndexOf(1f);
                var values = y.AsSpan<float>();
                for (var j = 0; j < outputs; j++)
                {
                    if (values[j] != Fixtures.DenseWeight(row, j))
                    {
                        return -1;
                    }
                }
                Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(y.Data, out var segment));
                seen[row] = segment.Array!;
                return row;
            }, x, b.AddStage(declared, x)));
        }, _ => OrtSession.FromBytes(Fixtures.Dense(4, outputs)), time: time);

        // With a configured delay and a clock that never moves, the batch loop waits until both requests are in.
        var replies = await Task.WhenAll(servable.PredictAsync("m", OneHot(1)), servable.PredictAsync("m", OneHot(2))).WaitAsync(TestTimeout);

        Assert.Equal(new Dictionary<int, long> { [2] = 1 }, servable.Executor.GetBatchSizes(servable.Models[0]));
        Assert.Equal(1, ReplyAssert.Success(replies[0], 1)[0]["i"].AsSpan<int>()[0]);
        Assert.Equal(2, ReplyAssert.Success(replies[1], 1)[0]["i"].AsSpan<int>()[0]);
        Assert.Equal(!copied, ReferenceEquals(seen[1], seen[2]));

        static Dictionary<string, RequestInput> OneHot(int i)
        {
            var x = new float[4];
            x[i] = 1;
            return Instance(("x", Floats(x, 4)));
        }
    }

    [Fact]
    public async Task A_lone_client_runs_single_instances_and_never_waits()
    {
        await using var servable = DenseServable();

        for (var i = 0; i < 40; i++)
        {
            AssertDenseRow(await servable.PredictAsync("m", DenseInstance(i)).WaitAsync(TestTimeout), i);
        }

        Assert.Equal(new Dictionary<int, long> { [1] = 40 }, servable.Executor.GetBatchSizes(servable.Models[0]));
        Assert.Equal(0, servable.Executor.GetAdaptiveWaits(servable.Models[0]));
    }

    [Fact]
    public async Task With_the_adaptive_delay_off_queued_instances_run_at_once()
    {
        var gate = new StageGate();
        await using var servable = DenseServable(new ModelOptions { AdaptiveBatchDelay = false }, gate: gate);
        var model = servable.Models[0];

        var first = Task.Run(() => servable.PredictAsync("m", DenseInstance(0)));
        await gate.Entered.WaitAsync(TestTimeout);
        var rest = Enumerable.Range(1, 40).Select(i => Task.Run(() => servable.PredictAsync("m", DenseInstance(i)))).ToArray();
        await Eventually.True(() => servable.Executor.GetQueuedCount(model) == 40, "40 requests queue behind the held run");
        gate.Release();

        // No clock is driven here: with the adaptive delay off, the 8 left after a full batch run without waiting.
        AssertDenseRow(await first.WaitAsync(TestTimeout), 0);
        for (var i = 0; i < rest.Length; i++)
        {
            AssertDenseRow(await rest[i].WaitAsync(TestTimeout), i + 1);
        }
        Assert.Equal(new Dictionary<int, long> { [1] = 1, [32] = 1, [8] = 1 }, servable.Executor.GetBatchSizes(model));
        Assert.Equal(0, servable.Executor.GetAdaptiveWaits(model));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_model_that_does_not_batch_runs_concurrent_requests_at_once_up_to_its_ConcurrentRuns(int concurrentRuns)
    {
        var session = new RecordingSession(ManagedModels.Add(2));
        session.Hold();
        await using var servable = Servable(session, new ModelOptions { ConcurrentRuns = concurrentRuns }, withBatchDim: false);
        var model = servable.Models[0];

        var requests = Enumerable.Range(0, 5)
            .Select(i => Task.Run(() => servable.PredictAsync("m", Pair([i, i], [1, 1]))))
            .ToArray();
        // Each request runs on its own thread while a run is free; the rest queue until one ends.
        await Eventually.True(() => session.InProgress == concurrentRuns && servable.Executor.GetQueuedCount(model) == 5 - concurrentRuns,
            $"{concurrentRuns} runs in progress and {5 - concurrentRuns} queued");
        Assert.Equal(concurrentRuns, servable.Executor.GetRunningCount(model));
        session.Release();

        for (var i = 0; i < requests.Length; i++)
        {
            var reply = await requests[i].WaitAsync(TestTimeout);
            ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], i + 1, i + 1);
        }
        Assert.Equal(concurrentRuns, session.MostInProgress);
        Assert.Equal(new Dictionary<int, long> { [1] = 5 }, servable.Executor.GetBatchSizes(model));
    }

    [Fact]
    public async Task A_model_that_batches_runs_one_batch_at_a_time_whatever_its_ConcurrentRuns()
    {
        var session = new RecordingSession(ManagedModels.AddDynamicBatch(2));
        session.Hold();
        await using var servable = Servable(session, new ModelOptions { ConcurrentRuns = 4, AdaptiveBatchDelay = false });
        var model = servable.Models[0];

        var first = Task.Run(() => servable.PredictAsync("m", Pair([0, 0], [1, 1])));
        await Eventually.True(() => session.InProgress == 1, "the first run in progress");
        var rest = Enumerable.Range(1, 4).Select(i => Task.Run(() => servable.PredictAsync("m", Pair([i, i], [1, 1])))).ToArray();
        await Eventually.True(() => servable.Executor.GetQueuedCount(model) == 4, "4 requests queue behind the run");
        Assert.Equal(1, session.InProgress);
        session.Release();

        ReplyAssert.Floats((await first.WaitAsync(TestTimeout)).Instances[0].Outputs![0].Value, [2], 1, 1);
        for (var i = 0; i < rest.Length; i++)
        {
            ReplyAssert.Floats((await rest[i].WaitAsync(TestTimeout)).Instances[0].Outputs![0].Value, [2], i + 2, i + 2);
        }
        Assert.Equal(1, session.MostInProgress);
        Assert.Equal(new Dictionary<int, long> { [1] = 1, [4] = 1 }, servable.Executor.GetBatchSizes(model));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65)]
    public void ConcurrentRuns_out_of_range_is_refused(int value)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ModelOptions { ConcurrentRuns = value });

    /// <summary>A real session whose first run waits at <see cref="StageGate"/> (then runs as usual).</summary>
    private sealed class GatedSession(IModelSession inner, StageGate gate) : IModelSession
    {
        private int _runs;

        public IReadOnlyList<ModelValueInfo> Inputs => inner.Inputs;

        public IReadOnlyList<ModelValueInfo> Outputs => inner.Outputs;

        public void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                gate.Pass(inputs[0]);
            }
            inner.Run(inputs, outputs, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
