using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>The engine's instruments, read with a <see cref="MeterListener"/> while real requests run.</summary>
public sealed class MetricsTests : IDisposable
{
    // A model file name no other test uses: the instruments are process-wide and tagged with the model key.
    private const string ModelFile = "metered_add.onnx";
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public async Task Each_model_run_records_its_batch_size_and_duration_and_each_request_its_outcome()
    {
        _servables.WriteScript("metered", $$"""
            var model = DeclareModel("{{ModelFile}}", withBatchDim: false);
            RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2));
            """);
        _servables.WriteModel("metered", 1, ModelFile, Fixtures.TensorAdd());
        var manager = new ServableManager(_servables.Configuration(_servables.Config("metered")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(Predict.Timeout);

        var sizes = new ConcurrentQueue<int>();
        var durations = new ConcurrentQueue<double>();
        var outcomes = new ConcurrentQueue<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = static (instrument, l) =>
            {
                if (instrument.Meter.Name == "SharpServing.Engine")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "sharpserving.batch.size" && Tag(tags, "model") == ModelFile)
            {
                sizes.Enqueue(value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "sharpserving.model.run.duration" && Tag(tags, "model") == ModelFile)
            {
                durations.Enqueue(value);
            }
        });
        // The request and instance counters are observed: their cumulative counts are read when the listener collects.
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name is "sharpserving.requests" or "sharpserving.instances" && Tag(tags, "servable") == "metered")
            {
                outcomes.Enqueue($"{instrument.Name} {Tag(tags, "method")}:{Tag(tags, "outcome")}:{value}");
            }
        });
        listener.Start();

        await Predict.AssertAddsAsync(manager, "metered");
        await Predict.AssertAddsAsync(manager, "metered");
        // A refused request of a known method counts as an error; a made-up method never becomes a tag value.
        var missingInput = new InferRequest("metered", "add_common", 0, [new Dictionary<string, RequestInput> { ["x1"] = Tensor.Create([1f, 2f, 3f, 4f], 2, 2) }]);
        var refused = await new Dispatcher(manager, new ExecutionOptions()).PredictAsync(missingInput, CancellationToken.None).WaitAsync(Predict.Timeout);
        var unknown = await Predict.AddAsync(manager, "metered", method: "no_such_method");

        listener.RecordObservableInstruments();

        Assert.NotNull(refused.Error);
        Assert.NotNull(unknown.Error);
        Assert.Equal([1, 1], sizes);
        Assert.Equal(2, durations.Count);
        Assert.All(durations, d => Assert.InRange(d, 1e-7, Predict.Timeout.TotalSeconds));
        Assert.Equal(["sharpserving.requests add_common:ok:2", "sharpserving.requests add_common:error:1", "sharpserving.instances add_common:ok:2"],
            outcomes.Order(StringComparer.Ordinal).Reverse());
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }
        return null;
    }
}
