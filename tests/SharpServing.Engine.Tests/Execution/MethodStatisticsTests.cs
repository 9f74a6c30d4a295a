using System.Diagnostics;
using static SharpServing.Engine.Tests.Execution.TestServable;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// Where a method's time goes (<see cref="MethodStatistics"/>): a stage held by the test for a while must show at least
/// that long in the duration of its position, the runs of a model in the batch statistics. The statistics are
/// process-wide per servable, method and version: each test names its servable uniquely.
/// </summary>
public sealed class MethodStatisticsTests
{
    // Long enough to stand out from the rest of a request's time; only ever a lower bound in the assertions.
    private static readonly TimeSpan s_hold = TimeSpan.FromMilliseconds(20);

    private static Dictionary<string, RequestInput> Pair(float value) => Instance(("x1", Floats(value, 2)), ("x2", Floats(value, 2)));

    private static TestServable Servable(Action<ServableBuilder, Model> methods, IModelSession? session = null)
        => Create(b => methods(b, b.DeclareModel("model.onnx", options: new ModelOptions { MaxBatchSize = 4 })),
            _ => session ?? ManagedModels.AddDynamicBatch(2), name: $"stats-{Guid.NewGuid():N}");

    private static MethodStatistics Statistics(TestServable servable, string method)
        => MethodStatistics.Find(servable.Version.Name, method, servable.Version.Number) ?? throw new InvalidOperationException("no statistics");

    /// <summary>Runs one request of <paramref name="method"/> while <paramref name="gate"/> holds it; returns how long the
    /// test held the gate at least (from seeing it entered to releasing it), in nanoseconds.</summary>
    private static async Task<long> RunHeldAsync(TestServable servable, string method, StageGate gate)
    {
        var request = servable.PredictAsync(method, Pair(1));
        await gate.Entered.WaitAsync(TestTimeout);
        var entered = Stopwatch.GetTimestamp();
        await Task.Delay(s_hold);
        var held = Stopwatch.GetElapsedTime(entered);
        gate.Release();
        ReplyAssert.Success(await request, 1);
        return (long)(held.TotalMilliseconds * 1e6);
    }

    private static void AssertConsistent(MethodStatistics statistics, long requests)
    {
        Assert.Equal(requests, statistics.Count);
        Assert.True(statistics.QueueNanoseconds > 0);
        Assert.True(statistics.ComputeInputNanoseconds > 0);
        Assert.True(statistics.ComputeInferNanoseconds > 0);
        Assert.True(statistics.ComputeOutputNanoseconds > 0);
    }

    [Fact]
    public async Task A_CSharp_stage_before_the_first_model_stage_is_compute_input()
    {
        var gate = new StageGate();
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(model, (Placeholder)b.AddStage(gate.Pass, x1), x2)));

        var held = await RunHeldAsync(servable, "m", gate);

        var statistics = Statistics(servable, "m");
        AssertConsistent(statistics, 1);
        Assert.True(statistics.ComputeInputNanoseconds >= held, $"{statistics.ComputeInputNanoseconds} < {held}");
    }

    [Fact]
    public async Task A_CSharp_stage_between_model_stages_is_compute_infer()
    {
        var gate = new StageGate();
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) =>
            b.AddStage(model, (Placeholder)b.AddStage(gate.Pass, (Placeholder)b.AddStage(model, x1, x2)), x2)));

        var held = await RunHeldAsync(servable, "m", gate);

        var statistics = Statistics(servable, "m");
        AssertConsistent(statistics, 1);
        Assert.True(statistics.ComputeInferNanoseconds >= held, $"{statistics.ComputeInferNanoseconds} < {held}");
        // Two model stages, one run each, of one instance.
        var batch = Assert.Single(statistics.Batches);
        Assert.Equal((1, 2L), (batch.BatchSize, batch.Count));
    }

    [Fact]
    public async Task A_CSharp_stage_after_the_last_model_stage_is_compute_output()
    {
        var gate = new StageGate();
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(gate.Pass, (Placeholder)b.AddStage(model, x1, x2))));

        var held = await RunHeldAsync(servable, "m", gate);

        var statistics = Statistics(servable, "m");
        AssertConsistent(statistics, 1);
        Assert.True(statistics.ComputeOutputNanoseconds >= held, $"{statistics.ComputeOutputNanoseconds} < {held}");
    }

    [Fact]
    public async Task A_model_run_is_compute_infer_and_an_instance_queued_behind_it_waits_in_queue_time()
    {
        var gate = new StageGate();
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(model, x1, x2)),
            new GatedSession(ManagedModels.AddDynamicBatch(2), gate));

        // The first request runs on its own thread and holds the model; the second queues behind it.
        // On a thread of its own: an idle model runs the request on the caller's thread, which the gate holds.
        var first = Task.Run(() => servable.PredictAsync("m", Pair(1)));
        await gate.Entered.WaitAsync(TestTimeout);
        var entered = Stopwatch.GetTimestamp();
        var second = servable.PredictAsync("m", Pair(2));
        await Eventually.True(() => servable.Executor.GetQueuedCount(servable.Models[0]) == 1, "the second request is queued");
        var queued = Stopwatch.GetTimestamp();
        await Task.Delay(s_hold);
        var released = Stopwatch.GetTimestamp();
        gate.Release();
        ReplyAssert.Success(await first, 1);
        ReplyAssert.Success(await second, 1);

        var statistics = Statistics(servable, "m");
        AssertConsistent(statistics, 2);
        Assert.True(statistics.ComputeInferNanoseconds >= Nanoseconds(released - entered));
        Assert.True(statistics.QueueNanoseconds >= Nanoseconds(released - queued));
        Assert.Equal(2, statistics.Batches.Single(b => b.BatchSize == 1).Count);
    }

    [Fact]
    public async Task A_run_shared_by_two_requests_counts_once_in_the_batch_statistics_and_in_each_request()
    {
        var gate = new StageGate();
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(model, x1, x2)),
            new GatedSession(ManagedModels.AddDynamicBatch(2), gate));

        // While the first run holds the model, two requests queue; the batch loop then runs them together.
        // On a thread of its own: an idle model runs the request on the caller's thread, which the gate holds.
        var first = Task.Run(() => servable.PredictAsync("m", Pair(1)));
        await gate.Entered.WaitAsync(TestTimeout);
        var queued = new[] { servable.PredictAsync("m", Pair(2)), servable.PredictAsync("m", Pair(3)) };
        await Eventually.True(() => servable.Executor.GetQueuedCount(servable.Models[0]) == 2, "both requests are queued");
        gate.Release();
        ReplyAssert.Success(await first, 1);
        foreach (var request in queued)
        {
            ReplyAssert.Success(await request, 1);
        }

        var statistics = Statistics(servable, "m");
        AssertConsistent(statistics, 3);
        var sizes = servable.Executor.GetBatchSizes(servable.Models[0]);
        Assert.Equal(new Dictionary<int, long> { [1] = 1, [2] = 1 }, sizes);
        Assert.Equal(sizes, statistics.Batches.ToDictionary(b => b.BatchSize, b => b.Count));
        Assert.All(statistics.Batches, b => Assert.True(b.ComputeInferNanoseconds > 0));
        // Each request counts its run wholly: the runs' session time, the shared one twice.
        var runs = statistics.Batches.Sum(b => b.ComputeInferNanoseconds);
        Assert.True(statistics.ComputeInferNanoseconds > runs);
    }

    [Fact]
    public async Task A_request_with_a_failed_instance_is_not_counted_but_its_run_is()
    {
        await using var servable = Servable((b, model) => b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(model, x1, x2)));
        var misfit = Instance(("x1", Floats(1, 3)), ("x2", Floats(1, 3)));

        var reply = await servable.PredictAsync("m", Pair(1), misfit);

        Assert.NotNull(reply.Instances[1].Error);
        var statistics = Statistics(servable, "m");
        Assert.Equal(0, statistics.Count);
        Assert.Equal(0, statistics.QueueNanoseconds);
        Assert.Equal(1, statistics.Batches.Single().Count);
    }

    private static long Nanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>A model whose runs wait at <paramref name="gate"/> first.</summary>
    private sealed class GatedSession(IModelSession inner, StageGate gate) : IModelSession
    {
        public IReadOnlyList<ModelValueInfo> Inputs => inner.Inputs;

        public IReadOnlyList<ModelValueInfo> Outputs => inner.Outputs;

        public void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
        {
            gate.Pass(inputs[0]);
            inner.Run(inputs, outputs, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
