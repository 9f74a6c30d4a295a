using System.Diagnostics;
using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Execution;
using SharpServing.Server.Observability;

namespace SharpServing.Benchmark;

/// <summary>
/// <c>metrics-record</c>: the measurements the engine records for one add request (served inline at concurrency 1: the
/// request counter and latency, the instances, the model stage's duration, the model run's duration and batch size; with
/// <c>--batched</c> also a queue wait), made N times in process through the engine's own telemetry calls, once with no
/// listener and once with the server's meter provider (<see cref="ServerTelemetry.Create"/>, the Prometheus exporter's
/// configuration). Reports CPU nanoseconds and bytes allocated per request: load-independent, unlike wall-clock rows.
/// With <c>--threads N</c> N threads record at once (the requests shared among them), as a server's requests do on
/// several cores: the same series and histogram points, updated from every core.
/// </summary>
internal static class MetricsRecordBench
{
    public static int Run(CommandLine line)
    {
        var requests = line.Int("requests", 2_000_000, 1);
        var rounds = line.Int("rounds", 3, 1, 100);
        var batched = line.Flag("batched");
        var threads = line.Int("threads", 1, 1, 64);
        line.ThrowIfUnused();
        var request = new InferRequest("add", "add_common", 0, [new Dictionary<string, RequestInput>()]) { Protocol = "grpc" };
        var reply = InferReply.Create([]);
        var set = new RequestSet(request, reply, batched);
        Console.WriteLine($"metrics-record: {requests:N0} add requests per round, {rounds} rounds, {(batched ? "queued (queue wait recorded)" : "inline")}, {threads} thread(s)");
        Console.WriteLine("configuration        ns/request (CPU, best round)   B/request");
        // Rounds alternate the configurations, so both meet the same machine state; the best round is the least disturbed.
        var results = new Dictionary<string, (double Ns, double Bytes)>(StringComparer.Ordinal);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var metrics in new[] { false, true })
            {
                var name = metrics ? "server metrics" : "no listener";
                using var telemetry = metrics ? ServerTelemetry.Create(new ServingConfiguration { Metrics = true }) : null;
                var (ns, bytes) = Measure(set, requests, threads);
                results[name] = results.TryGetValue(name, out var best) && best.Ns < ns ? best : (ns, bytes);
            }
        }
        foreach (var (name, (ns, bytes)) in results)
        {
            Console.WriteLine($"{name,-20} {ns,12:F1} {bytes,27:F1}");
        }
        Console.WriteLine($"metrics add {results["server metrics"].Ns - results["no listener"].Ns:F1} ns per request");
        return 0;
    }

    private static (double Ns, double Bytes) Measure(RequestSet set, int requests, int threads)
    {
        // Warm up: tiering, and the series each configuration creates on its first measurement.
        for (var i = 0; i < 10_000; i++)
        {
            set.Record();
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var share = requests / threads + (t < requests % threads ? 1 : 0);
            workers[t] = new Thread(() =>
            {
                for (var i = 0; i < share; i++)
                {
                    set.Record();
                }
            }) { IsBackground = true, Name = "metrics-record" };
            workers[t].Start();
        }
        foreach (var worker in workers)
        {
            worker.Join();
        }
        var cpuNs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).Ticks * 100.0;
        return (cpuNs / requests, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests);
    }

    /// <summary>One add request's measurements, in the order the engine makes them.</summary>
    private sealed class RequestSet(InferRequest request, InferReply reply, bool batched)
    {
        private readonly KeyValuePair<string, object?> _modelTag = new("model", "tensor_add.onnx");
        private readonly KeyValuePair<string, object?>[] _stageTags = ExecutionTelemetry.StageTags("add_common", 1, model: true, "Model 'tensor_add.onnx'");
        private readonly MethodSeries _method = ExecutionMetrics.DispatchedMethod("add", "add_common");

        public void Record()
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = ExecutionTelemetry.StartRequest(request);
            _method.Started();
            if (batched)
            {
                ExecutionMetrics.QueueWait.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _modelTag);
            }
            ExecutionMetrics.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _modelTag);
            ExecutionMetrics.BatchSize.Record(1, _modelTag);
            ExecutionTelemetry.StageDone(_stageTags, started);
            _method.Executed(1, ok: true);
            _method.Answered();
            ExecutionTelemetry.Complete(activity, request, 1, reply, started);
        }
    }
}
