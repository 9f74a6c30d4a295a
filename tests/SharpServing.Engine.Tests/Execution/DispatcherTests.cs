using static SharpServing.Engine.Tests.Execution.TestServable;

namespace SharpServing.Engine.Tests.Execution;

public sealed class DispatcherTests
{
    [Fact]
    public async Task Three_instances_through_the_model_give_their_own_sums_in_order()
    {
        await using var add = AddServable.Create();

        var reply = await add.PredictAsync("add_common", AddServable.Pair(1), AddServable.Pair(2), AddServable.Pair(3));

        var outputs = ReplyAssert.Success(reply, 3);
        for (var i = 0; i < 3; i++)
        {
            ReplyAssert.Floats(outputs[i]["y"], [2, 2], Enumerable.Repeat(2f * (i + 1), 4).ToArray());
        }
    }

    [Fact]
    public async Task A_function_stage_casts_int32_to_float32_before_the_model()
    {
        await using var add = AddServable.Create();
        var ones = Tensor.Create(new[] { 1, 1, 1, 1 }, 2, 2);

        var reply = await add.PredictAsync("add_cast", Instance(("x1", ones), ("x2", ones)));

        ReplyAssert.Floats(ReplyAssert.Success(reply, 1)[0]["y"], [2, 2], 2, 2, 2, 2);
    }

    [Fact]
    public async Task Unknown_servable_is_not_available()
    {
        await using var add = AddServable.Create();

        var reply = await add.Dispatcher.PredictAsync(new InferRequest("add_x", "add_common", 0, [AddServable.Pair(1)]), default);

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Request servable(add_x) method(add_common) , servable is not available");
    }

    [Fact]
    public async Task Unknown_version_is_named_in_the_text_with_two_spaces()
    {
        await using var add = AddServable.Create();

        var reply = await add.Dispatcher.PredictAsync(new InferRequest("add", "add_common", 2, [AddServable.Pair(1)]), default);

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Request servable(add) method(add_common)  version(2) , servable is not available");
    }

    [Fact]
    public async Task An_explicit_existing_version_is_served()
    {
        await using var add = AddServable.Create();

        var reply = await add.Dispatcher.PredictAsync(new InferRequest("add", "add_common", 1, [AddServable.Pair(1)]), default);

        ReplyAssert.Success(reply, 1);
    }

    [Fact]
    public async Task Unknown_method_is_not_available()
    {
        await using var add = AddServable.Create();

        var reply = await add.PredictAsync("bad", AddServable.Pair(1));

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Request servable(add) method(bad) , method is not available");
    }

    [Fact]
    public async Task Unknown_servable_is_checked_before_zero_instances()
    {
        await using var add = AddServable.Create();

        var reply = await add.Dispatcher.PredictAsync(new InferRequest("nope", "add_common", 0, []), default);

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Request servable(nope) method(add_common) , servable is not available");
    }

    [Fact]
    public async Task Zero_instances_fail_at_once()
    {
        await using var add = AddServable.Create();

        var reply = await add.PredictAsync("add_common");

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Instances count of request cannot be 0, servable: add, method: add_common");
    }

    [Fact]
    public async Task A_missing_input_is_named()
    {
        await using var add = AddServable.Create();

        var reply = await add.PredictAsync("add_common", Instance(("x3", Floats(1, 2, 2)), ("x2", Floats(1, 2, 2))));

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Cannot find input x1 in instance input , servable add, method add_common");
    }

    [Fact]
    public async Task Extra_inputs_are_ignored_even_when_malformed()
    {
        await using var add = AddServable.Create();
        var instance = AddServable.Pair(1);
        instance["x3"] = RequestInput.Invalid(WireTensorCheck.UnknownDataType);

        var reply = await add.PredictAsync("add_common", instance);

        ReplyAssert.Floats(ReplyAssert.Success(reply, 1)[0]["y"], [2, 2], 2, 2, 2, 2);
    }

    [Fact]
    public async Task A_malformed_declared_input_reports_its_detail()
    {
        await using var add = AddServable.Create();
        var instance = AddServable.Pair(1);
        instance["x1"] = RequestInput.Invalid("Tensor check failed: input data size 15 invalid");

        var reply = await add.PredictAsync("add_common", instance);

        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Instances input x1 check failed, detail: Tensor check failed: input data size 15 invalid");
    }

    [Fact]
    public async Task Inputs_are_checked_instance_by_instance_in_declaration_order()
    {
        await using var add = AddServable.Create();
        var first = AddServable.Pair(1);
        first["x2"] = RequestInput.Invalid("Tensor check failed: input  shape [0, 2] invalid");
        first.Remove("x1");
        var second = AddServable.Pair(2);
        second["x1"] = RequestInput.Invalid(WireTensorCheck.UnknownDataType);

        // Instance 0: x1 is missing (declared first) although its x2 is malformed; instance 1 is never reached.
        var reply = await add.PredictAsync("add_common", first, second);
        ReplyAssert.Error(reply, ErrorCode.InvalidInputs, "Cannot find input x1 in instance input , servable add, method add_common");

        // With instance 0 fixed, instance 1's malformed x1 is the first failure.
        reply = await add.PredictAsync("add_common", AddServable.Pair(1), second);
        ReplyAssert.Error(reply, ErrorCode.InvalidInputs,
            "Instances input x1 check failed, detail: Tensor check failed: input data type proto::MS_UNKNOWN invalid");
    }

    [Fact]
    public async Task A_request_beyond_the_queue_limit_is_refused_while_another_is_pending()
    {
        var gate = new StageGate();
        await using var add = AddServable.Create(new ExecutionOptions { MaxEnqueuedRequests = 1 }, (b, _) =>
            b.RegisterMethod("slow", ["y"], x => b.AddStage(gate.Pass, x)));
        var pending = add.PredictAsync("slow", Instance(("x", Floats(1, 2))));
        await gate.Entered.WaitAsync(TestTimeout);

        var refused = await add.PredictAsync("slow", Instance(("x", Floats(2, 2))));
        ReplyAssert.Error(refused, ErrorCode.Failed, "Serving Error: enqueued requests count exceeds the limit 1");

        gate.Release();
        ReplyAssert.Floats(ReplyAssert.Success(await pending, 1)[0]["y"], [2], 1, 1);
        // The slot is free again once the pending request is answered.
        ReplyAssert.Success(await add.PredictAsync("slow", Instance(("x", Floats(3, 2)))), 1);
    }

    [Fact]
    public async Task The_queue_limit_counts_each_method_on_its_own()
    {
        var gate = new StageGate();
        await using var add = AddServable.Create(new ExecutionOptions { MaxEnqueuedRequests = 1 }, (b, _) =>
            b.RegisterMethod("slow", ["y"], x => b.AddStage(gate.Pass, x)));
        var pending = add.PredictAsync("slow", Instance(("x", Floats(1, 2))));
        await gate.Entered.WaitAsync(TestTimeout);

        ReplyAssert.Success(await add.PredictAsync("add_common", AddServable.Pair(1)), 1);

        gate.Release();
        ReplyAssert.Success(await pending, 1);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_starts_is_cancelled()
    {
        await using var add = AddServable.Create();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => add.PredictAsync("add_common", cancelled.Token, AddServable.Pair(1)));
    }

    [Fact]
    public async Task A_request_cancelled_while_a_stage_runs_is_cancelled_and_frees_its_queue_slot()
    {
        var gate = new StageGate();
        await using var add = AddServable.Create(new ExecutionOptions { MaxEnqueuedRequests = 1 }, (b, model) =>
            b.RegisterMethod("gated", ["y"], (x1, x2) => b.AddStage(model, b.AddStage(gate.Pass, x1), x2)));
        using var client = new CancellationTokenSource();
        var request = add.PredictAsync("gated", client.Token, AddServable.Pair(1));
        await gate.Entered.WaitAsync(TestTimeout);

        client.Cancel();
        gate.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        ReplyAssert.Success(await add.PredictAsync("add_common", AddServable.Pair(1)), 1);
        // The cancelled instance never reached the model: the only run is the request above.
        Assert.Equal(new Dictionary<int, long> { [1] = 1 }, add.Executor.GetBatchSizes(add.Models[0]));
    }
}
