using System.Text;
using static SharpServing.Engine.Tests.Execution.TestServable;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

public sealed class MethodExecutionTests
{
    private static TestServable Functions(Action<ServableBuilder> configure, ExecutionOptions? options = null) => Create(configure, options: options);

    private static Dictionary<string, RequestInput> X(Tensor x) => Instance(("x", x));

    [Fact]
    public async Task A_tagged_stage_that_throws_reports_its_tag_stage_index_and_message()
    {
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage(Preprocess, x, tag: "Preprocess")));

        var reply = await servable.PredictAsync("m", X(Floats(1, 2)));

        ReplyAssert.Error(reply, ErrorCode.SystemError,
            "Call Preprocess Failed, method: 'm', stage index(begin with 1): 1, error msg: invalid preprocess");
    }

    [Fact]
    public async Task An_untagged_function_is_named_by_servable_and_function_and_counts_stages_from_one()
    {
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage(Preprocess, (Placeholder)b.AddStage(Same, x))));

        var reply = await servable.PredictAsync("m", X(Floats(1, 2)));

        ReplyAssert.Error(reply, ErrorCode.SystemError,
            "Call Function 'svc.Preprocess' Failed, method: 'm', stage index(begin with 1): 2, error msg: invalid preprocess");
    }

    [Fact]
    public async Task One_failing_instance_among_good_ones_fails_alone_and_skips_its_later_stages()
    {
        var calls = 0;
        Tensor Count(Tensor x)
        {
            Interlocked.Increment(ref calls);
            return x;
        }
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage(Count, (Placeholder)b.AddStage(FailOnNegative, x))));

        var reply = await servable.PredictAsync("m", X(Floats(1, 1)), X(Floats(-1, 1)), X(Floats(2, 1)), X(Floats(3, 1)));

        Assert.Null(reply.Error);
        Assert.Equal([0, 3, 0, 0], reply.Instances.Select(i => (int)(i.Error?.Code ?? ErrorCode.Success)));
        Assert.Equal("Call Function 'svc.FailOnNegative' Failed, method: 'm', stage index(begin with 1): 1, error msg: negative input -1",
            reply.Instances[1].Error!.Message);
        Assert.Equal([1f, 2f, 3f], new[] { 0, 2, 3 }.Select(i => reply.Instances[i].Outputs![0].Value.ToArray<float>()[0]));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Scalars_strings_and_bytes_returned_by_stages_become_zero_d_tensors()
    {
        await using var servable = Functions(b => b.RegisterMethod("m", ["text", "count", "bytes", "real", "flag"], x =>
        {
            var text = b.AddStage((Tensor _) => "ABC" + "123", x);
            var count = b.AddStage((Tensor _) => 3L, x);
            var bytes = b.AddStage((Tensor _) => new byte[] { 1, 2, 3 }, x);
            var real = b.AddStage((Tensor _) => 3.5, x);
            var flag = b.AddStage((Tensor _) => true, x);
            return new Outputs(text, count, bytes, real, flag);
        }));

        var outputs = ReplyAssert.Success(await servable.PredictAsync("m", X(Floats(1, 1))), 1)[0];

        Assert.Equal((DataType.String, 0, "ABC123"), (outputs["text"].DataType, outputs["text"].Rank, outputs["text"].GetString()));
        Assert.Equal((DataType.Int64, 0, 3L), (outputs["count"].DataType, outputs["count"].Rank, outputs["count"].ToScalar<long>()));
        Assert.Equal((DataType.Bytes, 0), (outputs["bytes"].DataType, outputs["bytes"].Rank));
        Assert.Equal(new byte[] { 1, 2, 3 }, outputs["bytes"].GetItem().ToArray());
        Assert.Equal((DataType.Float64, 0, 3.5), (outputs["real"].DataType, outputs["real"].Rank, outputs["real"].ToScalar<double>()));
        Assert.Equal((DataType.Bool, 0, true), (outputs["flag"].DataType, outputs["flag"].Rank, outputs["flag"].ToScalar<bool>()));
    }

    [Fact]
    public async Task Parameters_convert_from_tensors_to_arrays_scalars_and_text()
    {
        static (float[,], long, string, int[]) Convert(float[,] matrix, long scalar, string text, int[] flat)
            => (matrix, scalar * 2, text.ToUpperInvariant(), [.. flat.Select(v => v + 1)]);
        await using var servable = Create(b => b.RegisterMethod("m", ["matrix", "scalar", "text", "flat"], (m, s, t, f) =>
            (Outputs)b.AddStage(Convert, m, s, t, f, outputsCount: 4)));

        var reply = await servable.PredictAsync("m", Instance(
            ("m", Floats([1, 2, 3, 4, 5, 6], 2, 3)),
            ("s", Tensor.Scalar(21)),                       // int32 on the wire, long in the function
            ("t", Tensor.FromItems(DataType.String, [1], [Encoding.UTF8.GetBytes("abc")])),
            ("f", Tensor.Create(new[] { 1, 2, 3, 4 }, 2, 2))));

        var outputs = ReplyAssert.Success(reply, 1)[0];
        ReplyAssert.Floats(outputs["matrix"], [2, 3], 1, 2, 3, 4, 5, 6);
        Assert.Equal((DataType.Int64, 42L), (outputs["scalar"].DataType, outputs["scalar"].ToScalar<long>()));
        Assert.Equal("ABC", outputs["text"].GetString());
        Assert.Equal(new[] { 2, 3, 4, 5 }, outputs["flat"].ToArray<int>());
        Assert.Equal([4L], outputs["flat"].Dims);
    }

    [Fact]
    public async Task A_parameter_that_cannot_take_the_value_fails_the_instance_with_the_conversion_message()
    {
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage((long v) => v, x)));

        var reply = await servable.PredictAsync("m", X(Floats(1, 3)));

        ReplyAssert.Error(reply, ErrorCode.SystemError,
            "Call Function 'svc.lambda' Failed, method: 'm', stage index(begin with 1): 1, error msg: Expected a scalar, got a tensor of shape [3].");
    }

    [Fact]
    public void A_function_with_a_parameter_type_that_has_no_tensor_form_fails_the_load()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage((Uri u) => 1L, x))));

        Assert.Contains("parameter 'u' has type Uri", error.Message);
    }

    [Fact]
    public async Task A_batch_function_gets_the_instances_as_a_list_of_tuples_in_calls_of_at_most_its_batch_size()
    {
        var callSizes = new List<int>();
        IEnumerable<float> Sum(IReadOnlyList<(float A, float B)> instances)
        {
            lock (callSizes)
            {
                callSizes.Add(instances.Count);
            }
            return instances.Select(i => i.A + i.B);
        }
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], (a, c) => b.AddStage(Sum, a, c, batchSize: 2)));

        var reply = await servable.PredictAsync("m", [.. Enumerable.Range(1, 5).Select(i =>
            Instance(("a", Tensor.Scalar((float)i)), ("c", Tensor.Scalar(10f))))]);

        var outputs = ReplyAssert.Success(reply, 5);
        Assert.Equal([11f, 12f, 13f, 14f, 15f], outputs.Select(o => o["y"].ToScalar<float>()));
        Assert.Equal([1, 2, 2], callSizes.Order());
    }

    [Fact]
    public async Task A_batch_function_returning_fewer_results_fails_the_instances_without_one()
    {
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x =>
            b.AddStage((IReadOnlyList<Tensor> xs) => xs.Take(1), x, batchSize: 2)));

        var reply = await servable.PredictAsync("m", X(Floats(1, 1)), X(Floats(2, 1)));

        Assert.Null(reply.Error);
        Assert.Null(reply.Instances[0].Error);
        Assert.Equal(ErrorCode.SystemError, reply.Instances[1].Error!.Code);
        Assert.Equal("Call Function 'svc.lambda' Failed, method: 'm', stage index(begin with 1): 1, error msg: "
            + "the batch function returned 1 results for 2 instances, no result for instance 1", reply.Instances[1].Error!.Message);
    }

    [Fact]
    public async Task A_batch_function_with_batch_size_zero_and_no_models_gets_one_instance_per_call()
    {
        var callSizes = new List<int>();
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage((IReadOnlyList<Tensor> xs) =>
        {
            lock (callSizes)
            {
                callSizes.Add(xs.Count);
            }
            return xs;
        }, x, batchSize: 0)));

        ReplyAssert.Success(await servable.PredictAsync("m", X(Floats(1, 1)), X(Floats(2, 1)), X(Floats(3, 1))), 3);

        Assert.Equal([1, 1, 1], callSizes);
    }

    [Theory]
    [InlineData(true, 2)]    // only method inputs: the smallest model batch size
    [InlineData(false, 4)]   // an earlier stage's output: the largest
    public async Task A_batch_function_with_batch_size_zero_takes_its_size_from_the_method_models(bool fromInputs, int expected)
    {
        var callSizes = new List<int>();
        IEnumerable<Tensor> Record(IReadOnlyList<Tensor> xs)
        {
            lock (callSizes)
            {
                callSizes.Add(xs.Count);
            }
            return xs;
        }
        await using var servable = Create(b =>
        {
            var two = b.DeclareModel("two.onnx");
            var four = b.DeclareModel("four.onnx");
            b.RegisterMethod("m", ["y", "z"], (x1, x2) =>
            {
                var source = fromInputs ? x1 : (Placeholder)b.AddStage(Same, x1);
                Placeholder batched = b.AddStage(Record, source, batchSize: 0);
                return (b.AddStage(two, batched, x2)[0], b.AddStage(four, batched, x2)[0]);
            });
        }, new Dictionary<string, byte[]> { ["two.onnx"] = Fixtures.Add(2, 2), ["four.onnx"] = Fixtures.Add(4, 2) });

        ReplyAssert.Success(await servable.PredictAsync("m", [.. Enumerable.Range(0, 5).Select(_ =>
            Instance(("x1", Floats(1, 2)), ("x2", Floats(1, 2))))]), 5);

        Assert.Equal(expected, callSizes.Max());
        Assert.Equal(5, callSizes.Sum());
    }

    [Fact]
    public async Task A_batch_function_returning_more_results_is_fine_and_one_that_throws_fails_every_instance_of_the_call()
    {
        await using var servable = Functions(b =>
        {
            b.RegisterMethod("more", ["y"], x => b.AddStage((IReadOnlyList<Tensor> xs) => xs.Concat(xs), x, batchSize: 0));
            b.RegisterMethod("throws", ["y"], x => b.AddStage(ThrowingBatch, x, batchSize: 0, tag: "Batch"));
        });

        ReplyAssert.Success(await servable.PredictAsync("more", X(Floats(1, 1)), X(Floats(2, 1))), 2);
        var reply = await servable.PredictAsync("throws", X(Floats(1, 1)), X(Floats(2, 1)));
        ReplyAssert.Error(reply, ErrorCode.SystemError, "Call Batch Failed, method: 'throws', stage index(begin with 1): 1, error msg: batch broke");
    }

    [Fact]
    public async Task A_stage_can_call_a_model_and_stage_outputs_feed_later_stages_and_method_outputs()
    {
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("add.onnx");
            b.RegisterMethod("m", ["y", "echo"], x =>
            {
                Placeholder doubled = b.AddStage((Tensor v) => model.Call(v, v)[0], x);
                Placeholder plusOne = b.AddStage((float[] v) => v.Select(f => f + 1).ToArray(), doubled);
                return (plusOne, x);
            });
        }, new Dictionary<string, byte[]> { ["add.onnx"] = Fixtures.AddDynamicBatch(2) });

        var outputs = ReplyAssert.Success(await servable.PredictAsync("m", X(Floats([1, 2], 2)), X(Floats([3, 4], 2))), 2);

        ReplyAssert.Floats(outputs[0]["y"], [2], 3, 5);
        ReplyAssert.Floats(outputs[1]["y"], [2], 7, 9);
        ReplyAssert.Floats(outputs[1]["echo"], [2], 3, 4);
    }

    [Fact]
    public async Task A_model_call_with_a_misfit_value_fails_the_calling_stage()
    {
        await using var servable = Create(b =>
        {
            var model = b.DeclareModel("add.onnx");
            b.RegisterMethod("m", ["y"], x => b.AddStage((Tensor v) => model.Call(v, v)[0], x, tag: "Caller"));
        }, new Dictionary<string, byte[]> { ["add.onnx"] = Fixtures.AddDynamicBatch(2) });

        var reply = await servable.PredictAsync("m", X(Floats(1, 3)));

        ReplyAssert.Error(reply, ErrorCode.SystemError,
            "Call Caller Failed, method: 'm', stage index(begin with 1): 1, error msg: Given model input 0 size 12 not match the size 8 defined in model");
    }

    [Fact]
    public async Task Function_stages_run_at_most_parallel_workers_at_once()
    {
        var running = 0;
        var most = 0;
        Tensor Busy(Tensor x)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.SpinWait(2_000_000);
            Interlocked.Decrement(ref running);
            return x;
        }
        await using var servable = Functions(b => b.RegisterMethod("m", ["y"], x => b.AddStage(Busy, x)), new ExecutionOptions { ParallelWorkers = 1 });

        var requests = Enumerable.Range(0, 3).Select(_ => servable.PredictAsync("m", X(Floats(1, 1)), X(Floats(2, 1)))).ToArray();
        foreach (var request in requests)
        {
            ReplyAssert.Success(await request, 2);
        }

        Assert.Equal(1, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private static Tensor Preprocess(Tensor x) => throw new InvalidOperationException("invalid preprocess");

    private static Tensor Same(Tensor x) => x;

    private static Tensor FailOnNegative(Tensor x)
        => x.ToArray<float>()[0] < 0 ? throw new ArgumentException($"negative input {x.ToArray<float>()[0]}") : x;

    private static IEnumerable<Tensor> ThrowingBatch(IReadOnlyList<Tensor> xs) => throw new InvalidOperationException("batch broke");
}
