using System.Diagnostics;
using System.Globalization;
using SharpServing.ModelFixtures;
using SharpServing.OnnxRuntime;

namespace SharpServing.Benchmark;

/// <summary>
/// Many concurrent requests (one instance each unless --instances says more) to a model with a dynamic batch dimension
/// (the fixtures' Dense layer), with batching on (MaxBatchSize 32) and off (MaxBatchSize 1), two servables in one server;
/// each is compared with the model run in process at the batch size the server formed (read by the probe), with the
/// same thread settings. Measured only once the server's JIT is quiet; with <c>--repeat N</c>, N interleaved on/off pairs
/// and their median ratio instead of the in-process rows.
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
        var intraOp = line.Int("intra-op", 0, 0, 1024);
        var model = ModelFixtures.ModelFixtures.Dense(inputs, outputs);
        using var server = await context.ServerAsync(() =>
        {
            var folder = context.NewTempFolder();
            WriteServable(folder, "dense_batched", model, maxBatch, delay, context.SessionOptions.AllowSpinning == true, adaptive, intraOp);
            WriteServable(folder, "dense_single", model, 1, delay, context.SessionOptions.AllowSpinning == true, adaptive, intraOp);
            return folder;
        });
        var batched = Payload.Floats("dense_batched", "predict", instances, "x", [inputs]);
        var single = Payload.Floats("dense_single", "predict", instances, "x", [inputs]);
        await server.WaitUntilServingAsync(batched, TimeSpan.FromMinutes(2), context.CancellationToken);
        await server.WaitUntilServingAsync(single, TimeSpan.FromMinutes(2), context.CancellationToken);

        var repeat = line.Int("repeat", 1, 1, 100);
        if (!line.Flag("no-jit-warmup") && server.Pid is { } pid)
        {
            await ServerTarget.WarmUntilJitQuietAsync(pid, concurrency, [
                () => new GrpcLoadClient(server.Grpc, batched.GrpcFrame, context.Connections, concurrency),
                () => new GrpcLoadClient(server.Grpc, single.GrpcFrame, context.Connections, concurrency)], context.CancellationToken);
        }
        var on = (Payload: batched, Name: $"server grpc batch<={maxBatch}");
        var off = (Payload: single, Name: "server grpc batch=1");
        var pairs = new List<(LoadResult On, LoadResult Off)>();
        for (var pair = 0; pair < repeat; pair++)
        {
            // Every other pair starts with batching off, so neither side always runs on a server the other row warmed.
            LoadResult? onRow = null, offRow = null;
            foreach (var (payload, name) in pair % 2 == 0 ? new[] { on, off } : [off, on])
            {
                LoadResult row;
                using (var client = new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, concurrency))
                {
                    row = await LoadRunner.RunAsync("batching", name, client, LoadSettings.From(line, concurrency), instances, server.Pid, server.ProbeSocket, context.CancellationToken);
                }
                row = row with { Connections = context.Connections, Note = repeat > 1 ? $"pair {pair + 1}" : null };
                if (repeat == 1)
                {
                    var limit = await InProcessAsync(context, model, inputs, row.MeanBatch("model"));
                    row = Report.WithLimit(row, limit);
                }
                context.Report.Add(row);
                if (ReferenceEquals(payload, batched))
                {
                    onRow = row;
                }
                else
                {
                    offRow = row;
                }
            }
            pairs.Add((onRow!, offRow!));
        }
        WritePairs(pairs);
    }

    /// <summary>
    /// Each pair's throughput ratio (batching on / off) with the figures that explain it, then the median ratio, and the
    /// median of the server's CPU per request off / on: what batching saves the server, without the load generator's CPU,
    /// which shares this machine's cores and dilutes the throughput ratio (a deployed server's clients run elsewhere).
    /// </summary>
    private static void WritePairs(List<(LoadResult On, LoadResult Off)> pairs)
    {
        var ratios = new List<double>();
        var cpuRatios = new List<double>();
        Console.Error.WriteLine();
        Console.Error.WriteLine("batching on / off, by pair (server CPU ms/req; CPU outside model runs; runs/req; context switches/req; pool threads):");
        for (var i = 0; i < pairs.Count; i++)
        {
            var (on, off) = pairs[i];
            var ratio = off.InstancesPerSecond > 0 ? on.InstancesPerSecond / off.InstancesPerSecond : 0;
            ratios.Add(ratio);
            if (on.ServerCpuMsPerRequest is > 0 and var onCpu && off.ServerCpuMsPerRequest is { } offCpu)
            {
                cpuRatios.Add(offCpu / onCpu);
            }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  pair {i + 1}: {on.InstancesPerSecond:0} / {off.InstancesPerSecond:0} inst/s = {ratio:0.00}x; cpu {on.ServerCpuMsPerRequest:0.000} / {off.ServerCpuMsPerRequest:0.000}; outside model {on.OutsideModelCpuMsPerRequest:0.000} / {off.OutsideModelCpuMsPerRequest:0.000}; runs {on.RunsPerRequest:0.000} / {off.RunsPerRequest:0.000}; cs {on.SwitchesPerRequest:0.0} / {off.SwitchesPerRequest:0.0}; pool threads {on.ServerThreads?.PoolThreads} / {off.ServerThreads?.PoolThreads}; client cpu {on.ClientCpuMsPerRequest:0.000} / {off.ClientCpuMsPerRequest:0.000}; load {on.LoadAverage:0.0}"));
        }
        Console.Error.WriteLine($"  {MetricsCompare.MedianLine(ratios, "0.00")}");
        if (cpuRatios.Count > 0)
        {
            Console.Error.WriteLine($"  server CPU per request off / on, {MetricsCompare.MedianLine(cpuRatios, "0.00")}");
        }
    }

    /// <summary>The servable: one method, predict(x) -> y, the model as its only stage (intra-op threads 0: the runtime's choice).</summary>
    internal static void WriteServable(string folder, string name, byte[] model, int maxBatchSize, TimeSpan batchDelay, bool spinning,
        bool adaptiveDelay = true, int intraOpThreads = 0)
    {
        var version = Directory.CreateDirectory(Path.Combine(folder, name, "1")).FullName;
        ModelFixtures.ModelFixtures.WriteTo(Path.Combine(version, "model.onnx"), model);
        var delayMs = batchDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(folder, name, "servable_config.csx"), $$"""
            using System;
            using SharpServing;

            var model = DeclareModel("model.onnx", options: new ModelOptions { MaxBatchSize = {{maxBatchSize}}, BatchDelay = TimeSpan.FromMilliseconds({{delayMs}}), AdaptiveBatchDelay = {{(adaptiveDelay ? "true" : "false")}}, AllowSpinning = {{(spinning ? "true" : "false")}}, IntraOpThreads = {{intraOpThreads}} });
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
