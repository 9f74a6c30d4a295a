using System.Globalization;
using SharpServing.ModelFixtures;
using SharpServing.OnnxRuntime;

namespace SharpServing.Benchmark;

/// <summary>
/// Many concurrent requests (one instance each unless --instances says more) to a model with a dynamic batch dimension
/// (the fixtures' Dense layer), with batching on (MaxBatchSize 32) and off (MaxBatchSize 1), two servables in one server;
/// each is compared with the model run in process at the batch size the server formed (read by the probe), with the
/// same thread settings.
/// </summary>
internal static class BatchingScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var line = context.Line;
        var concurrency = line.Int("concurrency", 64, 1, 4096);
        var maxBatch = line.Int("max-batch", 32, 2, 65536);
        var inputs = line.Int("dense-in", 1024, 1, 1 << 16);
        var outputs = line.Int("dense-out", 1024, 1, 1 << 16);
        var delay = line.Milliseconds("batch-delay-ms", TimeSpan.Zero);
        var instances = line.Int("instances", 1, 1, 65536);
        var adaptive = !line.Flag("no-adaptive-delay");
        var model = ModelFixtures.ModelFixtures.Dense(inputs, outputs);
        using var server = await context.ServerAsync(() =>
        {
            var folder = context.NewTempFolder();
            WriteServable(folder, "dense_batched", model, maxBatch, delay, context.SessionOptions.AllowSpinning == true, adaptive);
            WriteServable(folder, "dense_single", model, 1, delay, context.SessionOptions.AllowSpinning == true, adaptive);
            return folder;
        });
        var batched = Payload.Floats("dense_batched", "predict", instances, "x", [inputs]);
        var single = Payload.Floats("dense_single", "predict", instances, "x", [inputs]);
        await server.WaitUntilServingAsync(batched, TimeSpan.FromMinutes(2), context.CancellationToken);
        await server.WaitUntilServingAsync(single, TimeSpan.FromMinutes(2), context.CancellationToken);

        foreach (var (payload, name) in new[] { (batched, $"server grpc batch<={maxBatch}"), (single, "server grpc batch=1") })
        {
            LoadResult row;
            using (var client = new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, concurrency))
            {
                row = await LoadRunner.RunAsync("batching", name, client, LoadSettings.From(line, concurrency), instances, server.Pid, server.ProbeSocket, context.CancellationToken);
            }
            var limit = await InProcessAsync(context, model, inputs, row.MeanBatch("model"));
            context.Report.Add(Report.WithLimit(row with { Connections = context.Connections }, limit));
        }
    }

    /// <summary>The servable: one method, predict(x) -> y, the model as its only stage.</summary>
    internal static void WriteServable(string folder, string name, byte[] model, int maxBatchSize, TimeSpan batchDelay, bool spinning,
        bool adaptiveDelay = true)
    {
        var version = Directory.CreateDirectory(Path.Combine(folder, name, "1")).FullName;
        ModelFixtures.ModelFixtures.WriteTo(Path.Combine(version, "model.onnx"), model);
        var delayMs = batchDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(folder, name, "servable_config.csx"), $$"""
            using System;
            using SharpServing;

            var model = DeclareModel("model.onnx", options: new ModelOptions { MaxBatchSize = {{maxBatchSize}}, BatchDelay = TimeSpan.FromMilliseconds({{delayMs}}), AdaptiveBatchDelay = {{(adaptiveDelay ? "true" : "false")}}, AllowSpinning = {{(spinning ? "true" : "false")}} });
            RegisterMethod("predict", outputs: ["y"], x => AddStage(model, x));

            """);
    }

    private static async Task<LoadResult> InProcessAsync(BenchContext context, byte[] model, int inputs, int batch)
    {
        var x = new float[batch * inputs];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (i % 17) / 16f;
        }
        using var client = new OrtLoadClient([(OrtSession.FromBytes(model, context.SessionOptions), [Tensor.Create(x, batch, inputs)])]);
        return await context.RunAsync("batching", $"ort in-process batch={batch}", client, 1, batch, Environment.ProcessId, null);
    }
}
