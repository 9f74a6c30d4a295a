using SharpServing.Engine.Execution;
using SharpServing.Tests.Shared;
using static SharpServing.Engine.Tests.Execution.TestServable;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// Long model runs are made by their replica's run threads (one thread per run the replica may have in progress), short
/// ones on the caller's thread; results, failures and the threads' end after the version stops.
/// </summary>
public sealed class RunThreadTests
{
    /// <summary>Longer than <see cref="ModelBatcher.LongRunTicks"/> (2 ms) with room for a coarse clock.</summary>
    private static readonly TimeSpan s_long = TimeSpan.FromMilliseconds(8);

    /// <summary>Method <c>m(x1, x2)</c> over one model file named <paramref name="file"/>.</summary>
    private static TestServable Servable(IModelSession model, string file, ModelOptions? options = null, bool withBatchDim = true)
        => Create(b =>
        {
            var declared = b.DeclareModel(file, withBatchDim, null, options);
            b.RegisterMethod("m", ["y"], (x1, x2) => b.AddStage(declared, x1, x2));
        }, _ => model);

    private static Dictionary<string, RequestInput> Pair(float a, float b)
        => Instance(("x1", Floats([a, a], 2)), ("x2", Floats([b, b], 2)));

    [Fact]
    public async Task Long_runs_are_made_by_one_run_thread_named_after_the_model()
    {
        var session = new RecordingSession(ManagedModels.Add(2), s_long);
        await using var servable = Servable(session, "long.onnx", withBatchDim: false);

        for (var i = 0; i < 6; i++)
        {
            // Each request from a fresh thread-pool work item: the callers differ, the run thread does not.
            var reply = await Task.Run(() => servable.PredictAsync("m", Pair(i, 1)));
            ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], i + 1, i + 1);
        }

        var runs = session.Runs.ToArray();
        Assert.Equal(6, runs.Length);
        // The first run is timed on its caller's thread: nothing was known of the model's run time before it.
        Assert.NotEqual("run long.onnx", runs[0].Name);
        Assert.All(runs.Skip(1), r => Assert.Equal("run long.onnx", r.Name));
        Assert.Single(runs.Skip(1).Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task Short_runs_stay_on_the_callers_threads()
    {
        var session = new RecordingSession(ManagedModels.Add(2), TimeSpan.Zero);
        await using var servable = Servable(session, "short.onnx", withBatchDim: false);

        for (var i = 0; i < 20; i++)
        {
            var reply = await servable.PredictAsync("m", Pair(i, 2));
            ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], i + 2, i + 2);
        }

        Assert.Equal(20, session.Runs.Count);
        Assert.All(session.Runs, r => Assert.False(r.Name?.StartsWith("run ", StringComparison.Ordinal) ?? false, r.Name));
    }

    [Fact]
    public async Task A_failing_long_run_fails_its_request_with_the_model_s_message_and_the_next_run_works()
    {
        var session = new RecordingSession(ManagedModels.Add(2), s_long) { FailRun = 3 };
        await using var servable = Servable(session, "failing.onnx", withBatchDim: false);

        for (var i = 1; i <= 4; i++)
        {
            var reply = await servable.PredictAsync("m", Pair(i, 1));
            if (i == 3)
            {
                Assert.Equal(ErrorCode.SystemError, reply.Error?.Code);
                Assert.Contains("run 3 failed on purpose", reply.Error!.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(reply.Error);
                ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], i + 1, i + 1);
            }
        }
        Assert.Equal("run failing.onnx", session.Runs.ToArray()[2].Name);
    }

    [Fact]
    public async Task Concurrent_long_runs_of_a_model_that_does_not_batch_take_one_run_thread_each_up_to_its_ConcurrentRuns()
    {
        var session = new RecordingSession(ManagedModels.Add(2), s_long);
        await using var servable = Servable(session, "wide.onnx", new ModelOptions { ConcurrentRuns = 3 }, withBatchDim: false);
        var model = servable.Models[0];
        // One run first, to learn that the model's runs are long.
        await servable.PredictAsync("m", Pair(0, 1));

        session.Hold();
        var requests = Enumerable.Range(1, 5).Select(i => Task.Run(() => servable.PredictAsync("m", Pair(i, 1)))).ToArray();
        await Eventually.True(() => session.InProgress == 3 && servable.Executor.GetQueuedCount(model) == 2, "3 runs in progress and 2 queued");
        session.Release();

        for (var i = 0; i < requests.Length; i++)
        {
            var reply = await requests[i].WaitAsync(TestTimeout);
            ReplyAssert.Floats(reply.Instances[0].Outputs![0].Value, [2], i + 2, i + 2);
        }
        var held = session.Runs.Skip(1).ToArray();
        Assert.Equal(5, held.Length);
        Assert.All(held, r => Assert.Equal("run wide.onnx", r.Name));
        Assert.Equal(3, held.Select(r => r.Id).Distinct().Count());
        Assert.Equal(3, session.MostInProgress);
    }

    [Fact]
    public async Task The_run_threads_end_when_the_version_stops()
    {
        var session = new RecordingSession(ManagedModels.Add(2), s_long);
        var servable = Servable(session, "ends.onnx", withBatchDim: false);
        for (var i = 0; i < 3; i++)
        {
            await servable.PredictAsync("m", Pair(i, 1));
        }
        Assert.Contains("run ends.onnx", ThreadNames.OfThisProcess());

        await servable.DisposeAsync();

        await Eventually.True(() => !ThreadNames.OfThisProcess().Contains("run ends.onnx"), "the run thread has ended");
    }

    [Fact]
    public void A_run_thread_runs_the_work_on_itself_rethrows_its_failure_and_refuses_work_once_stopped()
    {
        var thread = new RunThread("run unit");
        string? name = null;
        thread.Invoke(() => name = Thread.CurrentThread.Name);
        Assert.Equal("run unit", name);

        var failure = Assert.Throws<ModelRuntimeException>(() => thread.Invoke(() => throw new ModelRuntimeException("bad input")));
        Assert.Equal("bad input", failure.Message);
        thread.Invoke(() => name = "after the failure");
        Assert.Equal("after the failure", name);

        thread.Dispose();
        thread.Dispose();
        Assert.Throws<ObjectDisposedException>(() => thread.Invoke(() => { }));
    }
}
